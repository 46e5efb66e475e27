"""Leadline documents service: sales orders and invoices created from leads."""
