"""Sign-up, activation, password reset, invitations and the second factor through the portal's pages,
with mail delivered to a real SMTP server and read back from it."""

from __future__ import annotations

import re
import uuid

import pyotp
import pytest

from chargeplane.config import Settings
from chargeplane.domain.identity.permissions import Role
from tests.conftest import test_settings as settings_for
from tests.messaging.support import SmtpServer, body_of
from tests.portal.support import PASSWORD, PortalClient, PortalPerson, portal_user
from tests.support.people import make_account
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


@pytest.fixture
def app_settings(database_url: str, smtp: SmtpServer) -> Settings:
    return settings_for(database_url, smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False,
                         portal_live_interval=0.2)


def link_path(body: str, path: str) -> str:
    """The path and query of the link to `path` in a message (the host is the configured public URL)."""
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\?token=[A-Za-z0-9_\-]+)", body)
    assert found, f"no {path} link in {body!r}"
    return found.group(1)


async def test_sign_up_activate_and_log_in(running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson,
                                           smtp: SmtpServer) -> None:
    email = f"new-{uuid.uuid4().hex[:8]}@example.test"
    visitor = PortalClient(running_app)
    visitor.http.headers["Accept-Language"] = "nb-NO,nb;q=0.9"  # as a browser sends with every request
    try:
        form = await visitor.get(f"/t/{tenant.slug}/signup")
        assert '<html lang="nb"' in form.text
        assert 'name="accept_terms"' in form.text and "https://operator.example/terms" in form.text
        sent = await visitor.post(f"/t/{tenant.slug}/signup", {"name": "Nina Nordmann", "email": email,
                                                               "password": PASSWORD, "accept_terms": "true",
                                                               "time_zone": "Europe/Oslo"})
        assert sent.status_code == 200 and email in sent.text
        link = link_path(body_of(await smtp.mailbox.wait_for(email)), "/verify-email")
        # Opening the link changes nothing (mail scanners open links); the button does.
        opened = await visitor.get(link)
        assert opened.status_code == 200 and 'action="/verify-email"' in opened.text
        await visitor.get(f"/t/{tenant.slug}/login")
        not_yet = await visitor.post(f"/t/{tenant.slug}/login", {"email": email, "password": PASSWORD})
        assert not_yet.status_code == 401
        await visitor.get(link)
        token = link.split("token=")[1]
        activated = await visitor.post("/verify-email", {"token": token})
        assert activated.status_code == 200 and email in activated.text
        again = await visitor.post("/verify-email", {"token": token})
        assert again.status_code == 422 and "already used" in again.text  # a spent link says why
        await visitor.log_in(tenant.slug, email)
        me = (await visitor.http.get("/api/v1/auth/me")).json()
        assert me["name"] == "Nina Nordmann" and me["time_zone"] == "Europe/Oslo"
        assert me["language"] == "nb"  # the language the sign-up page was shown in
        assert [m["role"] for m in me["memberships"]] == ["driver"]
    finally:
        await visitor.aclose()


async def test_sign_up_mistakes_are_shown_next_to_the_form(running_app: RunningApp, tenant: TenantHandle,
                                                           admin: PortalPerson) -> None:
    visitor = PortalClient(running_app)
    try:
        await visitor.get(f"/t/{tenant.slug}/signup")
        short = await visitor.post(f"/t/{tenant.slug}/signup", {"email": "a@example.test", "password": "short",
                                                                "accept_terms": "true"})
        assert short.status_code == 422 and "12" in short.text
        assert 'value="a@example.test"' in short.text  # what was typed stays
        no_terms = await visitor.post(f"/t/{tenant.slug}/signup", {"email": "a@example.test", "password": PASSWORD})
        assert no_terms.status_code == 422 and 'aria-invalid="true"' in no_terms.text
    finally:
        await visitor.aclose()


