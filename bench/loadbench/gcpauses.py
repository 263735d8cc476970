"""Reading the GC probe (gcprobe/sitecustomize.py) of a running server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

PROBE_DIR = Path(__file__).resolve().parent / "gcprobe"
REPORT_ENV = "CHARGEPLANE_BENCH_GC_REPORT"


def probe_env(env: dict[str, str], report: Path) -> dict[str, str]:
    """`env` with the probe loaded into the Python process started with it."""
    probed = dict(env)
    probed["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROBE_DIR), env.get("PYTHONPATH")]))
    probed[REPORT_ENV] = str(report)
    return probed


async def read_and_reset(pid: int, report: Path, timeout: float = 10.0) -> dict[str, Any] | None:
    """The pauses since the previous call (or the start); None if the probe does not answer (it only
    can while the server's main thread runs Python code)."""
    return await _ask(pid, report, signal.SIGUSR1, timeout)


async def full_collection(pid: int, report: Path, timeout: float = 60.0) -> dict[str, Any] | None:
    """Make the server run a full collection now: {"ms", "collected", "objects": [gen0, gen1, gen2], "frozen"}."""
    answer = await _ask(pid, report, signal.SIGUSR2, timeout)
    return None if answer is None else answer.get("forced_full")


async def _ask(pid: int, report: Path, sig: int, timeout: float) -> dict[str, Any] | None:
    previous = _sequence(report)
    if previous is None:
        return None  # no probe in that process: SIGUSR1 or SIGUSR2 would end it
    os.kill(pid, sig)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await asyncio.sleep(0.05)
        if _sequence(report) != previous:
            data: dict[str, Any] = json.loads(report.read_text())
            return data
    return None


def _sequence(report: Path) -> int | None:
    try:
        return int(json.loads(report.read_text())["sequence"])
    except (FileNotFoundError, ValueError, KeyError):
        return None
