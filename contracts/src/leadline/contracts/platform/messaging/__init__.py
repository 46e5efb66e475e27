"""Messaging plumbing shared by every service: outbox, relay, inbox and dead letters."""
