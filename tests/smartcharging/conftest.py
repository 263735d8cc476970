from tests.ocpp.conftest import fleet  # noqa: F401  # the same chargers-of-one-tenant fixture
from tests.simulator.conftest import simulation  # noqa: F401  # simulated chargers against the app
