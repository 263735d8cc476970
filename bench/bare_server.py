"""The reference point: a bare Python WebSocket server that parses OCPP-J frames and answers them.

No authentication, no validation, no storage: `websockets`' asyncio server, orjson, a dict lookup.
Whatever chargeplane does per message costs on top of this. It runs with the same event loop
(uvloop) and the same collector settings as `chargeplane serve`, so that the difference measured is
the product's own work.

    .venv/bin/python bench/bare_server.py --port 9000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from chargeplane.server import tune_gc

CALL, CALLRESULT = 2, 3
ACCEPTED = {"status": "Accepted"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Answers:
    """A plausible CALLRESULT payload per action. Authorize and StartTransaction carry an accepted
    idTagInfo because a charger (our simulator included) stops charging without one."""

    def __init__(self, heartbeat_interval: int) -> None:
        self._transaction_ids = itertools.count(1)
        self._by_action: dict[str, Callable[[], dict[str, Any]]] = {
            "BootNotification": lambda: {"status": "Accepted", "currentTime": _now(), "interval": heartbeat_interval},
            "Heartbeat": lambda: {"currentTime": _now()},
            "Authorize": lambda: {"idTagInfo": ACCEPTED},
            "StartTransaction": lambda: {"transactionId": next(self._transaction_ids), "idTagInfo": ACCEPTED},
        }

    def payload(self, action: Any) -> dict[str, Any]:
        make = self._by_action.get(action)
        return make() if make is not None else {}


async def _serve_charger(ws: ServerConnection, answers: Answers) -> None:
    with contextlib.suppress(ConnectionClosed):
        while True:
            data = await ws.recv(decode=False)  # bytes: orjson parses them without a UTF-8 decode first
            try:
                frame = orjson.loads(data)
            except orjson.JSONDecodeError:
                continue
            if type(frame) is list and len(frame) == 4 and frame[0] == CALL:
                # orjson's bytes go out as a text frame, as OCPP-J wants, without decoding them.
                await ws.send(orjson.dumps([CALLRESULT, frame[1], answers.payload(frame[2])]), text=True)
            # CALLRESULTs and CALLERRORs to us: this server never calls, so there is nothing to match.


async def main(host: str, port: int, heartbeat_interval: int, default_gc: bool) -> None:
    answers = Answers(heartbeat_interval)

    async def handler(ws: ServerConnection) -> None:
        await _serve_charger(ws, answers)

    if not default_gc:
        # The settings chargeplane's server uses (server.tune_gc, app.Chargeplane.start).
        tune_gc()
    async with serve(handler, host, port, subprotocols=[Subprotocol("ocpp1.6")], compression=None,
                     ping_interval=30.0, ping_timeout=30.0, max_size=256 * 1024, backlog=4096):
        if not default_gc:
            gc.collect()
            gc.freeze()
        print(f"bare OCPP server on ws://{host}:{port}/ocpp", flush=True)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stopping.set)
        await stopping.wait()


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--heartbeat-interval", type=int, default=300, help="seconds, sent in BootNotification")
    parser.add_argument("--default-gc", action="store_true",
                        help="keep Python's default collector thresholds and do not freeze start-up objects")
    parser.add_argument("--asyncio-loop", action="store_true", help="the standard event loop instead of uvloop")
    args = parser.parse_args()
    coro = main(args.host, args.port, args.heartbeat_interval, args.default_gc)
    if args.asyncio_loop:
        asyncio.run(coro)
    else:
        import uvloop

        uvloop.run(coro)


if __name__ == "__main__":
    run()
