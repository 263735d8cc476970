"""Signing up, verifying an email, resetting a password and accepting an invitation, as whole
flows: lookups, Argon2 off the loop, throttles and the writes. The API's routes and the portal's
pages both call these, so the two never differ in what they do."""

from __future__ import annotations

import uuid

from chargeplane.api.deps import Services
from chargeplane.api.routers.auth_support import AuthState, off_loop
from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.identity import invitation_acceptance as acceptance
from chargeplane.domain.identity import signup
from chargeplane.domain.identity.auth_schemas import EmailVerified, SignUp
from chargeplane.domain.identity.invitation_schemas import InvitationAccept, InvitationAccepted, InvitationPreview
from chargeplane.domain.identity.onetime import RESET_PASSWORD, VERIFY_EMAIL, link_owner
from chargeplane.domain.identity.passwords import check_password_policy, complete_password_reset, request_password_reset
from chargeplane.domain.identity.principal import Principal

INVITATION_LOOKUP = Scope.installation("invitation link: the token names its tenant")


async def sign_up(services: Services, state: AuthState, *, tenant_id: uuid.UUID, form: SignUp,
                  source_address: str | None) -> None:
    """Create a pending user and mail the verification link (silently nothing for a known address)."""
    now = services.clock.now()
    scope = Scope.tenant(tenant_id)
    checked = await services.db.read(scope, lambda uow: signup.check_sign_up(
        uow, email=form.email, password=form.password, accept_terms=form.accept_terms, name=form.name,
        language=form.language, time_zone=form.time_zone, mobile=form.mobile))
    password_hash = await off_loop(state, services.hashing.hash, form.password)
    may_send = state.throttle.may_mail(tenant_id=tenant_id, email=checked.email, now=now)
    await services.db.write(scope, lambda uow: signup.sign_up(
        uow, form=checked, password_hash=password_hash, hashing=services.hashing, now=now,
        source_address=source_address, base_url=services.settings.base_url, may_send=may_send))


async def verification_tenant(services: Services, *, token: str) -> uuid.UUID:
    """The tenant of a live email verification link (NotFound/Gone otherwise)."""
    now = services.clock.now()
    owner = await services.db.read(Scope.installation("an email verification link names its tenant"),
                                   lambda uow: link_owner(uow, secret=token, purpose=VERIFY_EMAIL, now=now))
    return owner.tenant_id


async def verify_email(services: Services, *, token: str) -> tuple[uuid.UUID, EmailVerified]:
    """Spend a verification link: the user becomes active. Answers the tenant and the result."""
    now = services.clock.now()
    owner = await services.db.read(Scope.installation("an email verification link names its tenant"),
                                   lambda uow: link_owner(uow, secret=token, purpose=VERIFY_EMAIL, now=now))

    def unit(uow: UnitOfWork) -> EmailVerified:
        user = signup.verify_email(uow, secret=token, now=now)
        return EmailVerified(email=user.email, status=user.status)

    return owner.tenant_id, await services.db.write(Scope.tenant(owner.tenant_id), unit)


async def request_reset(services: Services, state: AuthState, *, tenant_id: uuid.UUID, email: str) -> None:
    now = services.clock.now()
    if state.throttle.may_mail(tenant_id=tenant_id, email=email, now=now):
        await services.db.write(Scope.tenant(tenant_id), lambda uow: request_password_reset(
            uow, email=email, now=now, base_url=services.settings.base_url))


async def reset_link_tenant(services: Services, *, token: str) -> uuid.UUID:
    """The tenant of a live password reset link (NotFound/Gone otherwise)."""
    now = services.clock.now()
    owner = await services.db.read(Scope.installation("a password reset link names its tenant"),
                                   lambda uow: link_owner(uow, secret=token, purpose=RESET_PASSWORD, now=now))
    return owner.tenant_id


async def complete_reset(services: Services, state: AuthState, *, token: str, password: str,
                         source_address: str | None) -> uuid.UUID:
    """Set a new password from a reset link: the link is spent and every session of the user ends."""
    now = services.clock.now()
    owner = await services.db.read(Scope.installation("a password reset link names its tenant"),
                                   lambda uow: link_owner(uow, secret=token, purpose=RESET_PASSWORD, now=now))
    check_password_policy(password, email=owner.email)
    new_hash = await off_loop(state, services.hashing.hash, password)
    await services.db.write(Scope.tenant(owner.tenant_id), lambda uow: complete_password_reset(
        uow, secret=token, new_hash=new_hash, now=now, source_address=source_address))
    return owner.tenant_id


async def invitation_tenant(services: Services, *, token: str) -> uuid.UUID:
    now = services.clock.now()
    return await services.db.read(INVITATION_LOOKUP,
                                  lambda uow: acceptance.locate_invitation(uow, token=token, now=now))


async def preview_invitation(services: Services, *, token: str) -> InvitationPreview:
    now = services.clock.now()
    tenant_id = await invitation_tenant(services, token=token)
    return await services.db.read(
        Scope.tenant(tenant_id), lambda uow: acceptance.preview_invitation(uow, token=token, now=now))


async def accept_invitation(services: Services, state: AuthState, *, body: InvitationAccept,
                            caller: Principal | None, source_address: str | None) -> InvitationAccepted:
    now = services.clock.now()
    tenant_id = await invitation_tenant(services, token=body.token)
    scope = Scope.tenant(tenant_id)
    invitee = await services.db.read(scope, lambda uow: acceptance.invitee_of(uow, token=body.token, now=now))
    password_hash = None
    if invitee.needs_password and body.password is not None:
        check_password_policy(body.password, email=invitee.email)
        password_hash = await off_loop(state, services.hashing.hash, body.password)
    if caller is not None and caller.tenant_id != tenant_id:
        caller = None  # logged in elsewhere: not a user of this tenant

    def unit(uow: UnitOfWork) -> InvitationAccepted:
        return acceptance.accept_invitation(
            uow, token=body.token, accept_terms=body.accept_terms, caller=caller, password_hash=password_hash,
            name=body.name, language=body.language, time_zone=body.time_zone, hashing=services.hashing, now=now,
            source_address=source_address)

    return await services.db.write(scope, unit)
