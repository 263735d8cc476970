"""The OCPP-J transport: frames, schemas, connections, and one adapter per protocol version."""
