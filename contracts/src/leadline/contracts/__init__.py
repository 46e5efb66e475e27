"""Leadline's shared contracts: what services say to each other, and how."""
