"""Pricing engine throughput: price N generated sessions of 60 meter values each and print sessions/s.

    .venv/bin/python bench/pricing.py [--sessions 100000]

Tariffs vary: a start fee, day/night energy prices (time of use, Europe/Tallinn), a time price,
an idle fee after charging with 5 minute steps, some with min/max price; sessions start at random
moments of 2024 (DST nights included) and last 1 to 10 hours with readings every 1 to 10 minutes.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chargeplane.domain.pricing.engine import price
from chargeplane.domain.pricing.spec import TariffSpec, spec_from_json
from chargeplane.domain.pricing.timeline import Sample, Timeline


def tariff(rng: random.Random) -> TariffSpec:
    night, day = rng.choice(["21:00", "22:00", "23:00"]), rng.choice(["06:00", "07:00"])
    data: dict[str, Any] = {
        "currency": "EUR",
        "elements": [
            {"price_components": [{"type": "FLAT", "price": rng.choice(["0", "0.50", "1"]), "vat": 22}]},
            {
                "price_components": [{"type": "ENERGY", "price": f"0.{rng.randint(10, 25)}", "vat": 22}],
                "restrictions": {"start_time": night, "end_time": day},
            },
            {
                "price_components": [{"type": "ENERGY", "price": f"0.{rng.randint(26, 45)}", "vat": 22}],
                "restrictions": {"day_of_week": ["SATURDAY", "SUNDAY"]} if rng.random() < 0.3 else {},
            },
            {
                "price_components": [
                    {"type": "ENERGY", "price": f"0.{rng.randint(30, 60)}", "vat": 22},
                    {"type": "TIME", "price": rng.choice(["0", "0.60", "1.20"]), "vat": 22, "step_size": 60},
                    {"type": "PARKING_TIME", "price": "6", "vat": 22, "step_size": 300},
                ]
            },
        ],
    }
    if rng.random() < 0.3:
        data["min_price"] = {"excl_vat": "1.00"}
        data["max_price"] = {"excl_vat": "40.00"}
    return spec_from_json(data)


def session(rng: random.Random, readings: int) -> Timeline:
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(366 * 24 * 60))
    every = timedelta(minutes=rng.randint(1, 10))
    full_at = rng.randint(readings // 2, readings)  # after this reading the car is full and just parks
    samples, energy = [], 0
    for i in range(readings):
        charging = i < full_at
        energy += rng.randint(100, 3000) if charging else 0
        samples.append(Sample(start + every * (i + 1), energy, charging, None))
    return Timeline(start, start + every * (readings + 1), "Europe/Tallinn", tuple(samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--readings", type=int, default=60)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tariffs = [tariff(rng) for _ in range(50)]
    work = [(rng.choice(tariffs), session(rng, args.readings)) for _ in range(args.sessions)]
    total = Decimal(0)
    started = time.perf_counter()
    for spec, timeline in work:
        total += price(spec, timeline).total_cost.excl_vat
    elapsed = time.perf_counter() - started
    print(f"priced {args.sessions} sessions of {args.readings} meter values in {elapsed:.2f} s")
    print(f"{args.sessions / elapsed:,.0f} sessions/s, {elapsed / args.sessions * 1e6:.0f} µs per session")
    print(f"(sum of totals {total} EUR, a checksum)")


if __name__ == "__main__":
    main()
