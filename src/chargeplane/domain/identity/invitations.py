"""Invitations: a single-use, 24-hour link by email (or SMS) that creates a customer account, adds a
person to an account, or creates a sub-account, once the invitee accepts.

Who may invite whom:
- `customer`: tenant staff (tenant admin, customer support); the invitee will own a new account.
- `member`: whoever may hand out the role in that account (an account admin in the accounts it
  administers, a tenant admin anywhere; tenant roles only by a tenant admin, with no account).
- `sub_account`: whoever may create accounts under the parent (its admins, tenant admins).

The same rules are checked again when the invitation is accepted, against the inviter as they are
then: a link outlives nobody's authority. Accepting is in `invitation_acceptance.py`.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from chargeplane.db import UnitOfWork
from chargeplane.domain.audit.service import record
from chargeplane.domain.errors import Conflict, Forbidden, Invalid, NotFound
from chargeplane.domain.identity.contact import check_language, normalize_email, normalize_mobile
from chargeplane.domain.identity.invitation_schemas import AccountDraft, InvitationCreate, InvitationRead
from chargeplane.domain.identity.memberships import check_may_assign, check_role_shape
from chargeplane.domain.identity.models import Invitation, Membership, User
from chargeplane.domain.identity.passwords import find_user_by_email
from chargeplane.domain.identity.permissions import ACCOUNT_ROLES, Action, Resource, Role
from chargeplane.domain.identity.principal import Principal
from chargeplane.domain.keyset import newest_first
from chargeplane.domain.messaging.outbox import queue_message
from chargeplane.domain.secrets import digest, new_secret
from chargeplane.domain.tenancy.accounts import apply_settings, get_account
from chargeplane.domain.tenancy.models import Account, Tenant
from chargeplane.domain.tenancy.service import get_tenant, require_terms
from chargeplane.domain.tenancy.tree import subtree

LIFETIME = timedelta(hours=24)
TOKEN_PREFIX = "cpi"
ACCEPT_PATH = "/invitations/accept"
# The draft's settings kept for activation (name, kind and relation have their own columns).
DETAILS = ("legal_name", "registration_number", "vat_number", "billing_address", "email",
           "reimbursement_rate", "reimbursement_currency", "payee_iban")


def tenant_name(tenant: Tenant) -> str:
    return tenant.display_name or tenant.name


def status_of(invitation: Invitation, now: datetime) -> str:
    if invitation.status == "pending" and invitation.expires_at <= now:
        return "expired"
    return invitation.status


def to_read(invitation: Invitation, now: datetime) -> InvitationRead:
    return InvitationRead(
        id=invitation.id, kind=invitation.kind, status=status_of(invitation, now),
        email=invitation.email, mobile=invitation.mobile, name=invitation.name, language=invitation.language,
        role=Role(invitation.role), account_id=invitation.account_id, account_name=invitation.account_name,
        account_kind=invitation.account_kind, account_relation=invitation.account_relation,
        created_at=invitation.created_at, expires_at=invitation.expires_at, sent_count=invitation.sent_count,
        last_sent_at=invitation.last_sent_at, accepted_at=invitation.accepted_at,
        accepted_user_id=invitation.accepted_user_id, created_account_id=invitation.created_account_id,
        invited_by_user_id=invitation.invited_by_user_id, invited_by_key_id=invitation.invited_by_key_id)


# -- who may ------------------------------------------------------------------------------------

def require_admin_of(uow: UnitOfWork, principal: Principal, account_id: uuid.UUID | None) -> None:
    """Tenant staff manage everything; an account admin the accounts it administers and their subtree."""
    if principal.tenant_wide:
        return
    if account_id is None or account_id not in subtree(uow, principal.accounts_with(Role.ACCOUNT_ADMIN)):
        raise Forbidden("you may manage invitations only of the accounts you administer")


def check_authority(uow: UnitOfWork, principal: Principal, *, kind: str, account_id: uuid.UUID | None,
                    role: Role, invitee_id: uuid.UUID | None) -> None:
    """Whether `principal` may send (or still stands behind) an invitation of this kind."""
    principal.require(Resource.INVITATION, Action.CREATE)
    if kind == "customer":
        if not principal.tenant_wide:
            raise Forbidden("only tenant staff invite new customers")
    elif kind == "sub_account":
        principal.require(Resource.ACCOUNT, Action.CREATE)
        require_admin_of(uow, principal, account_id)
    else:
        # Nobody is invited into roles they hold already: a new invitee gets an id no user has.
        check_may_assign(uow, principal, role=role, account_id=account_id, user_id=invitee_id or uuid.uuid4())


# -- creating -----------------------------------------------------------------------------------

def _contact(data: InvitationCreate) -> tuple[str | None, str | None]:
    email = normalize_email(data.email) if data.email else None
    mobile = normalize_mobile(data.mobile) if data.mobile else None
    if email is None and mobile is None:
        raise Invalid("an invitation goes to an email address or, by SMS, to a mobile number", field="email")
    return email, mobile


def find_invitee(uow: UnitOfWork, *, email: str | None, mobile: str | None) -> User | None:
    """The user an invitation is for, if the address is known already (the email decides when both are)."""
    if email is not None:
        return find_user_by_email(uow, email)
    return uow.session.scalar(select(User).where(User.mobile == mobile))


def _draft_account(draft: AccountDraft | None, *, kind: str, parent_id: uuid.UUID | None) -> Account:
    """The account to create on activation, checked now by the accounts' own rules (never saved here)."""
    if draft is None:
        raise Invalid("a %(kind)s invitation describes the account to create", field="account",
                      kind=kind.replace("_", "-"))
    account_kind = draft.kind
    if kind == "sub_account":
        if draft.relation is None:
            raise Invalid("a sub-account is an employee or a subsidiary of its parent", field="account.relation")
        account_kind = account_kind or ("consumer" if draft.relation == "employee" else "business")
        if account_kind not in ("business", "consumer"):
            raise Invalid("a sub-account is a business or a consumer account", field="account.kind")
    account = Account(parent_id=parent_id)
    values = draft.model_dump(exclude={"kind"})
    apply_settings(account, {**values, "kind": account_kind or "standard"})
    return account


