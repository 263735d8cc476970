"""Scheduled and background work, each job running with a scope per tenant or a named installation scope."""
