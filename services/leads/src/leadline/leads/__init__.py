"""Leadline leads service: owns leads and their reference data."""
