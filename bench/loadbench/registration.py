"""Setting up a tenant with N chargers and their cards, the way an operator would: CLI, then REST.

The POSTs go through a minimal HTTP/1.1 client on persistent connections. Measured here, httpx spent
a whole core on ~100 requests/s, so that 10,000 chargers and their cards took over three minutes
with the server two-thirds idle; this client costs a few tens of microseconds per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from loadbench.servers import CHARGEPLANE

CONNECTIONS = 32


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


class JsonPoster:
    """POSTs JSON on one keep-alive connection, one request at a time; returns the status and body.
    It reads bodies by Content-Length, which is how the API answers (no chunked responses)."""

    def __init__(self, host: str, port: int, api_key: str) -> None:
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {api_key}\r\nContent-Type: application/json\r\n"
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: dict[str, str]) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        data = orjson.dumps(body)
        writer.write(f"POST {path} HTTP/1.1\r\n{self.head}Content-Length: {len(data)}\r\n\r\n".encode() + data)
        status_line = await reader.readline()
        if not status_line:
            raise SetupFailed(f"POST {path}: the server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await reader.readexactly(length)
        if close:
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


@dataclass(frozen=True, slots=True)
class Registered:
    requests: int
    seconds: float


async def register(api_url: str, api_key: str, *, identities: Sequence[str], password: str,
                   id_tags: Sequence[str]) -> Registered:
    """POST every charger and card over a few connections. 409 (already there) counts as done."""
    started = time.monotonic()
    parts = urlsplit(api_url)
    assert parts.hostname is not None and parts.port is not None
    requests = [("/api/v1/charge-points", {"identity": i, "password": password}) for i in identities]
    requests += [("/api/v1/id-tokens", {"uid": t}) for t in id_tags]
    pending = iter(requests)

    async def connection() -> None:
        poster = JsonPoster(parts.hostname or "", parts.port or 0, api_key)
        try:
            for path, body in pending:  # shared: each connection takes the next request
                status, payload = await poster.post(path, body)
                if status not in (201, 409):
                    raise SetupFailed(f"POST {path}: HTTP {status}: {payload[:300].decode(errors='replace')}")
        finally:
            await poster.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return Registered(len(requests), time.monotonic() - started)