async def test_a_forgotten_password_is_reset_by_the_emailed_link(running_app: RunningApp, tenant: TenantHandle,
                                                                 admin: PortalPerson, smtp: SmtpServer) -> None:
    visitor = PortalClient(running_app)
    new_password = "a brand new passphrase 42"
    try:
        await visitor.get(f"/t/{tenant.slug}/forgot-password")
        asked = await visitor.post(f"/t/{tenant.slug}/forgot-password", {"email": admin.email})
        assert asked.status_code == 200
        link = link_path(body_of(await smtp.mailbox.wait_for(admin.email)), "/reset-password")
        form = await visitor.get(link)
        assert form.status_code == 200 and 'name="password"' in form.text
        token = link.split("token=")[1]
        weak = await visitor.post("/reset-password", {"token": token, "password": "weak"})
        assert weak.status_code == 422
        done = await visitor.post("/reset-password", {"token": token, "password": new_password})
        assert done.status_code == 200
        # The admin's portal session ended with the reset; the new password works, the old does not.
        assert (await admin.portal.http.get("/portal")).status_code == 303
        await visitor.get(f"/t/{tenant.slug}/login")
        old = await visitor.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD})
        assert old.status_code == 401
        await visitor.log_in(tenant.slug, admin.email, new_password)
        assert (await visitor.http.get("/portal")).status_code == 200
    finally:
        await visitor.aclose()


async def test_an_invitation_is_accepted_on_its_page(running_app: RunningApp, tenant: TenantHandle,
                                                     admin: PortalPerson, smtp: SmtpServer) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    email = f"inv-{uuid.uuid4().hex[:8]}@example.test"
    sent = await admin.person.api.post("/api/v1/invitations", json={
        "kind": "member", "email": email, "role": "driver", "account_id": str(account_id), "name": "Ivo"})
    assert sent.status_code == 201, sent.text
    link = link_path(body_of(await smtp.mailbox.wait_for(email)), "/invitations/accept")
    visitor = PortalClient(running_app)
    try:
        shown = await visitor.get(link)
        assert shown.status_code == 200 and "Harbour Housing" in shown.text and 'value="Ivo"' in shown.text
        token = link.split("token=")[1]
        accepted = await visitor.post("/invitations/accept", {"token": token, "name": "Ivo Invited",
                                                              "password": PASSWORD, "accept_terms": "true"})
        assert accepted.status_code == 200 and f"email={email}" in accepted.text
        spent = await visitor.get(link)
        assert spent.status_code == 410
        await visitor.log_in(tenant.slug, email)
        me = (await visitor.http.get("/api/v1/auth/me")).json()
        assert me["name"] == "Ivo Invited"
        assert [(m["role"], m["account_name"]) for m in me["memberships"]] == [("driver", "Harbour Housing")]
    finally:
        await visitor.aclose()


async def test_staff_with_a_second_factor_give_the_code_after_the_password(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    setup = (await admin.person.api.post("/api/v1/auth/totp/setup")).json()
    totp = pyotp.TOTP(setup["secret"])
    enabled = await admin.person.api.post("/api/v1/auth/totp/enable", json={"code": totp.now()})
    assert enabled.status_code == 200, enabled.text
    visitor = PortalClient(running_app)
    try:
        await visitor.get(f"/t/{tenant.slug}/login")
        step = await visitor.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD})
        assert step.status_code == 401 and 'name="totp_code"' in step.text
        assert "chargeplane_session" not in step.headers.get("set-cookie", "")
        wrong = await visitor.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD,
                                                               "totp_code": "000000"})
        assert wrong.status_code == 401 and "not valid" in wrong.text
        # The next step's code (accepted within the one-step drift window): the one that enabled it is spent.
        code = totp.at(running_app.app.clock.now().timestamp() + 30)
        done = await visitor.post(f"/t/{tenant.slug}/login", {"email": admin.email, "password": PASSWORD,
                                                              "totp_code": code})
        assert done.status_code == 303 and "chargeplane_session" in done.headers.get("set-cookie", "")
    finally:
        await visitor.aclose()


async def test_an_account_admin_uses_the_portal_for_their_account(running_app: RunningApp, tenant: TenantHandle,
                                                                  admin: PortalPerson) -> None:
    account_id = await make_account(running_app, tenant.id, name="Owner's own")
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, account_id)])
    try:
        assert (await owner.portal.http.get("/")).headers["location"] == "/portal"
        dashboard = await owner.portal.http.get("/portal")
        assert dashboard.status_code == 200
        assert 'href="/portal/settings"' not in dashboard.text  # tenant settings are not theirs
    finally:
        await owner.portal.aclose()
        await owner.person.api.aclose()
