"""The real app on a real port, in a thread with its own event loop, as chargers and operators see it."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvicorn

from chargeplane.app import Chargeplane
from chargeplane.config import Settings
from chargeplane.domain.clock import Clock
from chargeplane.server import uvicorn_config

T = TypeVar("T")


class RunningApp:
    def __init__(self, settings: Settings, *, clock: Clock | None = None) -> None:
        self.settings = settings
        self.app = Chargeplane(settings, clock=clock)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        config = uvicorn_config(self.app, settings, host="127.0.0.1", port=self.port)
        config.log_level = "warning"
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=f"app-{self.port}", daemon=True)

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self._sock]))

    def start(self) -> RunningApp:
        self._thread.start()
        for _ in range(600):
            if self.server.started:
                return self
            if not self._thread.is_alive():
                raise RuntimeError("the app did not start")
            threading.Event().wait(0.05)
        raise RuntimeError("the app did not start in 30 s")

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the app's own loop (its database, its registry) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def arun(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """The same from an async test, without blocking the test's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))
