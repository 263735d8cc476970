"""Invitations: sent by tenant staff and account admins; previewed and accepted with the link's token
alone (no credentials, except an existing user, who accepts logged in)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from chargeplane.api import account_flows, people_flows
from chargeplane.api.auth import SESSION_COOKIE, client_address, get_principal, permit
from chargeplane.api.deps import DEFAULT_LIMIT, Cursor, Limit, ServicesDep, Tenancy
from chargeplane.api.pagination import Page, decode_cursor, page
from chargeplane.api.routers.auth_support import AuthStateDep
from chargeplane.db import UnitOfWork
from chargeplane.domain.identity import invitations
from chargeplane.domain.identity.invitation_schemas import (
    InvitationAccept,
    InvitationAccepted,
    InvitationCreate,
    InvitationKind,
    InvitationPreview,
    InvitationRead,
    InvitationStatus,
)
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.identity.principal import Principal

router = APIRouter(prefix="/invitations", tags=["invitations"])

ReadInvitations = Annotated[Tenancy, Depends(permit(Resource.INVITATION, Action.READ))]
CreateInvitation = Annotated[Tenancy, Depends(permit(Resource.INVITATION, Action.CREATE))]
DeleteInvitation = Annotated[Tenancy, Depends(permit(Resource.INVITATION, Action.DELETE))]

# Optional on the public routes: an existing user accepts while logged in.
_bearer = HTTPBearer(auto_error=False)
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)

T = TypeVar("T")


@router.post("", response_model=InvitationRead, status_code=201, operation_id="create_invitation")
async def create_invitation(body: InvitationCreate, t: CreateInvitation) -> InvitationRead:
    """Send an invitation by email (or by SMS when only `mobile` is given), valid 24 hours. Refused
    (409) until the tenant has set its terms of use and privacy policy links."""
    return await people_flows.send_invitation(t, body)


@router.get("", response_model=Page[InvitationRead], operation_id="list_invitations")
async def list_invitations(
    t: ReadInvitations,
    status: InvitationStatus | None = None,
    kind: InvitationKind | None = None,
    recipient: str | None = Query(default=None, description="an email address (any case) or a mobile number"),
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Newest first. Account admins see their accounts' invitations; new customers' only tenant staff."""
    now = t.services.clock.now()
    after = decode_cursor(cursor)

    def unit(uow: UnitOfWork) -> list[InvitationRead]:
        rows = invitations.list_invitations(uow, now=now, status=status, kind=kind, recipient=recipient,
                                            limit=limit, after=after)
        return [invitations.to_read(row, now) for row in rows]

    items = await t.read(unit)
    return page(items, items, limit)


@router.get("/preview", response_model=InvitationPreview, operation_id="preview_invitation")
async def preview_invitation(services: ServicesDep, token: str = Query(max_length=200)) -> InvitationPreview:
    """What an invitation link offers, for the page that accepts it: 404 for an unknown link, 410 for
    one accepted, withdrawn or expired."""
    return await account_flows.preview_invitation(services, token=token)

async def _caller(request: Request, services: ServicesDep,
                  bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
                  cookie: Annotated[str | None, Depends(_cookie)]) -> Principal | None:
    if bearer is None and not cookie:
        return None
    return await get_principal(request, services, bearer, cookie)


@router.post("/accept", response_model=InvitationAccepted, operation_id="accept_invitation")
async def accept_invitation(body: InvitationAccept, request: Request, services: ServicesDep,
                            caller: Annotated[Principal | None, Depends(_caller)],
                            state: AuthStateDep) -> InvitationAccepted:
    """Accept with the link's token. A new person gives a password (at least 12 characters) and
    `accept_terms: true`; a person who has an account already accepts while logged in (bearer token
    or portal session). A second use answers 410."""
    return await account_flows.accept_invitation(services, state, body=body, caller=caller,
                                                 source_address=client_address(request))

@router.get("/{invitation_id}", response_model=InvitationRead, operation_id="get_invitation")
async def get_invitation(invitation_id: uuid.UUID, t: ReadInvitations) -> InvitationRead:
    now = t.services.clock.now()
    return await t.read(lambda uow: invitations.to_read(invitations.get_invitation(uow, invitation_id), now))


@router.post("/{invitation_id}/resend", response_model=InvitationRead, operation_id="resend_invitation")
async def resend_invitation(invitation_id: uuid.UUID, t: CreateInvitation) -> InvitationRead:
    """A new link, valid 24 hours from now; the earlier link stops working."""
    return await people_flows.resend_invitation(t, invitation_id)


@router.delete("/{invitation_id}", status_code=204, response_class=Response, operation_id="revoke_invitation")
async def revoke_invitation(invitation_id: uuid.UUID, t: DeleteInvitation) -> Response:
    """Withdraw a pending invitation: its link stops working."""
    await people_flows.revoke_invitation(t, invitation_id)
    return Response(status_code=204)
