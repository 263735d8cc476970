from tests.ocpp.conftest import (
    app_with,  # noqa: F401  # apps with settings of the test's own
    fleet,  # noqa: F401  # the same chargers-of-one-tenant fixture
)
from tests.simulator.conftest import simulation  # noqa: F401  # simulated chargers against the app
