"""Sampling the server with py-spy during a phase, and reading the samples.

py-spy samples every thread `rate` times a second and keeps the stacks of the threads that are not
idle. Dividing by rate x seconds turns sample counts into "share of the window": 40 % on a thread
means that thread spent 0.4 s of every second there; the shares of the threads add up to the cores
the process kept busy. The raw format is one collapsed stack per line,
`thread (tid): name;outer (file:line);...;inner (file:line) N`.

    PYTHONPATH=bench .venv/bin/python -m loadbench.profiling RAW_FILE SECONDS [TOP]   prints a summary again
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections import Counter, defaultdict
from pathlib import Path

from loadbench import processes

RATE = 100
_FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
_THREAD = re.compile(r"^thread \((?P<tid>[^)]*)\)(?::\s*(?P<name>.*))?$")
# Frames under every sample of a thread: thread start, the event loop's run, the CLI.
_PLUMBING = ("(threading.py)", "(concurrent/futures/thread.py)", "(asyncio/runners.py)", "(uvicorn/_compat.py)",
             "(uvicorn/server.py)", "(chargeplane/cli.py)", "(chargeplane/server.py)", "<module>", "(<frozen runpy>)",
             "(anyio/_backends/_asyncio.py)")


def py_spy_path() -> Path:
    """$PY_SPY, else the project's own .tools/bin/py-spy."""
    found = os.environ.get("PY_SPY")
    return Path(found) if found else Path(__file__).resolve().parents[2] / ".tools" / "bin" / "py-spy"


async def start(pid: int, *, output: Path, log: Path) -> asyncio.subprocess.Process:
    """Sample `pid` until `finish`; the stacks go to `output`."""
    argv = [str(py_spy_path()), "record", "--pid", str(pid), "--rate", str(RATE), "--format", "raw", "--threads",
            "--nonblocking", "--output", str(output)]
    return await processes.spawn(argv, env=dict(os.environ), log=log)


async def finish(spy: asyncio.subprocess.Process) -> None:
    """py-spy writes its file when interrupted, as after a Ctrl-C."""
    with contextlib.suppress(ProcessLookupError):
        spy.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(spy.wait(), 30.0)
    except TimeoutError:
        await processes.stop(spy, grace=5.0)


def _function(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    return f"{match['name']} ({match['file']})"


def _thread(frame: str) -> tuple[str, str]:
    """`thread (0x7f..): db-write_0` -> ("db-write_0", "0x7f..")."""
    match = _THREAD.match(frame.strip())
    if match is None:
        return frame.strip(), ""
    return (match["name"] or "thread").strip(), match["tid"]


def summarize(raw: Path, seconds: float, top: int = 16) -> str:
    wall = RATE * seconds  # samples a thread busy all the time would have
    per_thread: Counter[str] = Counter()
    thread_ids: dict[str, set[str]] = defaultdict(set)
    own: dict[str, Counter[str]] = defaultdict(Counter)
    inclusive: dict[str, Counter[str]] = defaultdict(Counter)
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        (thread, tid), functions = _thread(frames[0]), [_function(f) for f in frames[1:]]
        per_thread[thread] += count
        thread_ids[thread].add(tid)
        if functions:
            own[thread][functions[-1]] += count
        for function in set(functions):
            inclusive[thread][function] += count
    if not per_thread:
        return "no samples (is py-spy allowed to attach?)"
    busy = sum(per_thread.values()) / wall
    out = [f"{seconds:.0f} s sampled at {RATE}/s: the process kept {busy:.2f} cores busy (shares below are of the "
           "window's wall-clock time)"]
    for thread, samples in per_thread.most_common():
        if samples < 0.02 * wall:
            continue  # threads that barely ran
        many = f" (x{len(thread_ids[thread])})" if len(thread_ids[thread]) > 1 else ""
        out += ["", f"thread {thread}{many}: busy {100 * samples / wall:.0f} % of the window", "  on top of the stack:"]
        out += [f"    {100 * n / wall:5.1f} %  {name}" for name, n in own[thread].most_common(top // 2)]
        out += ["  anywhere on the stack (plumbing left out):"]
        shown = [(name, n) for name, n in inclusive[thread].most_common()
                 if not any(p in name for p in _PLUMBING)][:top]
        out += [f"    {100 * n / wall:5.1f} %  {name}" for name, n in shown]
    return "\n".join(out)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 24))
