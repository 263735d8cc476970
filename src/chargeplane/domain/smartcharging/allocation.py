"""Dynamic load balancing as a pure function: a site's limit shared among its running sessions.

Currents are integer deciamperes (0.1 A) per phase, so shares are exact and rounding only ever goes
down. The plan never hands out more than the limit: chargers we cannot steer (offline, or they
refused a profile) are counted at what they may draw on their own, every session first gets its
charger's minimum current (by priority, then who came first; those that do not fit wait at 0 A),
idle chargers keep a minimum for a session that starts before the next recompute, and what is left
is shared equally within each priority tier, highest first, up to what each session can use.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

# Why a session got what it got: shown to operators.
SHARE, MINIMUM, PAUSED, TARGET, DEMAND = "share", "minimum", "paused", "target", "demand"


@dataclass(frozen=True, slots=True)
class Charger:
    id: uuid.UUID
    controlled: bool  # connected and accepting profiles
    min_da: int
    max_da: int  # the most the whole charger may draw
    priority: int = 0
    reserve_da: int = 0  # what it may draw on its own while not controlled


@dataclass(frozen=True, slots=True)
class Demand:
    session_id: uuid.UUID
    charger_id: uuid.UUID
    started_at: datetime
    wanted_da: int | None = None  # None: as much as it can take; 0: its target is reached


@dataclass(slots=True)
class Plan:
    limit_da: int
    reserved_da: int  # held for chargers we cannot steer
    allocations: dict[uuid.UUID, tuple[int, str]] = field(default_factory=dict)  # session → (deciamps, reason)
    caps: dict[uuid.UUID, int] = field(default_factory=dict)  # controlled charger → its charger-wide limit

    @property
    def planned_da(self) -> int:
        """What the site may draw under this plan: every cap plus every reserve."""
        return self.reserved_da + sum(self.caps.values())

    @property
    def overshoot_da(self) -> int:
        """Above the limit only when the chargers we cannot steer alone may draw more than it."""
        return max(0, self.planned_da - self.limit_da)


def plan(limit_da: int, chargers: list[Charger], demands: list[Demand]) -> Plan:
    by_id = {c.id: c for c in chargers}
    reserved = sum(c.reserve_da for c in chargers if not c.controlled)
    result = Plan(limit_da=limit_da, reserved_da=reserved)
    budget = max(0, limit_da - reserved)
    used: dict[uuid.UUID, int] = defaultdict(int)  # per controlled charger
    alloc: dict[uuid.UUID, int] = {}
    ceiling: dict[uuid.UUID, int] = {}
    reason: dict[uuid.UUID, str] = {}
    steered = [d for d in demands if d.charger_id in by_id and by_id[d.charger_id].controlled]
    steered.sort(key=lambda d: (-by_id[d.charger_id].priority, d.started_at, d.session_id))

    # 1. Each session its charger's minimum, in order, while it fits; a reached target gets nothing.
    for d in steered:
        c = by_id[d.charger_id]
        alloc[d.session_id] = 0
        if d.wanted_da == 0:
            reason[d.session_id] = TARGET
            continue
        ceiling[d.session_id] = max(c.min_da, min(c.max_da, d.wanted_da if d.wanted_da is not None else c.max_da))
        if c.min_da <= budget and used[c.id] + c.min_da <= c.max_da:
            alloc[d.session_id] = c.min_da
            used[c.id] += c.min_da
            budget -= c.min_da
            reason[d.session_id] = MINIMUM
        else:
            reason[d.session_id] = PAUSED

    # 2. Idle chargers keep a minimum, so a session starting before the next plan can charge at once.
    busy = {d.charger_id for d in steered}
    for c in sorted((c for c in chargers if c.controlled and c.id not in busy), key=lambda c: -c.priority):
        standby = c.min_da if c.min_da <= budget else 0
        used[c.id] = standby
        budget -= standby

    # 3. The rest shared equally within each priority tier, highest first, up to what each can use.
    for tier in sorted({by_id[d.charger_id].priority for d in steered}, reverse=True):
        members = [d for d in steered if by_id[d.charger_id].priority == tier and reason[d.session_id] == MINIMUM]
        budget = _fill(members, by_id, alloc, ceiling, used, budget)

    for d in steered:
        if reason[d.session_id] == MINIMUM:
            if d.wanted_da is not None and alloc[d.session_id] == ceiling[d.session_id]:
                reason[d.session_id] = DEMAND  # held to what it draws, not to what was left
            elif alloc[d.session_id] > by_id[d.charger_id].min_da:
                reason[d.session_id] = SHARE
        result.allocations[d.session_id] = (alloc[d.session_id], reason[d.session_id])
    result.caps = {c.id: used[c.id] for c in chargers if c.controlled}
    return result


def _fill(members: list[Demand], by_id: dict[uuid.UUID, Charger], alloc: dict[uuid.UUID, int],
          ceiling: dict[uuid.UUID, int], used: dict[uuid.UUID, int], budget: int) -> int:
    """Water-filling: equal shares of the budget, each up to its ceiling and its charger's maximum."""

    def room(d: Demand) -> int:
        c = by_id[d.charger_id]
        return min(ceiling[d.session_id] - alloc[d.session_id], c.max_da - used[c.id])

    open_ = [d for d in members if room(d) > 0]
    while budget > 0 and open_:
        share = budget // len(open_)
        if share == 0:  # fewer deciamps left than sessions: one each, in order
            for d in open_[:budget]:
                _give(d, 1, by_id, alloc, used)
                budget -= 1
            break
        for d in open_:
            given = min(share, room(d))
            _give(d, given, by_id, alloc, used)
            budget -= given
        open_ = [d for d in open_ if room(d) > 0]
    return budget


def _give(d: Demand, amount: int, by_id: dict[uuid.UUID, Charger], alloc: dict[uuid.UUID, int],
          used: dict[uuid.UUID, int]) -> None:
    alloc[d.session_id] += amount
    used[by_id[d.charger_id].id] += amount
