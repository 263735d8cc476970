"""Users, roles and invitations in the operator portal: the pages show what the database holds, their
forms change it through the same domain rules as the API (refusals shown in the page), invitations
reach a real SMTP server, and nobody sees or changes another tenant's people."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.identity.models import Invitation, Membership, User
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.sessions.models import ChargingSession
from tests.invitations.support import accept, anonymous, emailed_token, log_in, preview
from tests.messaging.conftest import app_settings, running_app
from tests.messaging.support import SmtpServer
from tests.portal.form_defaults import defaults_of
from tests.portal.support import PortalPerson, portal_user
from tests.support.chargers import register_charger
from tests.support.people import make_account, make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle

__all__ = ["app_settings", "running_app"]  # a real SMTP server and a hand-moved clock

T = TypeVar("T")


async def read(running: RunningApp, tenant_id: uuid.UUID, fn: Callable[[UnitOfWork], T]) -> T:
    return await running.arun(running.app.db.read(Scope.tenant(tenant_id), fn))


def roles_of(user_id: uuid.UUID) -> Callable[[UnitOfWork], list[tuple[str, uuid.UUID | None]]]:
    def unit(uow: UnitOfWork) -> list[tuple[str, uuid.UUID | None]]:
        rows = uow.session.scalars(select(Membership).where(Membership.user_id == user_id))
        return sorted(((m.role, m.account_id) for m in rows), key=str)

    return unit


def status_of(user_id: uuid.UUID) -> Callable[[UnitOfWork], str]:
    def unit(uow: UnitOfWork) -> str:
        user = uow.session.get(User, user_id)
        assert user is not None
        return user.status

    return unit


async def closing(*people: PortalPerson) -> None:
    for person in people:
        await person.portal.aclose()
        await person.person.api.aclose()


# --- users and roles --------------------------------------------------------------------------------------


async def test_the_user_list_finds_people_by_name_email_and_role(running_app: RunningApp, tenant: TenantHandle,
                                                                 admin: PortalPerson) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    driver = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, account_id)],
                             email="maria.tamm@example.test")
    member = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_MEMBER, account_id)],
                             email="jaan.kask@example.test")
    try:
        everyone = await admin.portal.get("/portal/users")
        assert everyone.status_code == 200
        assert "maria.tamm@example.test" in everyone.text and "jaan.kask@example.test" in everyone.text
        assert "Harbour Housing" in everyone.text and 'aria-current="page"' in everyone.text
        found = await admin.portal.get("/portal/users", params={"q": "TAMM"})
        assert "maria.tamm@example.test" in found.text and "jaan.kask@example.test" not in found.text
        members = await admin.portal.get("/portal/users", params={"role": "account_member", "q": ""})
        assert "jaan.kask@example.test" in members.text and "maria.tamm@example.test" not in members.text
        # A stale filter or a made-up cursor is no filter, not an error.
        assert (await admin.portal.get("/portal/users", params={"role": "wizard", "cursor": "x"})).status_code == 200
    finally:
        await driver.api.aclose()
        await member.api.aclose()


async def test_a_users_page_shows_profile_roles_cards_and_charging(running_app: RunningApp, tenant: TenantHandle,
                                                                   admin: PortalPerson) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    driver = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, account_id)])
    try:
        card = await tenant.api.post("/api/v1/id-tokens", json={"uid": "CARD0042", "label": "Blue tag",
                                                                "user_id": str(driver.user_id),
                                                                "account_id": str(account_id)})
        assert card.status_code == 201, card.text

        def charged(uow: UnitOfWork) -> uuid.UUID:
            session = ChargingSession(charge_point_identity="CP-HARBOUR-1", connector_id=1, id_tag="CARD0042",
                                      id_token_id=uuid.UUID(card.json()["id"]), account_id=account_id,
                                      started_at=running_app.app.clock.now(), energy_wh=12345, state="completed")
            uow.session.add(session)
            uow.session.flush()
            return session.id

        session_id = await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), charged))
        shown = await admin.portal.get(f"/portal/users/{driver.user_id}")
        assert shown.status_code == 200
        text = shown.text
        assert driver.email in text and "Active" in text and "Driver" in text and "Harbour Housing" in text
        assert f'href="/portal/cards/{card.json()["id"]}"' in text and "Blue tag" in text
        assert f'href="/portal/sessions/{session_id}"' in text and "CP-HARBOUR-1" in text and "12.345 kWh" in text
    finally:
        await driver.api.aclose()


async def test_roles_are_added_and_removed_within_the_domains_rules(running_app: RunningApp, tenant: TenantHandle,
                                                                    admin: PortalPerson) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    person = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, account_id)])
    try:
        added = await admin.portal.post(f"/portal/users/{person.user_id}/roles",
                                        {"role": "account_member", "account_id": str(account_id)})
        assert added.status_code == 303 and added.headers["location"].endswith("done=role_added")
        assert ("account_member", account_id) in await read(running_app, tenant.id, roles_of(person.user_id))
        page = await admin.portal.get(added.headers["location"])
        assert "The role is added." in page.text and "Account member" in page.text
        # An account role needs its account: the message stands next to the field, the form keeps the choice.
        missing = await admin.portal.post(f"/portal/users/{person.user_id}/roles", {"role": "driver"})
        assert missing.status_code == 422 and 'id="e-account_id"' in missing.text
        assert "give account_id" in missing.text
        twice = await admin.portal.post(f"/portal/users/{person.user_id}/roles",
                                        {"role": "account_member", "account_id": str(account_id)})
        assert twice.status_code == 409 and "already has the role" in twice.text

        def membership(uow: UnitOfWork) -> uuid.UUID:
            found = uow.session.scalar(select(Membership.id).where(Membership.user_id == person.user_id,
                                                                   Membership.role == "account_member"))
            assert found is not None
            return found

        membership_id = await read(running_app, tenant.id, membership)
        removed = await admin.portal.post(f"/portal/users/{person.user_id}/roles/{membership_id}/remove")
        assert removed.status_code == 303
        assert await read(running_app, tenant.id, roles_of(person.user_id)) == [("driver", account_id)]
    finally:
        await person.api.aclose()


async def test_nobody_changes_their_own_roles_nor_removes_the_last_admin(running_app: RunningApp,
                                                                         tenant: TenantHandle,
                                                                         admin: PortalPerson) -> None:
    own = await admin.portal.get(f"/portal/users/{admin.user_id}")
    assert "You cannot change your own roles" in own.text and f'/portal/users/{admin.user_id}/roles"' not in own.text
    refused = await admin.portal.post(f"/portal/users/{admin.user_id}/roles", {"role": "customer_support"})
    assert refused.status_code == 403 and "you cannot change your own roles" in refused.text
    assert (await admin.portal.post(f"/portal/users/{admin.user_id}/status", {"status": "disabled"})).status_code == 403
    # A second tenant admin, disabled: the viewer is the only active one, and the domain keeps the
    # tenant's last admin role where it is, saying why.
    other = await make_user(running_app, tenant.id, roles=[(Role.TENANT_ADMIN, None)])
    await other.api.aclose()

    def disable_and_find(uow: UnitOfWork) -> uuid.UUID:
        user = uow.session.get(User, other.user_id)
        assert user is not None
        user.status = "disabled"
        found = uow.session.scalar(select(Membership.id).where(Membership.user_id == other.user_id))
        assert found is not None
        return found

    membership_id = await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), disable_and_find))
    kept = await admin.portal.post(f"/portal/users/{other.user_id}/roles/{membership_id}/remove")
    assert kept.status_code == 409 and "last tenant admin" in kept.text
    assert await read(running_app, tenant.id, roles_of(other.user_id)) == [("tenant_admin", None)]


async def test_a_user_is_disabled_and_enabled(running_app: RunningApp, tenant: TenantHandle,
                                              admin: PortalPerson) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    staff = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_MEMBER, account_id)])
    try:
        assert (await staff.portal.http.get("/portal/users")).status_code == 200
        disabled = await admin.portal.post(f"/portal/users/{staff.user_id}/status", {"status": "disabled"})
        assert disabled.status_code == 303
        assert await read(running_app, tenant.id, status_of(staff.user_id)) == "disabled"
        page = await admin.portal.get(disabled.headers["location"])
        assert "The user is disabled and logged out everywhere." in page.text and "Enable user" in page.text
        # Logged out: their next page sends them to the login.
        assert (await staff.portal.http.get("/portal/users")).status_code == 303
        enabled = await admin.portal.post(f"/portal/users/{staff.user_id}/status", {"status": "active"})
        assert enabled.status_code == 303
        assert await read(running_app, tenant.id, status_of(staff.user_id)) == "active"
        # The profile form: a bad mobile number is shown next to its field.
        bad = await admin.portal.post(f"/portal/users/{staff.user_id}", {"name": "Mari", "mobile": "call me",
                                                                        "language": "et", "time_zone": "UTC"})
        assert bad.status_code == 422 and 'id="e-mobile"' in bad.text and 'value="Mari"' in bad.text
        saved = await admin.portal.post(f"/portal/users/{staff.user_id}", {"name": "Mari Maasikas", "mobile": "",
                                                                          "language": "et",
                                                                          "time_zone": "Europe/Tallinn"})
        assert saved.status_code == 303
        shown = await admin.portal.get(f"/portal/users/{staff.user_id}")
        assert "Mari Maasikas" in shown.text and "Europe/Tallinn" in shown.text and "Eesti" in shown.text
    finally:
        await closing(staff)


async def test_an_account_admin_grants_only_account_roles_in_their_accounts(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    mine = await make_account(running_app, tenant.id, name="Mine")
    theirs = await make_account(running_app, tenant.id, name="Theirs")
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, mine)])
    person = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, mine)])
    stranger = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, theirs)])
    try:
        page = await owner.portal.get(f"/portal/users/{person.user_id}")
        assert page.status_code == 200
        assert 'value="account_admin"' in page.text and 'value="tenant_admin"' not in page.text
        assert "Theirs" not in page.text
        refused = await owner.portal.post(f"/portal/users/{person.user_id}/roles", {"role": "tenant_admin"})
        assert refused.status_code == 403 and "does not allow granting tenant_admin" in refused.text
        granted = await owner.portal.post(f"/portal/users/{person.user_id}/roles",
                                          {"role": "account_member", "account_id": str(mine)})
        assert granted.status_code == 303
        # Someone of another account is out of sight.
        assert (await owner.portal.get(f"/portal/users/{stranger.user_id}")).status_code == 404
        assert stranger.email not in (await owner.portal.get("/portal/users")).text
    finally:
        await closing(owner)
        await person.api.aclose()
        await stranger.api.aclose()


async def test_another_tenants_people_are_not_found_and_roles_need_permission(
        running_app: RunningApp, tenant: TenantHandle, other_tenant: TenantHandle, admin: PortalPerson) -> None:
    elsewhere = await make_user(running_app, other_tenant.id, roles=[(Role.TENANT_ADMIN, None)])
    support = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.CUSTOMER_SUPPORT, None)])
    account_id = await make_account(running_app, tenant.id)
    person = await make_user(running_app, tenant.id, roles=[(Role.DRIVER, account_id)])
    try:
        assert (await admin.portal.get(f"/portal/users/{elsewhere.user_id}")).status_code == 404
        grabbed = await admin.portal.post(f"/portal/users/{elsewhere.user_id}/roles",
                                          {"role": "driver", "account_id": str(account_id)})
        assert grabbed.status_code == 404
        disabled = await admin.portal.post(f"/portal/users/{elsewhere.user_id}/status", {"status": "disabled"})
        assert disabled.status_code == 404
        assert await read(running_app, other_tenant.id, status_of(elsewhere.user_id)) == "active"
        # Support reads people but does not hand out roles.
        assert (await support.portal.get(f"/portal/users/{person.user_id}")).status_code == 200
        denied = await support.portal.post(f"/portal/users/{person.user_id}/roles",
                                           {"role": "account_member", "account_id": str(account_id)})
        assert denied.status_code == 403
        assert await read(running_app, tenant.id, roles_of(person.user_id)) == [("driver", account_id)]
    finally:
        await elsewhere.api.aclose()
        await person.api.aclose()
        await closing(support)


# --- invitations ------------------------------------------------------------------------------------------


def invitation_of(email: str) -> Callable[[UnitOfWork], dict[str, Any]]:
    def unit(uow: UnitOfWork) -> dict[str, Any]:
        row = uow.session.scalar(select(Invitation).where(Invitation.email == email))
        assert row is not None
        return {"id": row.id, "status": row.status, "sent_count": row.sent_count, "role": row.role,
                "account_id": row.account_id, "kind": row.kind}

    return unit


async def test_an_invitation_is_sent_resent_and_withdrawn(running_app: RunningApp, tenant: TenantHandle,
                                                          admin: PortalPerson, smtp: SmtpServer) -> None:
    account_id = await make_account(running_app, tenant.id, name="Harbour Housing")
    email = f"inv-{uuid.uuid4().hex[:8]}@example.test"
    form = await admin.portal.get("/portal/invitations/new")
    assert form.status_code == 200 and "Harbour Housing" in form.text and 'value="customer"' not in form.text
    sent = await admin.portal.post("/portal/invitations/new", {
        "kind": "member", "email": email, "name": "Ivo", "language": "et", "role": "account_member",
        "account_id": str(account_id)})
    assert sent.status_code == 303, sent.text
    first = await emailed_token(smtp, email)
    created = await read(running_app, tenant.id, invitation_of(email))
    assert (created["kind"], created["role"], created["account_id"]) == ("member", "account_member", account_id)
    listed = await admin.portal.get(sent.headers["location"])
    assert "The invitation is sent." in listed.text and email in listed.text and "Harbour Housing" in listed.text
    assert admin.email in listed.text  # sent by
    resent = await admin.portal.post(f"/portal/invitations/{created['id']}/resend")
    assert resent.status_code == 303
    second = await emailed_token(smtp, email, count=2)
    assert second != first
    async with anonymous(running_app) as public:
        assert (await preview(public, first)).status_code == 404
        assert (await preview(public, second)).status_code == 200
    # With htmx the row comes back in place, saying what happened.
    revoked = await admin.portal.post(f"/portal/invitations/{created['id']}/revoke", htmx=True)
    assert revoked.status_code == 200 and revoked.text.lstrip().startswith("<tr")
    assert "Revoked" in revoked.text and "no longer works" in revoked.text
    assert (await read(running_app, tenant.id, invitation_of(email)))["status"] == "revoked"
    async with anonymous(running_app) as public:
        assert (await preview(public, second)).status_code == 410
    again = await admin.portal.post(f"/portal/invitations/{created['id']}/revoke")
    assert again.status_code == 409
    only_revoked = await admin.portal.get("/portal/invitations", params={"status": "revoked"})
    assert email in only_revoked.text
    assert email not in (await admin.portal.get("/portal/invitations", params={"status": "pending"})).text


async def test_an_invitation_form_shows_its_mistakes(running_app: RunningApp, tenant: TenantHandle,
                                                     admin: PortalPerson) -> None:
    nobody = await admin.portal.post("/portal/invitations/new", {"kind": "member", "role": "driver"})
    assert nobody.status_code == 422 and 'id="e-email"' in nobody.text
    customer = await admin.portal.post("/portal/invitations/new", {
        "kind": "customer", "email": "boss@acme.example", "account_name": "Acme", "account_kind": "business"})
    assert customer.status_code == 422 and 'id="e-legal_name"' in customer.text
    assert 'value="Acme"' in customer.text and 'value="boss@acme.example"' in customer.text


async def test_a_tenant_admins_invitation_asks_for_the_account_its_role_needs(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson, smtp: SmtpServer) -> None:
    harbour = await make_account(running_app, tenant.id, name="Harbour Housing")
    await make_account(running_app, tenant.id, name="Mill Street Garages")
    form = await admin.portal.get("/portal/invitations/new")
    # The roles a tenant admin may give, driver chosen; the account asked for (two to choose from).
    assert '<option value="driver" selected>' in form.text and '<option value="tenant_admin"' in form.text
    assert '<option value="">Choose an account</option>' in form.text
    assert re.search(r'<select id="f-account_id" name="account_id" required', form.text)
    defaults = defaults_of(form.text, "/portal/invitations/new")
    assert (defaults["kind"], defaults["role"], defaults["account_id"]) == ("member", "driver", "")

    # Sent as it opens, with no account: the account field says what to do, in the viewer's words.
    email = f"inv-{uuid.uuid4().hex[:8]}@example.test"
    refused = await admin.portal.post("/portal/invitations/new", defaults | {"email": email})
    assert refused.status_code == 422
    assert 'aria-invalid="true" aria-describedby="e-account_id"' in refused.text
    assert ('<small id="e-account_id" class="field-error">Choose the account the person joins: this role '
            'belongs to an account.</small>') in refused.text
    await admin.portal.post("/language", {"language": "et", "next": "/portal/invitations/new"})
    in_estonian = await admin.portal.post("/portal/invitations/new", defaults | {"email": email})
    assert "Vali konto, millega inimene liitub: see roll kuulub kontole." in in_estonian.text
    await admin.portal.post("/language", {"language": "en", "next": "/portal/invitations/new"})

    # With an account: the defaults are a valid invitation.
    sent = await admin.portal.post("/portal/invitations/new", defaults | {"email": email,
                                                                          "account_id": str(harbour)})
    assert sent.status_code == 303, sent.text
    created = await read(running_app, tenant.id, invitation_of(email))
    assert (created["kind"], created["role"], created["account_id"]) == ("member", "driver", harbour)
    assert await emailed_token(smtp, email)


async def test_the_account_part_follows_the_role(running_app: RunningApp, tenant: TenantHandle,
                                                 admin: PortalPerson) -> None:
    only = await make_account(running_app, tenant.id, name="The Only Account")
    # The only account there is comes chosen; a tenant role leaves the account out (what htmx swaps in).
    form = await admin.portal.get("/portal/invitations/new")
    assert f'<option value="{only}" selected>' in form.text and "Choose an account" not in form.text
    staff = await admin.portal.get("/portal/invitations/new", params={"kind": "member", "role": "customer_support"},
                                   headers={"HX-Request": "true"})
    assert 'name="account_id"' not in staff.text.split('id="invitation-account"')[1].split("</div>")[0]
    assert "This role is for the whole platform: the person joins no account." in staff.text
    assert '<option value="customer_support" selected>' in staff.text
    # Without JavaScript the account chosen before the role changed is refused, at the account part.
    email = f"staff-{uuid.uuid4().hex[:8]}@example.test"
    refused = await admin.portal.post("/portal/invitations/new", {"kind": "member", "email": email,
                                                                   "role": "customer_support",
                                                                   "account_id": str(only)})
    assert refused.status_code == 422
    assert ('<p id="e-account_id" class="field-error" role="alert">This role is for the whole platform, not for '
            'one account.') in refused.text
    sent = await admin.portal.post("/portal/invitations/new", {"kind": "member", "email": email,
                                                                "role": "customer_support"})
    assert sent.status_code == 303, sent.text
    assert (await read(running_app, tenant.id, invitation_of(email)))["account_id"] is None


async def test_a_word_of_two_meanings_is_translated_by_its_meaning(admin: PortalPerson) -> None:
    # Lithuanian words an accepted invitation (masculine) unlike an accepted charger, and a person's name
    # unlike a thing's: each meaning is a msgid of its own (msgctxt).
    await admin.portal.post("/language", {"language": "lt", "next": "/portal/invitations"})
    listed = (await admin.portal.get("/portal/invitations")).text
    assert '<option value="accepted" >Priimtas</option>' in listed
    assert '<th scope="col">Vardas</th>' in (await admin.portal.get("/portal/users")).text
    assert '<label for="f-name">Pavadinimas' in (await admin.portal.get("/portal/sites/new")).text
    await admin.portal.post("/language", {"language": "en", "next": "/portal/invitations"})


async def test_invitations_wait_for_the_terms_links(running_app: RunningApp, other_tenant: TenantHandle) -> None:
    admin = await portal_user(running_app, other_tenant.id, other_tenant.slug, roles=[(Role.TENANT_ADMIN, None)])
    try:
        listed = await admin.portal.get("/portal/invitations")
        assert "Nobody can be invited yet." in listed.text and 'href="/portal/settings#links"' in listed.text
        refused = await admin.portal.post("/portal/invitations/new", {
            "kind": "customer", "email": "new@example.test", "account_name": "New one"})
        assert refused.status_code == 409
        assert "Nobody can be invited yet." in refused.text and "terms of use and privacy policy" in refused.text
        assert 'href="/portal/settings#links"' in refused.text
    finally:
        await closing(admin)


async def test_an_owner_invites_a_driver_who_then_sees_the_owners_charger(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson, smtp: SmtpServer) -> None:
    home = await make_account(running_app, tenant.id, name="Home of Kadri", kind="consumer")
    charger = await register_charger(tenant.api, account_id=str(home))
    owner = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_ADMIN, home)])
    try:
        form = await owner.portal.get("/portal/invitations/new")
        # The form starts as a member invitation into the owner's account, with the driver role.
        assert 'name="kind" value="member"' in form.text
        assert f'<option value="{home}" selected>' in form.text
        assert '<option value="driver" selected>' in form.text
        email = f"family-{uuid.uuid4().hex[:8]}@example.test"
        sent = await owner.portal.post("/portal/invitations/new", {"kind": "member", "email": email,
                                                                   "account_id": str(home), "role": "driver"})
        assert sent.status_code == 303, sent.text
        token = await emailed_token(smtp, email)
        async with anonymous(running_app) as public:
            accepted = await accept(public, token, name="Family")
            assert accepted.status_code == 200, accepted.text
        invitee = await log_in(running_app, tenant.slug, email)
        async with invitee:
            seen = (await invitee.get("/api/v1/me/charge-points")).json()
        assert [cp["id"] for cp in seen["items"]] == [charger["id"]]
        # And they are in the owner's list of people.
        assert email in (await owner.portal.get("/portal/users")).text
    finally:
        await closing(owner)


async def test_invitations_need_the_permission_and_stay_in_their_tenant(
        running_app: RunningApp, tenant: TenantHandle, other_tenant: TenantHandle, admin: PortalPerson) -> None:
    account_id = await make_account(running_app, tenant.id)
    member = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.ACCOUNT_MEMBER, account_id)])
    sent = await admin.person.api.post("/api/v1/invitations", json={
        "kind": "member", "email": "someone@example.test", "role": "driver", "account_id": str(account_id)})
    assert sent.status_code == 201
    stranger = await portal_user(running_app, other_tenant.id, other_tenant.slug, roles=[(Role.TENANT_ADMIN, None)])
    try:
        assert (await member.portal.get("/portal/invitations")).status_code == 403
        assert (await member.portal.post("/portal/invitations/new", {"kind": "member"})).status_code == 403
        revoke = await stranger.portal.post(f"/portal/invitations/{sent.json()['id']}/revoke")
        assert revoke.status_code == 404
        assert (await read(running_app, tenant.id, invitation_of("someone@example.test")))["status"] == "pending"
    finally:
        await closing(member, stranger)
