"""The second factor: set up, turn on with a code, log in with codes that work once, turn off."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlparse

from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.identity.throttle import ACCOUNT_FAILURES
from tests.identity.helpers import PASSWORD, anonymous, bearer_login, code_now, login, staff_with_totp
from tests.support.people import make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

STEP = timedelta(seconds=30)


async def test_setting_up_needs_a_code_before_it_counts(running_app: RunningApp, tenant: TenantHandle) -> None:
    await tenant.api.patch("/api/v1/tenant", json={"display_name": "Volt"})
    person = await make_user(running_app, tenant.id, roles=[(Role.CUSTOMER_SUPPORT, None)], password=PASSWORD)
    async with person.api as api:
        assert (await api.post("/api/v1/auth/totp/enable", json={"code": "123456"})).status_code == 409
        setup = (await api.post("/api/v1/auth/totp/setup")).json()
        uri = urlparse(setup["otpauth_uri"])
        assert uri.scheme == "otpauth" and uri.netloc == "totp"
        assert parse_qs(uri.query)["secret"] == [setup["secret"]] and parse_qs(uri.query)["issuer"] == ["Volt"]
        assert unquote(uri.path) == f"/Volt:{person.email}"
        # Not on yet: the password alone logs in.
        async with anonymous(running_app) as web:
            assert (await login(web, tenant, person.email)).status_code == 200
        assert (await api.get("/api/v1/auth/me")).json()["totp"] == {"enabled": False, "required": True}

        wrong = await api.post("/api/v1/auth/totp/enable", json={"code": "000000" if code_now(
            running_app, setup["secret"]) != "000000" else "111111"})
        assert wrong.status_code == 422 and wrong.json()["field"] == "code"
        on = await api.post("/api/v1/auth/totp/enable", json={"code": code_now(running_app, setup["secret"])})
        assert on.status_code == 200 and on.json() == {"enabled": True, "required": True}
        assert (await api.get("/api/v1/auth/me")).json()["totp"] == {"enabled": True, "required": True}
        assert (await api.post("/api/v1/auth/totp/setup")).status_code == 409
        audit = (await tenant.api.get("/api/v1/audit-log", params={"action": "user.totp_enable"})).json()
        assert [e["object_id"] for e in audit["items"]] == [str(person.user_id)]
        assert setup["secret"] not in str(audit)


async def test_login_asks_for_a_code_and_accepts_each_code_once(running_app: RunningApp, tenant: TenantHandle,
                                                                 clock: ManualClock) -> None:
    email, secret = await staff_with_totp(running_app, tenant)
    async with anonymous(running_app) as web:
        missing = await login(web, tenant, email)
        assert missing.status_code == 401 and missing.json()["type"].endswith("/totp-required")
        # The code that turned the factor on is spent.
        spent = await login(web, tenant, email, totp_code=code_now(running_app, secret))
        assert spent.status_code == 401 and spent.json()["type"].endswith("/totp-required")
        assert spent.json()["detail"] != missing.json()["detail"]

        clock.advance(STEP)
        code = code_now(running_app, secret)
        first = await login(web, tenant, email, totp_code=code)
        assert first.status_code == 200, first.text
        replay = await login(web, tenant, email, totp_code=code)
        assert replay.status_code == 401 and replay.json()["type"].endswith("/totp-required")
        # The wrong password with a good code is still just a failed login.
        clock.advance(STEP)
        assert (await login(web, tenant, email, "wrong password 123",
                            totp_code=code_now(running_app, secret))).status_code == 401
        # A code from the step before still works (clock drift), one from two steps back does not.
        clock.advance(STEP)
        assert (await login(web, tenant, email, totp_code=code_now(running_app, secret, -2))).status_code == 401
        assert (await login(web, tenant, email, totp_code=code_now(running_app, secret, -1))).status_code == 200


async def test_wrong_codes_count_as_failed_logins(running_app: RunningApp, tenant: TenantHandle,
                                                  clock: ManualClock) -> None:
    email, secret = await staff_with_totp(running_app, tenant)
    clock.advance(STEP)
    good = code_now(running_app, secret)
    wrong = "000000" if good != "000000" else "111111"
    async with anonymous(running_app) as web:
        for _ in range(ACCOUNT_FAILURES):
            assert (await login(web, tenant, email, totp_code=wrong)).status_code == 401
        assert (await login(web, tenant, email, totp_code=good)).status_code == 429


async def test_turning_off_needs_a_code_or_the_password(running_app: RunningApp, tenant: TenantHandle,
                                                        clock: ManualClock) -> None:
    email, secret = await staff_with_totp(running_app, tenant)
    clock.advance(STEP)
    async with await bearer_login(running_app, tenant, email, totp_code=code_now(running_app, secret)) as api:
        assert (await api.post("/api/v1/auth/totp/disable", json={})).status_code == 422
        assert (await api.post("/api/v1/auth/totp/disable", json={"password": "wrong password 123"})).status_code == 422
        assert (await api.post("/api/v1/auth/totp/disable", json={"code": "12345x"})).status_code == 422
        off = await api.post("/api/v1/auth/totp/disable", json={"password": PASSWORD})
        assert off.status_code == 200 and off.json() == {"enabled": False, "required": True}
        assert (await api.post("/api/v1/auth/totp/disable", json={"password": PASSWORD})).status_code == 409

        # On again with a new secret, off with a code.
        secret = (await api.post("/api/v1/auth/totp/setup")).json()["secret"]
        clock.advance(STEP)
        assert (await api.post("/api/v1/auth/totp/enable", json={"code": code_now(running_app, secret)})).is_success
        clock.advance(STEP)
        off = await api.post("/api/v1/auth/totp/disable", json={"code": code_now(running_app, secret)})
        assert off.status_code == 200
    async with anonymous(running_app) as web:
        assert (await login(web, tenant, email)).status_code == 200
    actions = [(await tenant.api.get("/api/v1/audit-log", params={"action": a})).json()["items"]
               for a in ("user.totp_enable", "user.totp_disable")]
    assert [len(a) for a in actions] == [2, 2]

