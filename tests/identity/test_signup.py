"""Self sign-up by email: terms first, a verification link by mail, nothing told about who exists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from chargeplane.db import Scope
from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.models import TermsAcceptance, User
from tests.identity.helpers import (
    PASSWORD,
    PROBLEM,
    anonymous,
    latest_link,
    login,
    mails,
    new_email,
    open_sign_up,
    sign_up,
)
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def _user_row(running: RunningApp, tenant: TenantHandle, email: str) -> tuple[User | None, list[Any]]:
    def unit(uow: Any) -> tuple[User | None, list[Any]]:
        user = uow.session.scalar(select(User).where(User.email_key == email.lower()))
        acceptances = [] if user is None else list(uow.session.scalars(
            select(TermsAcceptance).where(TermsAcceptance.user_id == user.id)))
        uow.session.expunge_all()
        return user, acceptances

    return await running.arun(running.app.db.read(Scope.tenant(tenant.id), unit))


async def test_sign_up_verify_and_log_in_following_the_mailed_link(running_app: RunningApp,
                                                                   tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = new_email()
    async with anonymous(running_app) as api:
        signed = await sign_up(api, tenant, email, name="Mari Maasikas", language="et", time_zone="Europe/Tallinn")
        assert signed.status_code == 202, signed.text
        # Not verified yet: the login fails like a wrong password.
        assert (await login(api, tenant, email)).status_code == 401

        [message] = await mails(tenant, email, "verify_email")
        assert message["language"] == "et" and message["channel"] == "email"
        assert f"{running_app.settings.base_url}/verify-email?token=" in message["body"]
        token = await latest_link(tenant, email, "verify_email")
        verified = await api.post("/api/v1/auth/verify-email", json={"token": token})
        assert verified.status_code == 200, verified.text
        assert verified.json() == {"email": email, "status": "active"}

        logged_in = await login(api, tenant, email)
        assert logged_in.status_code == 200, logged_in.text
        body = logged_in.json()
        assert body["token"].startswith("cps_") and body["csrf_token"] is None
        me = body["user"]
        assert me["email"] == email and me["name"] == "Mari Maasikas" and me["language"] == "et"
        assert me["time_zone"] == "Europe/Tallinn" and me["status"] == "active"
        assert me["memberships"] == [{"role": "driver", "account_id": None, "account_name": None}]
        assert me["terms_version_accepted"] == me["tenant"]["terms_version"] >= 1
        assert "password_hash" not in str(body) and "totp_secret" not in str(body)

        # The link is single-use.
        again = await api.post("/api/v1/auth/verify-email", json={"token": token})
        assert again.status_code == 422 and again.json()["type"].endswith("/invalid-link")

    user, [acceptance] = await _user_row(running_app, tenant, email)
    assert user is not None and user.email_verified_at is not None
    assert acceptance.terms_url == "https://operator.example/terms"
    assert acceptance.privacy_url == "https://operator.example/privacy"
    assert acceptance.terms_version >= 1 and acceptance.source_address == "127.0.0.1"


async def test_sign_up_is_refused_until_the_tenant_sets_terms_and_privacy_links(running_app: RunningApp,
                                                                                tenant: TenantHandle) -> None:
    async with anonymous(running_app) as api:
        refused = await sign_up(api, tenant, new_email())
        assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
        assert "terms" in refused.json()["detail"] and refused.json()["field"] == "terms_url"
        await tenant.api.patch("/api/v1/tenant", json={"terms_url": "https://operator.example/terms"})
        assert (await sign_up(api, tenant, new_email())).status_code == 409
        await open_sign_up(tenant)
        assert (await sign_up(api, tenant, new_email())).status_code == 202


async def test_sign_up_needs_acceptance_and_valid_details(running_app: RunningApp, tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    email = new_email()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"accept_terms": False}, 422, "accept_terms"),
        ({"email": "not-an-address"}, 422, "email"),
        ({"password": "short"}, 422, "password"),
        ({"password": email.upper()}, 422, "password"),
        ({"language": "fr"}, 422, "language"),
        ({"time_zone": "Mars/Olympus"}, 422, "time_zone"),
        ({"mobile": "5551234"}, 422, "mobile"),
        ({"tenant": "no-such-tenant"}, 404, "tenant"),
    ]
    async with anonymous(running_app) as api:
        for change, status, field in cases:
            body = {"tenant": tenant.slug, "email": email, "password": PASSWORD, "accept_terms": True, **change}
            response = await api.post("/api/v1/auth/signup", json=body)
            assert response.status_code == status, (change, response.text)
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["field"] == field, response.json()
        missing = await api.post("/api/v1/auth/signup", json={"tenant": tenant.slug, "email": email,
                                                              "password": PASSWORD})
        assert missing.status_code == 422
        extra = await api.post("/api/v1/auth/signup", json={"tenant": tenant.slug, "email": email,
                                                            "password": PASSWORD, "accept_terms": True,
                                                            "status": "active"})
        assert extra.status_code == 422
    assert await mails(tenant, email, "verify_email") == []


async def test_sign_up_with_a_known_email_answers_the_same_and_mails_nothing(
        running_app: RunningApp, tenant: TenantHandle, clock: ManualClock) -> None:
    await open_sign_up(tenant)
    known = new_email()
    async with anonymous(running_app) as api:
        first = await sign_up(api, tenant, known)
        token = await latest_link(tenant, known, "verify_email")
        assert (await api.post("/api/v1/auth/verify-email", json={"token": token})).status_code == 200
        clock.advance(timedelta(minutes=1))
        again = await sign_up(api, tenant, known.upper(), password="another password 123")
        fresh = await sign_up(api, tenant, new_email())
    assert first.status_code == again.status_code == fresh.status_code == 202
    assert first.json() == again.json() == fresh.json()
    assert len(await mails(tenant, known, "verify_email")) == 1
    # The known user's password did not change.
    async with anonymous(running_app) as api:
        assert (await login(api, tenant, known)).status_code == 200
        assert (await login(api, tenant, known, "another password 123")).status_code == 401


async def test_signing_up_again_while_pending_sends_a_new_link_and_spends_the_old(
        running_app: RunningApp, tenant: TenantHandle, clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = new_email()
    async with anonymous(running_app) as api:
        await sign_up(api, tenant, email, password="first password 1")
        old = await latest_link(tenant, email, "verify_email")
        clock.advance(timedelta(minutes=1))
        await sign_up(api, tenant, email, password="second password 2")
        new = await latest_link(tenant, email, "verify_email")
        assert new != old
        assert (await api.post("/api/v1/auth/verify-email", json={"token": old})).status_code == 422
        assert (await api.post("/api/v1/auth/verify-email", json={"token": new})).status_code == 200
        assert (await login(api, tenant, email, "first password 1")).status_code == 401
        assert (await login(api, tenant, email, "second password 2")).status_code == 200


async def test_verification_link_expires_after_24_hours(running_app: RunningApp, tenant: TenantHandle,
                                                        clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = new_email()
    async with anonymous(running_app) as api:
        await sign_up(api, tenant, email)
        token = await latest_link(tenant, email, "verify_email")
        clock.advance(timedelta(hours=24, seconds=1))
        expired = await api.post("/api/v1/auth/verify-email", json={"token": token})
        assert expired.status_code == 422 and expired.json()["field"] == "token"
        for garbage in ("cpe_nothing", "nonsense", "cpr_" + token[4:]):
            assert (await api.post("/api/v1/auth/verify-email", json={"token": garbage})).status_code == 422
        assert (await login(api, tenant, email)).status_code == 401


async def test_sign_up_mails_are_rationed_per_address(running_app: RunningApp, tenant: TenantHandle,
                                                      clock: ManualClock) -> None:
    await open_sign_up(tenant)
    email = new_email()
    async with anonymous(running_app) as api:
        for _ in range(5):
            assert (await sign_up(api, tenant, email)).status_code == 202
            clock.advance(timedelta(seconds=10))
        assert len(await mails(tenant, email, "verify_email")) == 3
        clock.advance(timedelta(minutes=15))
        assert (await sign_up(api, tenant, email)).status_code == 202
    assert len(await mails(tenant, email, "verify_email")) == 4


async def test_a_mobile_number_someone_holds_is_left_out_not_refused(running_app: RunningApp,
                                                                     tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    first, second = new_email(), new_email()
    async with anonymous(running_app) as api:
        assert (await sign_up(api, tenant, first, mobile="+372 5555 1234")).status_code == 202
        assert (await sign_up(api, tenant, second, mobile="+37255551234")).status_code == 202
    user, _ = await _user_row(running_app, tenant, first)
    other, _ = await _user_row(running_app, tenant, second)
    assert user is not None and user.mobile == "+37255551234"
    assert other is not None and other.mobile is None


async def test_the_same_email_signs_up_at_two_tenants_separately(running_app: RunningApp, tenant: TenantHandle,
                                                                 other_tenant: TenantHandle) -> None:
    await open_sign_up(tenant)
    await open_sign_up(other_tenant)
    email = new_email()
    async with anonymous(running_app) as api:
        await sign_up(api, tenant, email)
        await sign_up(api, other_tenant, email, password="other tenant password")
        assert len(await mails(tenant, email, "verify_email")) == 1
        assert len(await mails(other_tenant, email, "verify_email")) == 1
        token = await latest_link(tenant, email, "verify_email")
        assert (await api.post("/api/v1/auth/verify-email", json={"token": token})).status_code == 200
        assert (await login(api, tenant, email)).status_code == 200
        # The other tenant's user is still pending, and the first tenant's password is not theirs.
        assert (await login(api, other_tenant, email, "other tenant password")).status_code == 401
        assert (await login(api, other_tenant, email)).status_code == 401
