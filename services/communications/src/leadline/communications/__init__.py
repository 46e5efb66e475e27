"""Leadline communications service: owns inbound calls, their matching to leads and their triage."""
