"""The operator's side of the OCPP tests (REST API calls) and small waiting helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any, TypeVar

import httpx
import orjson

from tests.support.chargers import RawCharger, now_iso

T = TypeVar("T")

API = "/api/v1"


async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float = 5.0,
                     what: str = "the condition") -> T:
    """Poll `check` until it returns something other than None/False; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        await asyncio.sleep(0.02)


def parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"{value} has no time zone"
    return parsed.astimezone(UTC)


async def add_token(api: httpx.AsyncClient, uid: str, **fields: Any) -> dict[str, Any]:
    response = await api.post(f"{API}/id-tokens", json={"uid": uid, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_charge_point(api: httpx.AsyncClient, cp_id: str) -> dict[str, Any]:
    response = await api.get(f"{API}/charge-points/{cp_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def connectors(api: httpx.AsyncClient, cp_id: str) -> dict[int, dict[str, Any]]:
    return {c["connector_id"]: c for c in (await get_charge_point(api, cp_id))["connectors"]}


async def list_sessions(api: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(f"{API}/sessions", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def get_session(api: httpx.AsyncClient, session_id: str) -> dict[str, Any]:
    response = await api.get(f"{API}/sessions/{session_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def session_of(api: httpx.AsyncClient, cp_id: str, transaction_id: int) -> dict[str, Any]:
    """The session (with its meter values) a charger's transactionId belongs to."""
    found = [s for s in await list_sessions(api, charge_point_id=cp_id) if s["transaction_id"] == transaction_id]
    assert len(found) == 1, f"{len(found)} sessions with transactionId {transaction_id}"
    return await get_session(api, found[0]["id"])


async def command(api: httpx.AsyncClient, cp_id: str, action: str, payload: Any = None,
                  timeout: float | None = None) -> httpx.Response:
    params = {"timeout": timeout} if timeout is not None else None
    return await api.post(f"{API}/charge-points/{cp_id}/commands/{action}", json=payload, params=params)


async def start(charger: RawCharger, *, id_tag: str, connector: int = 1, meter_start: int = 0,
                timestamp: str | None = None, **extra: Any) -> dict[str, Any]:
    return await charger.result("StartTransaction", {"connectorId": connector, "idTag": id_tag,
                                                     "meterStart": meter_start,
                                                     "timestamp": timestamp or now_iso(), **extra})


async def stop(charger: RawCharger, *, transaction_id: int, meter_stop: int, timestamp: str | None = None,
               **extra: Any) -> dict[str, Any]:
    return await charger.result("StopTransaction", {"transactionId": transaction_id, "meterStop": meter_stop,
                                                    "timestamp": timestamp or now_iso(), **extra})


def status_payload(connector: int, status: str, error_code: str = "NoError", **extra: Any) -> dict[str, Any]:
    return {"connectorId": connector, "status": status, "errorCode": error_code, **extra}


def v16_schema(name: str) -> dict[str, Any]:
    """One of the OCPP 1.6 JSON schemas the `ocpp` package ships (the specification's own lists)."""
    schema: dict[str, Any] = orjson.loads((resources.files("ocpp.v16") / "schemas" / f"{name}.json").read_bytes())
    return schema


def sampled_value_enums() -> dict[str, list[str]]:
    """Every allowed value of each sampledValue field: context, format, measurand, phase, location, unit."""
    properties = v16_schema("MeterValues")["properties"]["meterValue"]["items"]["properties"]
    fields = properties["sampledValue"]["items"]["properties"]
    return {name: spec["enum"] for name, spec in fields.items() if "enum" in spec}
