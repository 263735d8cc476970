"""chargeplane: an open-source, multi-tenant EV charging management platform (CSMS)."""

__version__ = "0.1.0"
