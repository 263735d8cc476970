"""The domain: one package per area, no HTTP, no OCPP. Importing it registers every model."""

from chargeplane.domain import registry as _registry  # noqa: F401
