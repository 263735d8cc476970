"""Child processes that cannot outlive the benchmark, and what /proc says about them.

Every child (servers, load workers, py-spy) is started in its own session, so that a Ctrl-C in the
terminal reaches only the benchmark, which then stops them in order; and with PR_SET_PDEATHSIG, so
that even a benchmark killed with SIGKILL takes its children with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import resource
import signal
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _die_with_parent() -> None:
    # Runs in the child between fork and exec.
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def raise_open_files_limit() -> int:
    """Each connection is a file descriptor on both sides: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def spawn(argv: Sequence[str], *, env: Mapping[str, str], log: Path, pipes: bool = False,
                stream_limit: int = 2**16) -> asyncio.subprocess.Process:
    """Start a child that dies with us. stderr goes to `log`; stdin/stdout are pipes when `pipes`,
    else /dev/null and `log`."""
    with open(log, "ab") as log_file:  # the child holds its own copy of the descriptor
        return await asyncio.create_subprocess_exec(
            *argv, env=dict(env),
            stdin=asyncio.subprocess.PIPE if pipes else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE if pipes else log_file, stderr=log_file,
            start_new_session=True, preexec_fn=_die_with_parent, limit=stream_limit,
        )


async def stop(process: asyncio.subprocess.Process, *, sig: int = signal.SIGTERM, grace: float = 15.0) -> None:
    """Ask politely, then insist. Safe to call on a process that is already gone."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(sig)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def kill_now(process: asyncio.subprocess.Process) -> None:
    """SIGKILL without waiting: for the last-resort cleanup path."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()


def rss_bytes(pid: int) -> int:
    """Resident set size (VmRSS) of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads included."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


@dataclass(frozen=True, slots=True)
class MachineCpu:
    """Aggregate CPU time of the whole machine, from /proc/stat."""

    busy: float
    total: float

    @classmethod
    def read(cls) -> MachineCpu:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        total = sum(values[:8])  # without guest time, which is already counted in user
        return cls(busy=(total - idle) / _CLOCK_TICKS, total=total / _CLOCK_TICKS)

    def busy_share_since(self, earlier: MachineCpu) -> float:
        """Share of all cores that was busy between two readings (1.0 = every core busy)."""
        total = self.total - earlier.total
        return (self.busy - earlier.busy) / total if total > 0 else 0.0


def now() -> float:
    return time.monotonic()
