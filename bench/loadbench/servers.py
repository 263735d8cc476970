"""The servers under test, each a child process on a free port: `chargeplane serve` and the bare one."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

import httpx

from loadbench import gcpauses, processes

BENCH_DIR = Path(__file__).resolve().parent.parent
CHARGEPLANE = Path(sys.executable).parent / "chargeplane"  # the venv's console script
START_TIMEOUT = 120.0


class ServerFailed(Exception):
    pass


class Server:
    """Started by `async with`; stopped (or found dead) when the block ends, whatever happens in it."""

    label = "server"

    def __init__(self, *, argv: list[str], env: dict[str, str], run_dir: Path, name: str) -> None:
        self.port = processes.free_port()
        self.log = run_dir / f"{name}.log"
        self.gc_report = run_dir / f"{name}-gc.json"
        self._argv = argv
        self._env = gcpauses.probe_env(env, self.gc_report)
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> Server:
        self.process = await processes.spawn([*self._argv], env=self._env, log=self.log)
        try:
            await self._wait_ready()
        except BaseException:
            await processes.stop(self.process, grace=5.0)
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.process is not None:
            # Closing thousands of sockets and the database takes a while; then it is killed.
            await processes.stop(self.process, sig=signal.SIGTERM, grace=60.0)

    async def kill(self) -> None:
        """SIGKILL, as a crash would: nothing is flushed or closed."""
        assert self.process is not None
        processes.kill_now(self.process)
        await self.process.wait()

    async def _wait_ready(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        while loop.time() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise ServerFailed(f"{self.label} exited with {self.process.returncode} at start:\n{self._log_tail()}")
            if await self._ready():
                return
            await asyncio.sleep(0.2)
        raise ServerFailed(f"{self.label} did not start within {START_TIMEOUT:g} s:\n{self._log_tail()}")

    async def _ready(self) -> bool:
        raise NotImplementedError

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    async def gc_pauses(self) -> dict[str, Any] | None:
        return await gcpauses.read_and_reset(self.pid, self.gc_report)

    async def full_collection(self) -> dict[str, Any] | None:
        return await gcpauses.full_collection(self.pid, self.gc_report)


class ChargeplaneServer(Server):
    label = "chargeplane"

    def __init__(self, *, env: dict[str, str], run_dir: Path, name: str) -> None:
        super().__init__(argv=[], env=env, run_dir=run_dir, name=name)
        self._argv = [str(CHARGEPLANE), "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    async def _ready(self) -> bool:
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                response = await client.get(f"{self.api_url}/health")
            return response.status_code == 200
        except httpx.HTTPError:
            return False


class BareServer(Server):
    label = "bare"

    def __init__(self, *, env: dict[str, str], run_dir: Path, name: str, heartbeat_interval: int) -> None:
        super().__init__(argv=[], env=env, run_dir=run_dir, name=name)
        self._argv = [sys.executable, str(BENCH_DIR / "bare_server.py"), "--port", str(self.port),
                      "--heartbeat-interval", str(heartbeat_interval)]

    async def _ready(self) -> bool:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.close()
        await writer.wait_closed()
        return True
