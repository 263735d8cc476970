"""`chargeplane serve --demo` as a user starts it: a subprocess on a free port with its own SQLite file."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.simulator.support import eventually

KEY = re.compile(r"API key\s+(cpk_[A-Za-z0-9_\-]+)")
LOGIN = re.compile(r"Log in +(\S+@\S+) / (\S+)")
BANNER_END = re.compile(r"Ctrl-C stops")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Demo:
    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.base_url = f"http://127.0.0.1:{port}"
        self.output: list[str] = []

    @classmethod
    async def start(cls, database: Path, port: int) -> Demo:
        env = {**os.environ, "CHARGEPLANE_DATABASE_URL": f"sqlite:///{database}", "CHARGEPLANE_LOG_LEVEL": "WARNING",
               "CHARGEPLANE_PASSWORD_HASH_MEMORY_KIB": "1024", "CHARGEPLANE_PASSWORD_HASH_TIME_COST": "1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "chargeplane", "serve", "--demo", "--host", "127.0.0.1", "--port", str(port),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)
        return cls(process, port)

    async def read_until(self, pattern: re.Pattern[str], timeout: float = 30) -> re.Match[str]:
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.process.stdout.readline()).decode()
                if not line:
                    raise AssertionError("the demo ended early:\n" + "".join(self.output))
                self.output.append(line)
                found = pattern.search(line)
                if found:
                    return found

    async def stop(self) -> int:
        """Ctrl-C, then wait for it to finish; returns the exit code."""
        self.process.send_signal(signal.SIGINT)
        assert self.process.stdout is not None
        rest, _ = await asyncio.wait_for(self.process.communicate(), 30)
        self.output.append(rest.decode())
        return int(self.process.returncode or 0)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


async def _get(api: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(path, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_serve_demo_prints_a_working_key_and_its_chargers_charge(tmp_path: Path) -> None:
    database, port = tmp_path / "demo.db", _free_port()
    demo = await Demo.start(database, port)
    try:
        await demo.read_until(BANNER_END)
        banner = "".join(demo.output)
        found = KEY.search(banner)
        assert found, banner
        key = found.group(1)
        assert f"http://127.0.0.1:{port}/api/v1/docs" in banner
        assert f"ws://127.0.0.1:{port}/ocpp/{{identity}}" in banner
        assert banner.count("curl ") == 3
        logins = dict(LOGIN.findall(banner))
        assert set(logins) == {"admin@demo.chargeplane.test", "driver@demo.chargeplane.test"}
        await _driver_sees_the_chargers(demo.base_url, "driver@demo.chargeplane.test",
                                        logins["driver@demo.chargeplane.test"])
        async with httpx.AsyncClient(base_url=demo.base_url, headers={"Authorization": f"Bearer {key}"},
                                     timeout=10) as api:
            async def all_connected() -> list[dict[str, Any]] | None:
                chargers = await _get(api, "/api/v1/charge-points")
                return chargers if len(chargers) == 3 and all(c["connected"] for c in chargers) else None

            chargers = await eventually(all_connected, timeout=30, what="DEMO-1..3 connected")
            assert sorted(c["identity"] for c in chargers) == ["DEMO-1", "DEMO-2", "DEMO-3"]
            await eventually(lambda: _get(api, "/api/v1/sessions", state="active"), timeout=30,
                             what="a demo session")
            docs = await api.get("/api/v1/docs")
            assert docs.status_code == 200
        # The portal's login page, in the demo tenant's brand, offering the five languages.
        assert f"http://127.0.0.1:{port}/t/demo/login" in banner
        async with httpx.AsyncClient(base_url=demo.base_url, timeout=10) as browser:
            login = await browser.get("/t/demo/login")
            assert login.status_code == 200 and 'action="/t/demo/login"' in login.text
            assert all(f'value="{code}"' in login.text for code in ("en", "et", "lt", "nb", "sv"))
        assert await demo.stop() == 0
        assert "stopping the demo" in "".join(demo.output)
    finally:
        demo.kill()

    # Again on the same database: the demo set-up is found and refreshed (new key, new passwords) ...
    again = await Demo.start(database, port)
    try:
        new_key = (await again.read_until(KEY)).group(1)
        assert new_key != key
        async with httpx.AsyncClient(base_url=again.base_url, headers={"Authorization": f"Bearer {new_key}"},
                                     timeout=10) as api:
            # ... and the first run's sessions were ended properly at Ctrl-C, not left to be interrupted.
            sessions = await _get(api, "/api/v1/sessions", state="completed")
            assert len(sessions) == 3 and {s["stop_reason"] for s in sessions} == {"Other"}
            assert all(s["status"] == "normal" for s in sessions)
            # ... each with a charge detail record priced from the cooperative's tariffs: visitors
            # (DEMO-TAG-2, -3) pay at least the start fee with VAT.
            cdrs = (await api.get("/api/v1/cdrs")).json()["items"]
            assert sorted(c["session_id"] for c in cdrs) == sorted(s["id"] for s in sessions)
            visitors = [c for c in cdrs if c["id_tag"] != "DEMO-TAG-1"]
            assert len(visitors) == 2
            assert all(Decimal(str(c["total_cost"]["incl_vat"])) >= Decimal("0.61") for c in visitors)
            chargers = await eventually(lambda: _connected_count(api, 3), timeout=30, what="the chargers again")
            assert chargers
        assert await again.stop() == 0
    finally:
        again.kill()


async def _driver_sees_the_chargers(base_url: str, email: str, password: str) -> None:
    """The printed driver logs in and sees the cooperative's chargers it belongs to in the app."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        login = await client.post("/api/v1/auth/login", json={"tenant": "demo", "email": email, "password": password,
                                                               "kind": "bearer"})
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        mine = await client.get("/api/v1/me/charge-points", headers={"Authorization": f"Bearer {token}"})
        assert mine.status_code == 200, mine.text
        body = mine.json()
        items = body["items"] if isinstance(body, dict) else body
        assert sorted(c["identity"] for c in items) == ["DEMO-1", "DEMO-2", "DEMO-3"]
        cards = await client.get("/api/v1/me/cards", headers={"Authorization": f"Bearer {token}"})
        assert cards.status_code == 200, cards.text
        card_body = cards.json()
        card_items = card_body["items"] if isinstance(card_body, dict) else card_body
        assert [c["uid"] for c in card_items] == ["DEMO-TAG-1"]
        # A member of the cooperative pays its members' price, not the visitors'.
        price = await client.get(f"/api/v1/me/charge-points/{items[0]['id']}/price",
                                 headers={"Authorization": f"Bearer {token}"})
        assert price.status_code == 200, price.text
        assert "€0.244 per kWh" in price.json()["summary"] and price.json()["currency"] == "EUR"


async def _connected_count(api: httpx.AsyncClient, wanted: int) -> bool:
    chargers = await _get(api, "/api/v1/charge-points")
    return len(chargers) == wanted and all(c["connected"] for c in chargers)
