from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chargeplane.config import Settings
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings
from tests.portal.support import PortalPerson, open_for_people, portal_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


@pytest.fixture
def app_settings(database_url: str) -> Settings:
    # Live parts re-render often, so tests see changes quickly.
    return test_settings(database_url, portal_live_interval=0.2)


@pytest.fixture
async def admin(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[PortalPerson]:
    """The tenant's admin, logged in to the portal; the tenant has terms links and all five languages."""
    await open_for_people(running_app, tenant.id)
    person = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.TENANT_ADMIN, None)])
    yield person
    await person.portal.aclose()
    await person.person.api.aclose()
