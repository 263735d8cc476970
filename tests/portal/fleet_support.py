"""For the fleet pages' tests: chargers put in a chosen state over real OCPP, a charging session with
meter values, reading the numbers a page shows, and a live page's server-sent events."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from tests.support.chargers import RawCharger, now_iso, register_charger
from tests.support.server import RunningApp

NextEvent = Callable[..., Awaitable[str]]


async def status(charger: RawCharger, connector: int, state: str, error: str = "NoError") -> None:
    await charger.result("StatusNotification", {"connectorId": connector, "errorCode": error, "status": state,
                                                "timestamp": now_iso()})


async def charger_in(running: RunningApp, api: httpx.AsyncClient, state: str | None, **fields: Any) -> RawCharger:
    """A registered charger, connected and booted, its connector 1 in `state` (None: connected, no status yet)."""
    cp = await register_charger(api, **fields)
    charger = await RawCharger.connect(running.ws_url, cp["identity"])
    charger.cp_id = cp["id"]
    await charger.boot()
    if state is not None:
        await status(charger, 1, state, "GroundFailure" if state == "Faulted" else "NoError")
    return charger


async def start_charging(charger: RawCharger, *, id_tag: str, meter_start: int, register: int,
                         power_w: int | None) -> int:
    """A transaction on connector 1 and one MeterValues (the import register, and the power if given)."""
    started = await charger.result("StartTransaction", {"connectorId": 1, "idTag": id_tag, "meterStart": meter_start,
                                                         "timestamp": now_iso()})
    transaction: int = started["transactionId"]
    values: list[dict[str, Any]] = [{"value": str(register), "measurand": "Energy.Active.Import.Register",
                                     "unit": "Wh"}]
    if power_w is not None:
        values.append({"value": str(power_w), "measurand": "Power.Active.Import", "unit": "W"})
    await charger.result("MeterValues", {"connectorId": 1, "transactionId": transaction,
                                         "meterValue": [{"timestamp": now_iso(), "sampledValue": values}]})
    return transaction


def metric(html: str, name: str) -> str:
    found = re.search(rf'data-metric="{name}">([^<]*)<', html)
    assert found, f"no {name} on the page"
    return found.group(1)


def count_of(html: str, state: str) -> int | None:
    """The dashboard's number of chargers in `state` (None when the page does not show that state)."""
    found = re.search(rf'data-state="{state}">\s*<a[^>]*>\s*<span class="metric">([\d,]+)</span>', html)
    return int(found.group(1).replace(",", "")) if found else None


@contextlib.asynccontextmanager
async def events(client: httpx.AsyncClient, path: str) -> AsyncIterator[NextEvent]:
    """Open a live page's stream; `await next_event(timeout)` gives the HTML of the next `update`."""
    async with client.stream("GET", path, timeout=httpx.Timeout(30, read=None)) as response:
        assert response.status_code == 200, response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()

        async def read() -> str:
            data: list[str] = []
            async for line in lines:
                if line.startswith("data: "):
                    data.append(line[len("data: "):])
                elif line == "" and data:
                    return "\n".join(data)
            raise AssertionError("the stream ended")

        async def next_event(timeout: float = 5.0) -> str:
            return await asyncio.wait_for(read(), timeout)

        yield next_event


async def next_matching(next_event: NextEvent, check: Callable[[str], object], timeout: float = 5.0) -> str:
    """The next update for which `check` holds (a page may change in steps: last seen, then the state)."""
    deadline = time.monotonic() + timeout
    while True:
        html = await next_event(max(0.01, deadline - time.monotonic()))
        if check(html):
            return html
