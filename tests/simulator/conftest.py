from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.simulator.support import Simulation
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


@pytest.fixture
async def simulation(running_app: RunningApp, tenant: TenantHandle) -> AsyncIterator[Simulation]:
    sim = Simulation(running_app, tenant)
    yield sim
    await sim.stop_all()
