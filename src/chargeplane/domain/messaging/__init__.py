"""Email and SMS to people: an outbox written in the same unit of work as the cause, delivered after."""
