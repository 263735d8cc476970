"""Sampling the server with py-spy during the sustained phase, and reading the samples.

py-spy records with --idle, so that each thread's samples add up to its wall-clock time: a share
below is "of the time", and a thread that waits shows it (the event loop in epoll, the database
writer waiting for its next batch). py-spy's raw format is one collapsed stack per line,
`thread (tid);outer (file:line);...;inner (file:line) N`.

    PYTHONPATH=bench .venv/bin/python -m loadbench.profiling RAW_FILE [TOP]   prints the summary again
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from loadbench import processes

_FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
_THREAD_ID = re.compile(r"\s*\(0x[0-9a-f]+\)|\s*\(\d+\)")
_PLUMBING = ("(threading.py)", "(concurrent/futures/thread.py)", "(asyncio/runners.py)", "(uvicorn/_compat.py)",
             "(uvicorn/server.py)", "(chargeplane/cli.py)", "(chargeplane/server.py)", "<module>")


def py_spy_path() -> Path:
    """$PY_SPY, else the project's own .tools/bin/py-spy."""
    found = os.environ.get("PY_SPY")
    return Path(found) if found else Path(__file__).resolve().parents[2] / ".tools" / "bin" / "py-spy"


async def record(pid: int, *, seconds: float, output: Path, log: Path,
                 rate: int = 100) -> asyncio.subprocess.Process:
    """Start sampling `pid` for `seconds`; returns the py-spy process, which the caller waits for."""
    argv = [str(py_spy_path()), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
            "--rate", str(rate), "--format", "raw", "--threads", "--idle", "--nonblocking",
            "--output", str(output)]
    return await processes.spawn(argv, env=dict(os.environ), log=log)


def _function(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    return f"{match['name']} ({match['file']})"


def _thread(frame: str) -> str:
    """`thread (0x7f..): db-write_0` -> `db-write_0`."""
    name = _THREAD_ID.sub("", frame).strip().removeprefix("thread").strip().lstrip(":").strip()
    return name or frame


def _plumbing(function: str) -> bool:
    """Frames under every sample of a thread (thread start, the event loop's run, the CLI)."""
    return any(part in function for part in _PLUMBING)


def summarize(raw: Path, top: int = 20) -> str:
    per_thread: Counter[str] = Counter()
    own: dict[str, Counter[str]] = defaultdict(Counter)
    inclusive: dict[str, Counter[str]] = defaultdict(Counter)
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread, functions = _thread(frames[0]), [_function(f) for f in frames[1:]]
        per_thread[thread] += count
        if functions:
            own[thread][functions[-1]] += count
        for function in set(functions):
            inclusive[thread][function] += count
    if not per_thread:
        return "no samples (is py-spy allowed to attach?)"
    out: list[str] = []
    for thread, samples in per_thread.most_common():
        if samples < 0.05 * max(per_thread.values()):
            continue  # threads that barely ran (idle readers, py-spy's own view of the GC...)
        out += [f"thread {thread}: {samples} samples = 100 % of its wall-clock time", "  on top of the stack (self):"]
        out += [f"    {100 * n / samples:5.1f} %  {name}" for name, n in own[thread].most_common(top // 2)]
        out += ["  anywhere on the stack (inclusive; thread and event-loop plumbing left out):"]
        shown = [(name, n) for name, n in inclusive[thread].most_common() if not _plumbing(name)][:top]
        out += [f"    {100 * n / samples:5.1f} %  {name}" for name, n in shown]
        out.append("")
    return "\n".join(out).rstrip()


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30))
