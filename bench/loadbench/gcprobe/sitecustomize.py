"""Garbage-collector pause times of a server the benchmark starts (PYTHONPATH=bench/loadbench/gcprobe).

Does nothing unless CHARGEPLANE_BENCH_GC_REPORT names a file. Then every collection is timed through
`gc.callbacks`, and on SIGUSR1 the pauses since the last SIGUSR1 are written to that file as JSON
(written aside and renamed, so a reader never sees half of it) and the record starts afresh. A first
report is written at start-up: without it, the benchmark does not send the signal.
"""

from __future__ import annotations

import os

_REPORT = os.environ.get("CHARGEPLANE_BENCH_GC_REPORT")

if _REPORT:
    import gc
    import json
    import signal
    import time
    from typing import Any

    _path: str = _REPORT
    _pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    _collected = [0, 0, 0]
    _started = [0.0]
    _window_start = [time.monotonic()]
    _sequence = [0]

    def _on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            _started[0] = time.perf_counter()
        else:
            generation = info["generation"]
            _pauses[generation].append(time.perf_counter() - _started[0])
            _collected[generation] += info["collected"]

    def _summary(pauses: list[float]) -> dict[str, float]:
        ordered = sorted(pauses)

        def rank(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0

        return {"count": len(ordered), "total_ms": sum(ordered) * 1000,
                "max_ms": (ordered[-1] * 1000) if ordered else 0.0, "p50_ms": rank(50), "p99_ms": rank(99)}

    def _dump(_signum: int = 0, _frame: object = None) -> None:
        now = time.monotonic()
        _sequence[0] += 1
        report = {
            "sequence": _sequence[0], "window_s": now - _window_start[0], "threshold": gc.get_threshold(),
            "frozen": gc.get_freeze_count(), "collected": list(_collected),
            "generations": {str(g): _summary(p) for g, p in _pauses.items()},
            "all": _summary([x for p in _pauses.values() for x in p]),
        }
        for pauses in _pauses.values():
            pauses.clear()
        _collected[:] = [0, 0, 0]
        _window_start[0] = now
        temporary = f"{_path}.tmp"
        with open(temporary, "w") as out:
            json.dump(report, out)
        os.replace(temporary, _path)

    gc.callbacks.append(_on_gc)
    signal.signal(signal.SIGUSR1, _dump)
    _dump()  # sequence 1: tells the benchmark the probe is in place (SIGUSR1 would kill a process without it)
