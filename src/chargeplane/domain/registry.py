"""Imports every model module so that `Base.metadata` knows all tables (migrations, tests)."""

from chargeplane.domain.assets import models as _assets  # noqa: F401
from chargeplane.domain.chargerlog import models as _chargerlog  # noqa: F401
from chargeplane.domain.sessions import models as _sessions  # noqa: F401
from chargeplane.domain.tenancy import models as _tenancy  # noqa: F401
from chargeplane.domain.tokens import models as _tokens  # noqa: F401
