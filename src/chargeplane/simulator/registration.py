"""Registering simulated chargers and their id tag with a central system through its REST API.

The standard library's HTTP client is enough for a few POSTs, and keeps the simulator free of a
runtime dependency the server does not need.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import orjson

# The server hashes each new charger's password with Argon2 (slow on purpose): a few at a time.
PARALLEL_REQUESTS = 8


class RegistrationFailed(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Registered:
    created: int
    existing: int


def api_url_from_ocpp_url(ocpp_url: str) -> str:
    """ws://host:port/ocpp -> http://host:port (wss -> https)."""
    parts = urlsplit(ocpp_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, "", "", ""))


def _post(api_url: str, api_key: str, path: str, body: dict[str, str]) -> bool:
    """True if created, False if it was already there (409)."""
    url = f"{api_url.rstrip('/')}/api/v1/{path}"
    if urlsplit(url).scheme not in ("http", "https"):
        raise RegistrationFailed(f"the API URL must be http(s): {api_url}")
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json",
               "Accept": "application/json"}
    request = urllib.request.Request(url, data=orjson.dumps(body), method="POST",  # noqa: S310 - checked above
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - scheme checked above
            return bool(200 <= response.status < 300)
    except urllib.error.HTTPError as exc:
        if exc.code == 409:
            return False
        detail = exc.read().decode("utf-8", errors="replace")[:300]
        raise RegistrationFailed(f"POST /api/v1/{path}: HTTP {exc.code}: {detail}") from None
    except urllib.error.URLError as exc:
        raise RegistrationFailed(f"POST /api/v1/{path}: {exc.reason}") from None


def _register(api_url: str, api_key: str, identities: list[str], password: str, id_tags: list[str]
              ) -> Registered:
    with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
        chargers = list(pool.map(lambda identity: _post(api_url, api_key, "charge-points",
                                                        {"identity": identity, "password": password}),
                                 identities))
        tags = list(pool.map(lambda uid: _post(api_url, api_key, "id-tokens", {"uid": uid}), id_tags))
    created = sum(chargers) + sum(tags)
    return Registered(created=created, existing=len(chargers) + len(tags) - created)


async def register(api_url: str, api_key: str, *, identities: list[str], password: str,
                   id_tags: list[str]) -> Registered:
    """Create the charge points (with `password`) and the id tags; those already there are left as they are."""
    return await asyncio.to_thread(_register, api_url, api_key, identities, password, sorted(set(id_tags)))
