"""What a run measured, and how it is printed."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from chargeplane.domain.smartcharging import allocation
from smartbench.chargers import MODELS

PHASES = ("between", "delivery", "rest")


@dataclass(slots=True)
class Figures:
    events: Counter[str] = field(default_factory=Counter)
    plan_seconds: list[float] = field(default_factory=list)
    plan_cpu: list[float] = field(default_factory=list)  # this process's CPU (all of it, on SQLite)
    answer_seconds: list[float] = field(default_factory=list)
    sends: list[int] = field(default_factory=list)
    sessions: list[int] = field(default_factory=list)
    excess: dict[tuple[str, str], int] = field(default_factory=dict)  # (phase, model) → worst deciamps
    where: dict[tuple[str, str], str] = field(default_factory=dict)  # … and at which event
    schedule_excess: dict[str, int] = field(default_factory=dict)  # model → worst right after the limit fell
    plan_overshoot_da: int = 0
    early_raises: int = 0  # profiles sent as lowering ones that raised what a charger followed
    early_raise_da: int = 0
    replans: int = 0
    limits: list[int] = field(default_factory=list)  # per recompute, deciamps: the limit,
    shared: list[int] = field(default_factory=list)  # … what the sessions got,
    standby: list[int] = field(default_factory=list)  # … what idle chargers keep for a car that may come,
    reserved: list[int] = field(default_factory=list)  # … what chargers we cannot steer may draw
    reasons: Counter[str] = field(default_factory=Counter)  # why each session got what it got, all recomputes

    def planned(self, plan: allocation.Plan) -> None:
        given = sum(deciamps for deciamps, _ in plan.allocations.values())
        self.limits.append(plan.limit_da)
        self.shared.append(given)
        self.standby.append(sum(plan.caps.values()) - given)
        self.reserved.append(plan.reserved_da)
        self.reasons.update(reason for _, reason in plan.allocations.values())
    gave_up: int = 0


class Recorder:
    """Keeps what plan_site hands to `allocation.plan`, to time the pure allocation on the same inputs."""

    def __init__(self) -> None:
        self.inputs: list[tuple[int, list[allocation.Charger], list[allocation.Demand]]] = []
        self.original = allocation.plan

    def __call__(self, limit_da: int, chargers: list[allocation.Charger],
                 demands: list[allocation.Demand]) -> allocation.Plan:
        self.inputs.append((limit_da, chargers, demands))
        return self.original(limit_da, chargers, demands)

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        allocation.plan = self  # planning calls it through the module
        try:
            yield self
        finally:
            allocation.plan = self.original


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def time_pure(inputs: list[tuple[int, list[allocation.Charger], list[allocation.Demand]]],
              plan: Callable[..., allocation.Plan], repeats: int = 3) -> list[float]:
    """Each input's best of `repeats`: on a shared machine a single timing is mostly the neighbours'."""
    best = [float("inf")] * len(inputs)
    for _ in range(repeats):
        for i, (limit_da, chargers, demands) in enumerate(inputs):
            begun = time.perf_counter()
            plan(limit_da, chargers, demands)
            best[i] = min(best[i], time.perf_counter() - begun)
    return best


def amps(deciamps: int) -> str:
    return f"{deciamps / 10:.1f} A"


def report(backend: str, figures: Figures, pure: list[float], events: int, wall: float) -> None:
    plans, answers = figures.plan_seconds, figures.answer_seconds
    print(f"\n== {backend}: {events} events in {wall:.1f} s "
          f"({', '.join(f'{n} {kind}' for kind, n in figures.events.most_common())})")
    print(f"plan_site incl. DB: {len(plans)} recomputes ({figures.replans} after a refusal, "
          f"{figures.gave_up} gave up), {len(plans) / sum(plans):,.0f} recomputes/s; "
          f"p50 {quantile(plans, 0.5) * 1e3:.1f} ms, p99 {quantile(plans, 0.99) * 1e3:.1f} ms, "
          f"max {max(plans) * 1e3:.1f} ms; CPU of this process p50 {quantile(figures.plan_cpu, 0.5) * 1e3:.1f} ms")
    print(f"answers recorded (one batch of concurrent units of work): p50 {quantile(answers, 0.5) * 1e3:.1f} ms, "
          f"p99 {quantile(answers, 0.99) * 1e3:.1f} ms")
    print(f"pure allocation.plan, same inputs (best of 3): {len(pure) / sum(pure):,.0f} recomputes/s; "
          f"p50 {quantile(pure, 0.5) * 1e6:.0f} µs, p99 {quantile(pure, 0.99) * 1e6:.0f} µs")
    sends, sessions = figures.sends, figures.sessions
    print(f"profiles per recompute: mean {sum(sends) / len(sends):.1f}, p99 {quantile(sends, 0.99):.0f}, "
          f"max {max(sends)}; running sessions per recompute: mean {sum(sessions) / len(sessions):.0f}, "
          f"max {max(sessions)}")
    n, reasons = len(figures.limits), sum(figures.reasons.values())
    print(f"the limit shared: mean {amps(sum(figures.limits) // n)}: sessions {amps(sum(figures.shared) // n)}, "
          f"idle chargers' standby {amps(sum(figures.standby) // n)}, chargers not steered "
          f"{amps(sum(figures.reserved) // n)}; sessions by reason: "
          + ", ".join(f"{reason} {n / reasons:.0%}" for reason, n in figures.reasons.most_common()))
    print(f"plan's own overshoot (chargers we cannot steer alone above the limit): "
          f"worst {amps(figures.plan_overshoot_da)}")
    print(f"raises sent among the lowering profiles: {figures.early_raises} (largest {amps(figures.early_raise_da)})")
    print("worst excess of the site's possible draw over the limit in force (beyond the plan's own overshoot):")
    labels = {"between": "after an event, before its recompute", "delivery": "while its profiles are delivered",
              "rest": "once they are delivered", "schedule": "when the schedule lowered the limit"}
    print(f"  {'':<40}" + "".join(f"{m:>18}" for m in MODELS))
    for phase in PHASES:
        print(f"  {labels[phase]:<40}" + "".join(f"{amps(figures.excess.get((phase, m), 0)):>18}" for m in MODELS))
    print(f"  {labels['schedule']:<40}"
          + "".join(f"{amps(max(0, figures.schedule_excess.get(m, 0))):>18}" for m in MODELS))
    for (phase, model), where in sorted(figures.where.items()):
        print(f"  {labels[phase]}, {model}: worst at {where}")
