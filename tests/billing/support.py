"""A small world to bill: a tenant with a merchant, a fleet customer and a housing cooperative, their
people and cards, and closed sessions with their CDRs written straight into the real database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update

from chargeplane.db import Database, Scope, UnitOfWork
from chargeplane.domain.billing import profiles
from chargeplane.domain.identity.models import Membership, User
from chargeplane.domain.messaging.models import OutboxMessage
from chargeplane.domain.pricing.models import ChargeDetailRecord
from chargeplane.domain.sessions.models import ChargingSession
from chargeplane.domain.tenancy.accounts import create_account
from chargeplane.domain.tenancy.service import create_tenant
from chargeplane.domain.tokens.models import IdToken

MARCH = datetime.fromisoformat("2026-03-10T08:00:00+00:00")
MADE: list[tuple[Database, uuid.UUID]] = []


@dataclass
class World:
    tenant_id: uuid.UUID
    merchant: uuid.UUID  # an invoicing account with chargers
    fleet: uuid.UUID  # the merchant's fleet customer
    coop: uuid.UUID  # a housing cooperative billing its members
    fleet_card: uuid.UUID
    members: dict[str, uuid.UUID] = field(default_factory=dict)  # name -> user id
    member_cards: dict[str, uuid.UUID] = field(default_factory=dict)

    @property
    def scope(self) -> Scope:
        return Scope.tenant(self.tenant_id)


def _user(uow: UnitOfWork, name: str, language: str, email: str | None = None) -> User:
    user = User(email=email or f"{name.lower()}@example.test", email_key=email or f"{name.lower()}@example.test",
                name=name, language=language, status="active")
    uow.session.add(user)
    uow.session.flush()
    return user


def _card(uow: UnitOfWork, account_id: uuid.UUID, user_id: uuid.UUID | None = None) -> IdToken:
    uid = uuid.uuid4().hex[:12].upper()
    card = IdToken(uid=uid, uid_key=uid, account_id=account_id, user_id=user_id)
    uow.session.add(card)
    uow.session.flush()
    return card


async def make_world(db: Database, *, region: str = "EE", members: dict[str, str] | None = None) -> World:
    slug = f"t-{uuid.uuid4().hex[:8]}"
    tenant_id = await db.write(Scope.installation("test"), lambda uow: create_tenant(uow, name=slug, slug=slug).id)
    MADE.append((db, tenant_id))
    return await populate(db, tenant_id, region=region, members=members)


async def hold_emails() -> None:
    """Hold the emails the tests' invoices queued: the PostgreSQL database outlives the test, and another
    test's delivery job (which sends every tenant's mail) must not find them."""
    while MADE:
        db, tenant_id = MADE.pop()

        def unit(uow: UnitOfWork) -> None:
            uow.session.execute(update(OutboxMessage).where(OutboxMessage.status == "pending")
                                .values(status="held", next_attempt_at=None))

        await db.write(Scope.tenant(tenant_id), unit)


async def populate(db: Database, tenant_id: uuid.UUID, *, region: str = "EE",
                   members: dict[str, str] | None = None) -> World:
    """The merchant, its fleet customer and the cooperative (with `members`: name -> language) in a tenant."""

    def unit(uow: UnitOfWork) -> World:
        merchant = create_account(uow, name="Parkla", kind="business", legal_name="Parkla OÜ",
                                  registration_number="12345678", vat_number="EE101234567",
                                  billing_address="Narva mnt 5\n10117 Tallinn", email="billing@parkla.test",
                                  payee_iban="EE382200221020145685")
        fleet = create_account(uow, name="Kuller", kind="business", legal_name="Kuller AS",
                               registration_number="10999999", vat_number="EE109999999",
                               billing_address="Pärnu mnt 10, Tallinn",
                               email="ap@kuller.test")
        coop = create_account(uow, name="Männi KÜ", kind="standard", legal_name="Korteriühistu Männi",
                              registration_number="80000001", payee_iban="EE471000001020145685",
                              email="juhatus@manni.test")
        profiles.set_profile(uow, account_id=merchant.id, changes={"region": region})
        profiles.set_profile(uow, account_id=coop.id, changes={"region": region})
        world = World(tenant_id=tenant_id, merchant=merchant.id, fleet=fleet.id, coop=coop.id,
                      fleet_card=_card(uow, fleet.id).id)
        for name, language in (members or {}).items():
            user = _user(uow, name, language)
            uow.session.add(Membership(user_id=user.id, account_id=coop.id, role="account_member"))
            world.members[name] = user.id
            world.member_cards[name] = _card(uow, coop.id, user.id).id
        uow.session.flush()
        return world

    return await db.write(Scope.tenant(tenant_id), unit)


def add_cdr(uow: UnitOfWork, *, account_id: uuid.UUID, card_id: uuid.UUID | None, stopped_at: datetime,
            excl: str, vat_percent: str | None = "22", energy_wh: int = 10_000, currency: str = "EUR",
            identity: str = "PARKLA-01") -> ChargeDetailRecord:
    """A closed session at `account_id`'s charger and its CDR: one energy line at `vat_percent`."""
    session = ChargingSession(account_id=account_id, charge_point_identity=identity, connector_id=1,
                              id_token_id=card_id, started_at=stopped_at - timedelta(hours=1),
                              stopped_at=stopped_at, state="completed", energy_wh=energy_wh)
    uow.session.add(session)
    uow.session.flush()
    amount = Decimal(excl)
    vat = (amount * Decimal(vat_percent or 0) / 100).quantize(Decimal("0.0001"))
    line = {"type": "ENERGY", "element": 0, "unit_price": str(amount / (Decimal(energy_wh) / 1000)),
            "vat_percent": vat_percent, "quantity": str(Decimal(energy_wh) / 1000), "excl_vat": str(amount),
            "vat": str(vat), "incl_vat": str(amount + vat)}
    cdr = ChargeDetailRecord(account_id=account_id, session_id=session.id, currency=currency, periods=[],
                             lines=[line], total_excl_vat=amount, total_vat=vat, total_incl_vat=amount + vat,
                             total_energy_wh=energy_wh, total_time_s=3600, total_parking_s=0,
                             started_at=session.started_at, stopped_at=stopped_at, charge_point_identity=identity,
                             created_at=stopped_at)
    uow.session.add(cdr)
    uow.session.flush()
    return cdr


async def cdrs(db: Database, world: World, *specs: tuple[uuid.UUID, uuid.UUID | None, datetime, str]
               ) -> list[uuid.UUID]:
    """(account, card, stopped at, amount excl. VAT) each; returns the CDR ids."""
    def unit(uow: UnitOfWork) -> list[uuid.UUID]:
        return [add_cdr(uow, account_id=a, card_id=c, stopped_at=at, excl=x).id for a, c, at, x in specs]

    return await db.write(world.scope, unit)
