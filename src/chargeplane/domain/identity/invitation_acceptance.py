"""Accepting an invitation: the public side, reached with the link's token alone.

- An unknown token (never issued, or replaced by a resend) is not found; an accepted, withdrawn or
  expired one is gone.
- The invitee is a new person: they choose a password (and a name) and accept the tenant's terms;
  a user is created, active, with the email proven by the link.
- The address belongs to a user already: they accept while logged in as that user (a portal session
  or an app token), so a link alone never acts for an existing account. A user still pending (signed
  up, never verified) is the exception: the link proves the inbox, as the verification link would,
  so they are treated as new and their sign-up details are replaced.
- The account is created (customer, sub-account), the role given, and the invitation spent, in one
  unit of work: all of it happens, or none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from chargeplane.db import UnitOfWork
from chargeplane.domain.assets.credentials import PasswordHashing
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Unauthenticated
from chargeplane.domain.identity.contact import check_language, check_time_zone
from chargeplane.domain.identity.invitation_schemas import InvitationAccepted, InvitationPreview, TenantFace
from chargeplane.domain.identity.invitations import (
    TOKEN_PREFIX,
    account_label,
    check_authority,
    details_of,
    find_invitee,
    inviter_label,
    tenant_name,
)
from chargeplane.domain.identity.logins import principal_for_user
from chargeplane.domain.identity.memberships import add_membership
from chargeplane.domain.identity.models import Invitation, User
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.identity.signup import create_user, record_terms_acceptance
from chargeplane.domain.secrets import digest
from chargeplane.domain.tenancy.accounts import create_account
from chargeplane.domain.tenancy.models import ApiKey, Tenant
from chargeplane.domain.tenancy.service import get_tenant, require_terms


class InvitationGone(Gone):
    """The invitation existed but can no longer be used (HTTP 410)."""


def _not_found() -> NotFound:
    return NotFound("this invitation link is not valid: check that it was copied whole, or use the newest "
                    "message if the invitation was sent again", field="token")


def _check_live(status: str, expires_at: datetime, now: datetime) -> None:
    if status == "accepted":
        raise InvitationGone("this invitation was accepted already; log in instead")
    if status == "revoked":
        raise InvitationGone("this invitation was withdrawn")
    if expires_at <= now:
        raise InvitationGone("this invitation has expired: ask whoever invited you to send it again")


def _hash_of(token: str) -> str | None:
    return digest(token) if token.startswith(f"{TOKEN_PREFIX}_") else None


def locate_invitation(uow: UnitOfWork, *, token: str, now: datetime) -> uuid.UUID:
    """The tenant of a live invitation. Runs with an installation scope: the token alone says which."""
    token_hash = _hash_of(token)
    row = None if token_hash is None else uow.session.execute(
        select(Invitation.tenant_id, Invitation.status, Invitation.expires_at)
        .where(Invitation.token_hash == token_hash)).first()
    if row is None:
        raise _not_found()
    _check_live(row.status, row.expires_at, now)
    tenant_id: uuid.UUID = row.tenant_id
    return tenant_id


def _live(uow: UnitOfWork, token: str, now: datetime) -> Invitation:
    token_hash = _hash_of(token)
    invitation = None if token_hash is None else uow.session.scalar(
        select(Invitation).where(Invitation.token_hash == token_hash))
    if invitation is None:
        raise _not_found()
    _check_live(invitation.status, invitation.expires_at, now)
    return invitation


def preview_invitation(uow: UnitOfWork, *, token: str, now: datetime) -> InvitationPreview:
    invitation = _live(uow, token, now)
    tenant = get_tenant(uow)
    invitee = find_invitee(uow, email=invitation.email, mobile=invitation.mobile)
    face = TenantFace(name=tenant_name(tenant), logo_url=tenant.logo_url, primary_color=tenant.primary_color,
                      accent_color=tenant.accent_color, languages=list(tenant.languages),
                      default_language=tenant.default_language, terms_url=tenant.terms_url,
                      privacy_url=tenant.privacy_url, terms_version=tenant.terms_version,
                      support_email=tenant.support_email, support_url=tenant.support_url)
    return InvitationPreview(
        kind=invitation.kind, tenant=face, account_name=account_label(uow, invitation),
        inviter=inviter_label(uow, invitation, tenant),
        role=Role(invitation.role), email=invitation.email, mobile=invitation.mobile, name=invitation.name,
        language=invitation.language, expires_at=invitation.expires_at,
        existing_user=invitee is not None and invitee.status != "pending")


@dataclass(frozen=True, slots=True)
class Invitee:
    email: str | None
    needs_password: bool  # a new (or still pending) user sets one; an existing user logs in instead


def invitee_of(uow: UnitOfWork, *, token: str, now: datetime) -> Invitee:
    """What the entry point must prepare before accepting: whether to hash a new password."""
    invitation = _live(uow, token, now)
    invitee = find_invitee(uow, email=invitation.email, mobile=invitation.mobile)
    return Invitee(invitation.email, invitee is None or invitee.status == "pending")


def _inviter(uow: UnitOfWork, invitation: Invitation) -> Principal:
    """The inviter as they are now: a person still active, or an API key not revoked."""
    if invitation.invited_by_user_id is not None:
        user = uow.session.scalar(select(User).where(User.id == invitation.invited_by_user_id))
        if user is not None and user.status == "active":
            return principal_for_user(uow, user)
    elif invitation.invited_by_key_id is not None:
        key = uow.session.scalar(select(ApiKey).where(ApiKey.id == invitation.invited_by_key_id))
        if key is not None and key.revoked_at is None:
            return Principal(tenant_id=key.tenant_id, kind="api_key", id=key.id, label=key.name,
                             memberships=((Role(key.role), key.account_id),))
    raise Conflict("whoever sent this invitation can no longer invite: ask for a new invitation")


def _still_authorised(uow: UnitOfWork, invitation: Invitation, inviter: Principal, invitee: User | None) -> None:
    try:
        check_authority(uow, inviter, kind=invitation.kind, account_id=invitation.account_id,
                        role=Role(invitation.role), invitee_id=invitee.id if invitee else None)
    except Forbidden:
        raise Conflict("whoever sent this invitation may no longer give this access: ask for a new invitation") \
            from None


def _existing(invitee: User, caller: Principal | None) -> User:
    if invitee.status == "disabled":
        raise Conflict("the user of this address is disabled; contact support")
    if caller is None or caller.kind != "user":
        raise Unauthenticated("%(contact)s has an account already: log in as that user, then accept the invitation",
                              contact=invitee.email or invitee.mobile)
    if caller.id != invitee.id:
        raise Forbidden("this invitation is for another user: log out, and log in as the user it was sent to")
    return invitee


def _mobile_free(uow: UnitOfWork, mobile: str | None) -> str | None:
    """A new user keeps the invited mobile number unless someone else holds it already."""
    if mobile is None or uow.session.scalar(select(User.id).where(User.mobile == mobile)) is not None:
        return None
    return mobile


def accept_invitation(uow: UnitOfWork, *, token: str, accept_terms: bool, caller: Principal | None,
                      password_hash: str | None, name: str | None, language: str | None, time_zone: str | None,
                      hashing: PasswordHashing, now: datetime, source_address: str | None) -> InvitationAccepted:
    """Carry out an invitation (see the module's note). `password_hash` is made by the entry point,
    off the event loop, when `invitee_of` says a password is needed."""
    invitation = _live(uow, token, now)
    tenant = get_tenant(uow)
    require_terms(tenant)
    if accept_terms is not True:
        raise Invalid("accepting the invitation needs acceptance of the terms of use and the privacy policy",
                      field="accept_terms")
    inviter = _inviter(uow, invitation)
    invitee = find_invitee(uow, email=invitation.email, mobile=invitation.mobile)
    _still_authorised(uow, invitation, inviter, invitee)
    created = invitee is None or invitee.status == "pending"
    if not created:
        assert invitee is not None
        user = _existing(invitee, caller)
    elif password_hash is None:
        raise Invalid("choose a password for your new account", field="password")
    elif invitee is None:
        user = create_user(uow, email=invitation.email, mobile=_mobile_free(uow, invitation.mobile),
                           name=name or invitation.name, password=None, password_hash=password_hash,
                           language=language or invitation.language, time_zone=time_zone, hashing=hashing,
                           now=now, status="active", email_verified=invitation.email is not None)
    else:
        user = _activate_pending(invitee, tenant, name=name or invitation.name or invitee.name,
                                 language=language or invitation.language, time_zone=time_zone,
                                 password_hash=password_hash, now=now)
    if invitation.email is not None and user.email_verified_at is None:
        user.email_verified_at = now  # the link reached this inbox
    record_terms_acceptance(uow, user=user, tenant=tenant, now=now, source_address=source_address)
    account_id = _create_account(uow, invitation, now=now) if invitation.kind != "member" else invitation.account_id
    add_membership(uow, user_id=user.id, role=Role(invitation.role), account_id=account_id,
                   granted_by=inviter if invitation.kind == "member" else None, now=now)
    _spend(uow, invitation, user_id=user.id, account_id=account_id, now=now)
    record(uow, actor=principal_for_user(uow, user, source_address=source_address), action="invitation.accept",
           object_type="invitation", object_id=invitation.id, at=now, account_id=account_id,
           after={"user_id": user.id, "created_user": created, "role": invitation.role, "account_id": account_id})
    return InvitationAccepted(invitation_id=invitation.id, user_id=user.id, created_user=created,
                              account_id=account_id, role=Role(invitation.role))


def _activate_pending(user: User, tenant: Tenant, *, name: str | None, language: str, time_zone: str | None,
                      password_hash: str, now: datetime) -> User:
    """A signed-up user who never verified: whoever holds the invited inbox decides, as in sign-up."""
    user.name = (name or "").strip() or None
    user.language = check_language(tenant, language)
    user.time_zone = check_time_zone(time_zone or user.time_zone or tenant.time_zone)
    user.password_hash = password_hash
    user.status = "active"
    user.sessions_valid_after = now  # whatever the earlier sign-up started does not survive
    return user


def _create_account(uow: UnitOfWork, invitation: Invitation, *, now: datetime) -> uuid.UUID:
    assert invitation.account_name is not None and invitation.account_kind is not None
    details: dict[str, Any] = details_of(invitation)
    account = create_account(uow, name=invitation.account_name, kind=invitation.account_kind,
                             parent_id=invitation.account_id, relation=invitation.account_relation, **details)
    record(uow, actor=None, actor_type="system", actor_label=f"invitation {invitation.id}", action="account.create",
           object_type="account", object_id=account.id, at=now, account_id=account.id,
           after={"name": account.name, "kind": account.kind, "parent_id": account.parent_id,
                  "relation": account.relation, **details})
    return account.id


def _spend(uow: UnitOfWork, invitation: Invitation, *, user_id: uuid.UUID, account_id: uuid.UUID | None,
           now: datetime) -> None:
    """Single use even when the link is presented twice at once: only one conditional update wins."""
    spent = uow.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.status == "pending")
        .values(status="accepted", accepted_at=now, accepted_user_id=user_id,
                created_account_id=account_id if invitation.kind != "member" else None)
        .execution_options(synchronize_session="fetch"))
    if cast("CursorResult[Any]", spent).rowcount != 1:
        raise InvitationGone("this invitation was accepted already; log in instead")
