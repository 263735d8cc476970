"""Alarms: problems raised from charger and session events, one open alarm per cause, processed by
operators (open → acknowledged → resolved, with who, when and a comment) or resolved by themselves
when the cause clears; history kept; rules and levels per tenant."""
