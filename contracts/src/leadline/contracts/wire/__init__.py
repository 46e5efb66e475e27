"""What goes over Kafka between Leadline's services and the parties outside it: the event types, the
CloudEvents envelope, the topic catalogue and the rules by which an event's schema may change."""
