"""GET /api/v1/outbox: tenant admins read what was sent (bodies hold live links); nobody else does."""

from __future__ import annotations

from datetime import timedelta

from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.permissions import Role
from tests.messaging.support import SmtpServer, wait_for_status
from tests.messaging.test_delivery import queue
from tests.support.people import make_account, make_api_key, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle, api_client


async def test_tenant_admins_page_through_the_outbox_newest_first(running_app: RunningApp, tenant: TenantHandle,
                                                                  other_tenant: TenantHandle,
                                                                  smtp: SmtpServer, clock: ManualClock) -> None:
    ids = []
    for i in range(5):
        ids.append(await queue(running_app, tenant.id, recipient=f"p{i}@example.test"))
        clock.advance(timedelta(seconds=1))
    await queue(running_app, other_tenant.id, recipient="p0@example.test")
    await wait_for_status(running_app, tenant.id, ids[-1], "sent")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await tenant.api.get("/api/v1/outbox", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(i) for i in reversed(ids)]  # newest first, the other tenant's not among them

    only = (await tenant.api.get("/api/v1/outbox", params={"recipient": "P3@Example.test"})).json()["items"]
    assert [item["id"] for item in only] == [str(ids[3])]
    assert "Hello Mari" in only[0]["body"] and only[0]["subject"] and only[0]["template"] == "password_changed"
    assert "token_hash" not in only[0]
    bad = await tenant.api.get("/api/v1/outbox", params={"cursor": "garbage"})
    assert bad.status_code == 422


async def test_only_tenant_admins_read_the_outbox(running_app: RunningApp, tenant: TenantHandle) -> None:
    account_id = await make_account(running_app, tenant.id)
    support = await make_user(running_app, tenant.id, roles=[(Role.CUSTOMER_SUPPORT, None)])
    admin = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, account_id)])
    key = await make_api_key(running_app, tenant.id, role=Role.ACCOUNT_ADMIN, account_id=account_id)
    async with support.api, admin.api, api_client(running_app, key) as keyed:
        for client in (support.api, admin.api, keyed):
            response = await client.get("/api/v1/outbox")
            assert response.status_code == 403, response.text
    anonymous = await api_client(running_app, None).get("/api/v1/outbox")
    assert anonymous.status_code == 401
