"""Leadline's shared code, in three parts: ``wire`` (what services say to each other over Kafka),
``platform`` (what every service runs on) and ``tooling`` (for developers: the local stack, the documents)."""
