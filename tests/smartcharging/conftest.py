from tests.ocpp.conftest import fleet  # noqa: F401  # the same chargers-of-one-tenant fixture
