"""Garbage-collector pause times of a server the benchmark starts (PYTHONPATH=bench/loadbench/gcprobe).

Does nothing unless CHARGEPLANE_BENCH_GC_REPORT names a file. Then every collection is timed through
`gc.callbacks`, and on SIGUSR1 the pauses since the last SIGUSR1 are written to that file as JSON
(written aside and renamed, so a reader never sees half of it) and the record starts afresh. A first
report is written at start-up: without it, the benchmark does not send the signal.

Each report also carries the group commit's own counters (`Database.batches`, `Database.units`) when
the process has one, only read. The Database itself was frozen at start-up, which hides it from
`gc.get_objects()`; a live charger connection leads to it (`Connection.db`).

On SIGUSR2 it runs one full collection, the kind a gen-2 threshold would trigger, and reports how long
it took and how many objects each generation held: what a gen-2 pause costs at the heap's current
size, without waiting the hours a quiet server may take to reach one by itself.
"""

from __future__ import annotations

import os

_REPORT = os.environ.get("CHARGEPLANE_BENCH_GC_REPORT")

if _REPORT:
    import gc
    import json
    import signal
    import sys
    import threading
    import time
    import weakref
    from typing import Any

    _path: str = _REPORT
    _pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    _collected = [0, 0, 0]
    _started = [0.0]
    _collecting = [False]
    _by_thread: dict[str, float] = {}
    _window_start = [time.monotonic()]
    _sequence = [0]

    def _on_gc(phase: str, info: dict[str, Any]) -> None:
        _collecting[0] = phase == "start"
        if phase == "start":
            _started[0] = time.perf_counter()
        else:
            generation = info["generation"]
            pause = time.perf_counter() - _started[0]
            _pauses[generation].append(pause)
            _collected[generation] += info["collected"]
            # Which thread collected: a finalizer that lets go of the interpreter (a database cursor's,
            # say) lets the other thread run, so a "pause" in one thread is not always a stop for all.
            name = threading.current_thread().name
            _by_thread[name] = _by_thread.get(name, 0.0) + pause

    def _summary(pauses: list[float]) -> dict[str, float]:
        ordered = sorted(pauses)

        def rank(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else 0.0

        return {"count": len(ordered), "total_ms": sum(ordered) * 1000,
                "max_ms": (ordered[-1] * 1000) if ordered else 0.0, "p50_ms": rank(50), "p99_ms": rank(99)}

    _database: list[Any] = []  # a weak reference to chargeplane's Database, once found

    def _group_commit() -> dict[str, int] | None:
        module = sys.modules.get("chargeplane.ocpp.connection")
        if module is None:
            return None
        found = _database[0]() if _database else None
        if found is None:
            connection_type = getattr(module, "Connection", None)
            connection = next((o for o in gc.get_objects() if type(o) is connection_type), None)
            found = getattr(connection, "db", None)
            if found is None or not hasattr(found, "batches"):
                return None
            _database[:] = [weakref.ref(found)]
        return {"batches": int(found.batches), "units": int(found.units)}

    def _write(report: dict[str, Any]) -> None:
        temporary = f"{_path}.tmp"
        with open(temporary, "w") as out:
            json.dump(report, out)
        os.replace(temporary, _path)

    def _full_collection(_signum: int = 0, _frame: object = None) -> None:
        # Not here: a signal handler may run inside a collection (in a finalizer), where gc.collect()
        # returns at once. A thread of its own runs it when it gets the interpreter.
        threading.Thread(target=_collect_fully, name="gc-probe", daemon=True).start()

    def _collect_fully() -> None:
        # While another thread's collection runs (paused in a finalizer that let go of the interpreter),
        # gc.collect() would return at once: wait for its end, which our callback sees.
        while _collecting[0]:
            time.sleep(0.005)
        objects = [len(gc.get_objects(generation)) for generation in range(3)]
        # First pass keeps what it finds unreachable (DEBUG_SAVEALL), to say what the cyclic garbage is;
        # the second frees it. The second is the pause a gen-2 collection costs: traversal and freeing.
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
        finally:
            gc.set_debug(0)
        kinds: dict[str, int] = {}
        for o in gc.garbage:
            kind = f"{type(o).__module__}.{type(o).__qualname__}"
            kinds[kind] = kinds.get(kind, 0) + 1
        gc.garbage.clear()
        started = time.perf_counter()
        collected = gc.collect()
        _sequence[0] += 1
        _write({"sequence": _sequence[0], "forced_full": {
            "ms": (time.perf_counter() - started) * 1000, "collected": collected, "objects": objects,
            "frozen": gc.get_freeze_count(),
            "garbage_kinds": sorted(kinds.items(), key=lambda kv: -kv[1])[:15]}})

    def _dump(_signum: int = 0, _frame: object = None) -> None:
        now = time.monotonic()
        _sequence[0] += 1
        report = {
            "sequence": _sequence[0], "window_s": now - _window_start[0], "threshold": gc.get_threshold(),
            "frozen": gc.get_freeze_count(), "collected": list(_collected),
            "generations": {str(g): _summary(p) for g, p in _pauses.items()},
            "all": _summary([x for p in _pauses.values() for x in p]),
            "group_commit": _group_commit(),
            "ms_by_thread": {name: seconds * 1000 for name, seconds in _by_thread.items()},
        }
        _by_thread.clear()
        for pauses in _pauses.values():
            pauses.clear()
        _collected[:] = [0, 0, 0]
        _window_start[0] = now
        _write(report)

    gc.callbacks.append(_on_gc)
    signal.signal(signal.SIGUSR1, _dump)
    signal.signal(signal.SIGUSR2, _full_collection)
    _dump()  # sequence 1: tells the benchmark the probe is in place (SIGUSR1 would kill a process without it)