def _details(account: Account) -> str:
    return json.dumps({name: None if (v := getattr(account, name)) is None else str(v) for name in DETAILS})


def details_of(invitation: Invitation) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(invitation.account_details) if invitation.account_details else {}
    return loaded


def _target(uow: UnitOfWork, data: InvitationCreate, principal: Principal) -> tuple[uuid.UUID | None, Role]:
    """The account the invitation belongs to (None for a customer or tenant staff) and the role given."""
    if data.kind == "customer":
        if data.account_id is not None:
            raise Invalid("a customer invitation creates its account: give no account_id", field="account_id")
        if data.role not in (None, Role.ACCOUNT_ADMIN):
            raise Invalid("the invitee of a new customer becomes its account admin", field="role")
        return None, Role.ACCOUNT_ADMIN
    if data.kind == "sub_account":
        if data.role not in (None, Role.ACCOUNT_ADMIN):
            raise Invalid("the invitee of a new sub-account becomes its account admin", field="role")
        parent = data.account_id
        if parent is None:
            administered = principal.accounts_with(Role.ACCOUNT_ADMIN)
            if principal.tenant_wide or len(administered) != 1:
                raise Invalid("give account_id: the account to nest the sub-account under", field="account_id")
            parent = next(iter(administered))
        get_account(uow, parent, field="account_id")
        return parent, Role.ACCOUNT_ADMIN
    if data.account is not None:
        raise Invalid("a member invitation joins an existing account: give account_id, not account", field="account")
    if data.role is None:
        raise Invalid("give the role the invitee gets: %(allowed)s", field="role",
                      allowed=", ".join(sorted(ACCOUNT_ROLES)))
    check_role_shape(data.role, data.account_id)
    if data.account_id is not None:
        get_account(uow, data.account_id, field="account_id")
    return data.account_id, data.role


def create_invitation(uow: UnitOfWork, *, data: InvitationCreate, inviter: Principal, now: datetime,
                      base_url: str) -> Invitation:
    tenant = get_tenant(uow)
    require_terms(tenant)
    email, mobile = _contact(data)
    language = check_language(tenant, data.language or tenant.default_language)
    account_id, role = _target(uow, data, inviter)
    invitee = find_invitee(uow, email=email, mobile=mobile)
    check_authority(uow, inviter, kind=data.kind, account_id=account_id, role=role,
                    invitee_id=invitee.id if invitee else None)
    if data.kind == "member" and invitee is not None and _holds(uow, invitee.id, role, account_id):
        raise Conflict("%(contact)s already has the role %(role)s there", field="role", contact=email or mobile,
                       role=role.value)
    draft = None if data.kind == "member" else _draft_account(data.account, kind=data.kind, parent_id=account_id)
    invitation = Invitation(
        kind=data.kind, email=email, mobile=mobile, name=(data.name or "").strip() or None, language=language,
        role=role.value, account_id=account_id, token_hash="", created_at=now, expires_at=now + LIFETIME,
        sent_count=0, last_sent_at=now, invited_by_user_id=inviter.user_id,
        invited_by_key_id=inviter.id if inviter.kind == "api_key" else None,
        account_kind=draft.kind if draft else None, account_relation=draft.relation if draft else None,
        account_name=draft.name if draft else None, account_details=_details(draft) if draft else None,
    )
    uow.session.add(invitation)
    _send(uow, invitation, tenant=tenant, now=now, base_url=base_url)
    uow.session.flush()
    record(uow, actor=inviter, action="invitation.create", object_type="invitation", object_id=invitation.id,
           at=now, account_id=account_id,
           after={"kind": data.kind, "email": email, "mobile": mobile, "role": role.value,
                  "account_name": invitation.account_name, "language": language})
    return invitation


def _holds(uow: UnitOfWork, user_id: uuid.UUID, role: Role, account_id: uuid.UUID | None) -> bool:
    same = Membership.account_id.is_(None) if account_id is None else Membership.account_id == account_id
    query = select(Membership.id).where(Membership.user_id == user_id, Membership.role == role.value, same)
    return uow.session.scalar(query) is not None


