"""Users, roles and invitations as whole units of work: the API's routes and the portal's pages both
call these, so the two never differ in what they check, change or answer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from chargeplane.api.deps import Tenancy
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity import invitations, memberships, users
from chargeplane.domain.identity.invitation_schemas import InvitationCreate, InvitationRead
from chargeplane.domain.identity.schemas import MembershipCreate, MembershipRead, UserRead


def read_user(uow: UnitOfWork, user_id: uuid.UUID) -> UserRead:
    return users.describe_users(uow, [users.get_user(uow, user_id)])[0]


async def update_user(t: Tenancy, user_id: uuid.UUID, changes: Mapping[str, Any]) -> UserRead:
    """Profile and status (a disabled user is logged out everywhere)."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> UserRead:
        users.update_user(uow, user_id=user_id, changes=changes, actor=t.principal, now=now)
        return read_user(uow, user_id)

    return await t.write(unit)


async def grant_role(t: Tenancy, user_id: uuid.UUID, body: MembershipCreate) -> MembershipRead:
    """Only a role the caller may hand out, in an account it administers, never to itself."""
    now = t.services.clock.now()

    def unit(uow: UnitOfWork) -> MembershipRead:
        users.get_user(uow, user_id)
        return MembershipRead.model_validate(memberships.add_membership(
            uow, user_id=user_id, role=body.role, account_id=body.account_id, granted_by=t.principal, now=now))

    return await t.write(unit)


async def take_role(t: Tenancy, user_id: uuid.UUID, membership_id: uuid.UUID) -> None:
    """The tenant's last tenant admin stays."""
    now = t.services.clock.now()
    await t.write(lambda uow: memberships.remove_membership(
        uow, user_id=user_id, membership_id=membership_id, removed_by=t.principal, now=now))


async def send_invitation(t: Tenancy, body: InvitationCreate) -> InvitationRead:
    """Refused (Conflict on `terms_url`) until the tenant has set its terms and privacy links."""
    now, base_url = t.services.clock.now(), t.services.settings.base_url

    def unit(uow: UnitOfWork) -> InvitationRead:
        invitation = invitations.create_invitation(uow, data=body, inviter=t.principal, now=now, base_url=base_url)
        return invitations.to_read(invitation, now)

    return await t.write(unit)


async def resend_invitation(t: Tenancy, invitation_id: uuid.UUID) -> InvitationRead:
    """A new link, valid 24 hours from now; the earlier link stops working."""
    now, base_url = t.services.clock.now(), t.services.settings.base_url

    def unit(uow: UnitOfWork) -> InvitationRead:
        invitation = invitations.resend_invitation(uow, invitation_id=invitation_id, by=t.principal, now=now,
                                                   base_url=base_url)
        return invitations.to_read(invitation, now)

    return await t.write(unit)


async def revoke_invitation(t: Tenancy, invitation_id: uuid.UUID) -> None:
    now = t.services.clock.now()
    await t.write(lambda uow: invitations.revoke_invitation(uow, invitation_id=invitation_id, by=t.principal,
                                                            now=now))
