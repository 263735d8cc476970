"""A user's own settings: name, language (one of the tenant's), time zone, mobile number."""

from __future__ import annotations

from tests.identity.helpers import bearer_login, open_sign_up, signed_up_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_a_user_changes_their_own_settings(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = await signed_up_user(running_app, tenant)
    other = await signed_up_user(running_app, tenant)
    async with await bearer_login(running_app, tenant, email) as me, \
            await bearer_login(running_app, tenant, other) as them:
        assert (await them.patch("/api/v1/auth/me", json={"mobile": "+37255550000"})).status_code == 200
        changed = await me.patch("/api/v1/auth/me", json={"name": "  Jaan Tamm ", "language": "et",
                                                          "time_zone": "Europe/Tallinn", "mobile": "+372 5555 1111"})
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["name"], body["language"], body["time_zone"], body["mobile"]) == (
            "Jaan Tamm", "et", "Europe/Tallinn", "+37255551111")
        assert (await me.get("/api/v1/auth/me")).json()["mobile"] == "+37255551111"

        refused = {
            "language": ({"language": "fr"}, 422),
            "time_zone": ({"time_zone": "Europe/Atlantis"}, 422),
            "mobile": ({"mobile": "+37255550000"}, 409),
        }
        for field, (change, status) in refused.items():
            response = await me.patch("/api/v1/auth/me", json=change)
            assert response.status_code == status and response.json()["field"] == field, response.text
        for forbidden in ({"email": "new@example.test"}, {"status": "active"}, {"tenant_id": "x"},
                          {"role": "tenant_admin"}, {"totp_secret": "AAAA"}):
            assert (await me.patch("/api/v1/auth/me", json=forbidden)).status_code == 422, forbidden

        assert (await me.patch("/api/v1/auth/me", json={"mobile": None})).json()["mobile"] is None
        assert [m["role"] for m in (await me.get("/api/v1/auth/me")).json()["memberships"]] == ["driver"]
    entries = (await tenant.api.get("/api/v1/audit-log", params={"action": "user.update"})).json()["items"]
    mine = [e for e in entries if e["actor_label"] == email]
    assert len(mine) == 2 and mine[-1]["after"]["language"] == "et"
