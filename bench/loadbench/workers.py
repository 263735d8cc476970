"""The benchmark's side of the load workers: starting them, asking them, adding up their answers."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from loadbench import processes
from loadbench.snapshots import Snapshot, merged
from loadbench.worker import WorkerPlan

BENCH_DIR = Path(__file__).resolve().parent.parent


class WorkerDied(Exception):
    pass


class WorkerProcess:
    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log
        self._lock = asyncio.Lock()

    async def ask(self, command: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        async with self._lock:
            self.process.stdin.write(orjson.dumps(command) + b"\n")
            await self.process.stdin.drain()
            line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise WorkerDied(f"load worker {self.process.pid} exited; see {self.log}")
        reply: dict[str, Any] = orjson.loads(line)
        if "error" in reply:
            raise WorkerDied(f"load worker {self.process.pid}: {reply['error']}; see {self.log}")
        return reply


class WorkerPool:
    """N worker processes; `async with` guarantees none outlives the block."""

    def __init__(self, count: int, log_dir: Path) -> None:
        self.count = count
        self.log_dir = log_dir
        self.workers: list[WorkerProcess] = []

    async def __aenter__(self) -> WorkerPool:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
        for n in range(self.count):
            log = self.log_dir / f"worker-{n}.log"
            process = await processes.spawn([sys.executable, "-m", "loadbench.worker"], env=env, log=log,
                                            pipes=True, stream_limit=2**24)
            self.workers.append(WorkerProcess(process, log))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(processes.stop(w.process, grace=5.0) for w in self.workers))

    def kill_all(self) -> None:
        for worker in self.workers:
            processes.kill_now(worker.process)

    async def start(self, plans: Sequence[WorkerPlan]) -> None:
        await asyncio.gather(*(w.ask({"cmd": "start", "plan": dataclasses.asdict(p)})
                               for w, p in zip(self.workers, plans, strict=True)))

    async def snapshot(self) -> Snapshot:
        replies = await asyncio.gather(*(w.ask({"cmd": "snapshot"}) for w in self.workers))
        return merged(Snapshot.from_json(r) for r in replies)

    async def set_rate(self, per_second: float) -> None:
        share = per_second / len(self.workers)
        await asyncio.gather(*(w.ask({"cmd": "rate", "per_second": share}) for w in self.workers))

    async def stop(self, *, graceful: bool, timeout: float = 10.0) -> Snapshot:
        replies = await asyncio.gather(*(w.ask({"cmd": "stop", "graceful": graceful, "timeout": timeout},
                                               timeout=timeout + 60.0) for w in self.workers))
        return merged(Snapshot.from_json(r) for r in replies)


def split(items: Sequence[str], parts: int) -> list[list[str]]:
    """Contiguous, nearly equal slices."""
    size, extra = divmod(len(items), parts)
    slices, start = [], 0
    for n in range(parts):
        end = start + size + (1 if n < extra else 0)
        slices.append(list(items[start:end]))
        start = end
    return slices
