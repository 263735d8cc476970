"""Setting up a tenant with N chargers and their cards, the way an operator would: CLI, then REST."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from loadbench.servers import CHARGEPLANE

CONCURRENT_REQUESTS = 64


class SetupFailed(Exception):
    pass


async def create_tenant(env: dict[str, str], log: Path) -> str:
    """`chargeplane admin create-tenant`; returns the tenant's API key."""
    process = await asyncio.create_subprocess_exec(
        str(CHARGEPLANE), "admin", "create-tenant", "--name", "Benchmark", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await process.communicate()
    log.write_bytes(stderr)
    if process.returncode != 0:
        raise SetupFailed(f"create-tenant failed ({process.returncode}): {stderr.decode(errors='replace')[-2000:]}")
    api_key: str = orjson.loads(stdout)["api_key"]
    return api_key


@dataclass(frozen=True, slots=True)
class Registered:
    requests: int
    seconds: float


async def register(api_url: str, api_key: str, *, identities: Sequence[str], password: str,
                   id_tags: Sequence[str]) -> Registered:
    """POST every charger and card, many at a time. 409 (already there) counts as done."""
    started = time.monotonic()
    limits = httpx.Limits(max_connections=CONCURRENT_REQUESTS, max_keepalive_connections=CONCURRENT_REQUESTS)
    headers = {"Authorization": f"Bearer {api_key}"}
    slots = asyncio.Semaphore(CONCURRENT_REQUESTS)
    async with httpx.AsyncClient(base_url=f"{api_url}/api/v1", headers=headers, limits=limits,
                                 timeout=120.0) as client:

        async def post(path: str, body: dict[str, str]) -> None:
            async with slots:
                response = await client.post(path, json=body)
            if response.status_code not in (201, 409):
                raise SetupFailed(f"POST {path}: HTTP {response.status_code}: {response.text[:300]}")

        await asyncio.gather(
            *(post("/charge-points", {"identity": i, "password": password}) for i in identities),
            *(post("/id-tokens", {"uid": t}) for t in id_tags),
        )
    return Registered(len(identities) + len(id_tags), time.monotonic() - started)