def inviter_label(uow: UnitOfWork, invitation: Invitation, tenant: Tenant) -> str:
    """Who the invitation is from, as the invitee knows them: a person, or the tenant for an API key."""
    if invitation.invited_by_user_id is not None:
        user = uow.session.get(User, invitation.invited_by_user_id)
        if user is not None:
            return user.name or user.email or user.mobile or tenant_name(tenant)
    return tenant_name(tenant)


def account_label(uow: UnitOfWork, invitation: Invitation) -> str | None:
    if invitation.account_name is not None:
        return invitation.account_name
    if invitation.account_id is None:
        return None
    return uow.session.scalar(select(Account.name).where(Account.id == invitation.account_id))


def _send(uow: UnitOfWork, invitation: Invitation, *, tenant: Tenant, now: datetime, base_url: str) -> None:
    """A new token (any earlier link stops working), a fresh 24 hours, and the message."""
    secret = new_secret(TOKEN_PREFIX)
    invitation.token_hash = digest(secret)
    invitation.expires_at = now + LIFETIME
    invitation.sent_count += 1
    invitation.last_sent_at = now
    template = "sub_account_invitation" if invitation.kind == "sub_account" else "invitation"
    account = account_label(uow, invitation) or tenant_name(tenant)
    params = {"inviter": inviter_label(uow, invitation, tenant), "tenant": tenant_name(tenant),
              "link": f"{base_url}{ACCEPT_PATH}?token={secret}", "account": account}
    if invitation.email is not None:
        queue_message(uow, channel="email", recipient=invitation.email, language=invitation.language,
                      template=template, params=params, now=now)
    else:
        assert invitation.mobile is not None
        queue_message(uow, channel="sms", recipient=invitation.mobile, language=invitation.language,
                      template=template, params=params, now=now)


# -- managing -----------------------------------------------------------------------------------

def get_invitation(uow: UnitOfWork, invitation_id: uuid.UUID) -> Invitation:
    """An invitation the scope sees (a query, not `session.get`: the identity map would skip the gate)."""
    invitation = uow.session.scalar(select(Invitation).where(Invitation.id == invitation_id))
    if invitation is None:
        raise NotFound("invitation not found")
    return invitation


def _managed(uow: UnitOfWork, invitation_id: uuid.UUID, by: Principal) -> Invitation:
    invitation = get_invitation(uow, invitation_id)
    require_admin_of(uow, by, invitation.account_id)
    if invitation.status != "pending":
        raise Conflict("the invitation was %(status)s already", field="status", status=invitation.status)
    return invitation


def resend_invitation(uow: UnitOfWork, *, invitation_id: uuid.UUID, by: Principal, now: datetime,
                      base_url: str) -> Invitation:
    """Send a new link (valid 24 hours from now); the earlier one stops working. Whoever resends now
    stands behind the invitation: they must be allowed to send it, and it comes from them."""
    invitation = _managed(uow, invitation_id, by)
    tenant = get_tenant(uow)
    require_terms(tenant)
    invitee = find_invitee(uow, email=invitation.email, mobile=invitation.mobile)
    check_authority(uow, by, kind=invitation.kind, account_id=invitation.account_id, role=Role(invitation.role),
                    invitee_id=invitee.id if invitee else None)
    invitation.invited_by_user_id = by.user_id
    invitation.invited_by_key_id = by.id if by.kind == "api_key" else None
    _send(uow, invitation, tenant=tenant, now=now, base_url=base_url)
    record(uow, actor=by, action="invitation.resend", object_type="invitation", object_id=invitation.id, at=now,
           account_id=invitation.account_id, after={"sent_count": invitation.sent_count})
    return invitation


def revoke_invitation(uow: UnitOfWork, *, invitation_id: uuid.UUID, by: Principal, now: datetime) -> None:
    invitation = _managed(uow, invitation_id, by)
    invitation.status = "revoked"
    record(uow, actor=by, action="invitation.revoke", object_type="invitation", object_id=invitation.id, at=now,
           account_id=invitation.account_id, before={"status": "pending"}, after={"status": "revoked"})


def list_invitations(uow: UnitOfWork, *, now: datetime, status: str | None, kind: str | None,
                     recipient: str | None, limit: int,
                     after: tuple[datetime, uuid.UUID] | None) -> list[Invitation]:
    """Newest first: the invitations the scope sees (an account admin's accounts; customers' only for staff)."""
    q = select(Invitation)
    if status == "expired":
        q = q.where(Invitation.status == "pending", Invitation.expires_at <= now)
    elif status == "pending":
        q = q.where(Invitation.status == "pending", Invitation.expires_at > now)
    elif status is not None:
        q = q.where(Invitation.status == status)
    if kind is not None:
        q = q.where(Invitation.kind == kind)
    if recipient is not None:
        key = recipient.strip().lower()
        q = q.where((func.lower(Invitation.email) == key) | (Invitation.mobile == key))
    q = newest_first(q, Invitation, after=after, limit=limit)
    return list(uow.session.scalars(q))
