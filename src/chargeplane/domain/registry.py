"""Imports every model module so that `Base.metadata` knows all tables (migrations, tests)."""

from chargeplane.domain.access import models as _access  # noqa: F401
from chargeplane.domain.alarms import models as _alarms  # noqa: F401
from chargeplane.domain.assets import command_queue as _command_queue  # noqa: F401
from chargeplane.domain.assets import configuration as _configuration  # noqa: F401
from chargeplane.domain.assets import models as _assets  # noqa: F401
from chargeplane.domain.audit import models as _audit  # noqa: F401
from chargeplane.domain.billing import models as _billing  # noqa: F401
from chargeplane.domain.chargerlog import models as _chargerlog  # noqa: F401
from chargeplane.domain.diagnostics import models as _diagnostics  # noqa: F401
from chargeplane.domain.firmware import models as _firmware  # noqa: F401
from chargeplane.domain.identity import models as _identity  # noqa: F401
from chargeplane.domain.messaging import models as _messaging  # noqa: F401
from chargeplane.domain.pricing import models as _pricing  # noqa: F401
from chargeplane.domain.reservations import models as _reservations  # noqa: F401
from chargeplane.domain.sessions import models as _sessions  # noqa: F401
from chargeplane.domain.smartcharging import models as _smartcharging  # noqa: F401
from chargeplane.domain.tenancy import models as _tenancy  # noqa: F401
from chargeplane.domain.tokens import local_list_model as _local_lists  # noqa: F401
from chargeplane.domain.tokens import models as _tokens  # noqa: F401
from chargeplane.domain.webhooks import models as _webhooks  # noqa: F401
