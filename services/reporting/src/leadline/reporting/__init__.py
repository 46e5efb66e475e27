"""Leadline reporting service: funnel aggregates for managers and BI consumers."""
