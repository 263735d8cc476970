"""Refresh docs/screenshots/ (`make screenshots`): the main pages of the operator portal (desktop) and
of the driver app (phone), from the demo as `make run` starts it, in headless Chromium.

The demo runs in a subprocess on a free port with a throwaway SQLite file and quick sessions, so that
there are running and finished sessions with meter values to show. Nothing comes from the internet:
the map draws its plain background (no tile server). A page that answers 404 does not exist yet: it
is skipped with a note. Any other error is reported and makes the script fail after the rest is saved.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from playwright.sync_api import Error as PlaywrightError

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}
OPERATOR, DRIVER, SLUG = "admin@demo.chargeplane.test", "driver@demo.chargeplane.test", "demo"
# Short sessions with a meter value every second and a half: a finished one within half a minute.
DEMO_TIMING = ["--demo-charge-seconds", "15", "--demo-meter-interval", "1.5", "--demo-idle-seconds", "4"]
KEY = re.compile(r"API key\s+(cpk_\S+)")
LOGIN = re.compile(r"Log in +(\S+@\S+) / (\S+)")


class Demo:
    """`chargeplane serve --demo` in a subprocess; its banner gives the API key and the logins."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CHARGEPLANE_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
               "CHARGEPLANE_PORTAL_MAP_TILES": "", "CHARGEPLANE_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and package
            [sys.executable, "-m", "chargeplane", "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port),
             *DEMO_TIMING], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.output: list[str] = []
        self.api_key, self.logins = self._read_banner()
        # Keep reading, so that the demo never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _read_banner(self) -> tuple[str, dict[str, str]]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if "Ctrl-C stops" in line:
                banner = "".join(self.output)
                key = KEY.search(banner)
                if key is None:
                    break
                return key.group(1), dict(LOGIN.findall(banner))
        raise SystemExit("the demo did not start:\n" + "".join(self.output))

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def api(self, path: str, **params: Any) -> Any:
        response = httpx.get(self.url + path, params=params, timeout=10,
                             headers={"Authorization": f"Bearer {self.api_key}"})
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 90.0) -> Any:
    """The demo works in real time: look every half second until `probe` has something."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


class Shooter:
    def __init__(self, browser: Browser, base_url: str, out: Path) -> None:
        self.browser, self.base_url, self.out = browser, base_url, out
        self.written: list[Path] = []
        self.skipped: list[str] = []
        self.failed: list[str] = []

    def page(self, *, phone: bool) -> Page:
        context = self.browser.new_context(base_url=self.base_url, locale="en-GB", timezone_id="Europe/Tallinn",
                                           viewport=PHONE if phone else DESKTOP, is_mobile=phone, has_touch=phone,
                                           device_scale_factor=2 if phone else 1, service_workers="block")
        context.set_default_timeout(15_000)
        page = context.new_page()
        # What goes wrong in the page's scripts is worth knowing when a map or a chart does not appear.
        page.on("pageerror", lambda error: print(f"  script error on {page.url}: {error}"))
        return page

    def log_in(self, page: Page, email: str, password: str, landing: str) -> None:
        page.goto(f"/t/{SLUG}/login")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(rf"{re.escape(landing)}/?$"))

    def shoot(self, page: Page, name: str, path: str | None = None) -> None:
        """Open `path` (or take the page as it is) and save it as <name>.png: whole on a desktop, the
        screen a phone shows (the app's tab bar stays at the bottom of the screen, not of the page)."""
        if path is not None:
            response = page.goto(path)
            status = response.status if response is not None else 0
            if status == 404:
                self.skipped.append(f"{name} ({path}): 404, not there yet")
                print(f"  skipped {name}: {path} answers 404 (not there yet)")
                return
            if status >= 400:
                self.failed.append(f"{name} ({path}): {status}")
                print(f"  FAILED {name}: {path} answers {status}")
                return
        try:
            settle(page)
        except PlaywrightError as exc:
            self.failed.append(f"{name} ({page.url}): {exc.message.splitlines()[0]}")
            print(f"  FAILED {name}: {exc.message.splitlines()[0]}")
            return
        target = self.out / f"{name}.png"
        page.screenshot(path=str(target), full_page=page.viewport_size != PHONE)
        self.written.append(target)
        print(f"  wrote {target.relative_to(REPO) if target.is_relative_to(REPO) else target}")


def settle(page: Page) -> None:
    """Until what scripts draw is drawn (maps, charts) and the web fonts are in (live parts keep a
    connection open, so the network never goes quiet)."""
    page.wait_for_load_state("load")
    for spec, drawn in (("[data-map]", "[data-map-drawn]"), ("[data-chart]", "[data-chart-drawn]")):
        if page.locator(spec).count():
            page.locator(drawn).first.wait_for(state="attached")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(300)  # the map's markers and popups animate in


def link_to(page: Page, listing: str, object_id: str, fallback: str) -> str:
    """The address of one object as its list page links to it (the fallback when the list has no link)."""
    response = page.goto(listing)
    if response is not None and response.ok:
        links = page.locator(f'a[href*="{object_id}"]')
        if links.count():
            href = links.first.get_attribute("href")
            if href:
                return href
    return fallback


def operator_pages(shooter: Shooter, demo: Demo, charge_point_id: str, session_id: str) -> None:
    page = shooter.page(phone=False)
    shooter.shoot(page, "login", f"/t/{SLUG}/login")
    shooter.log_in(page, OPERATOR, demo.logins[OPERATOR], "/portal")
    charger = link_to(page, "/portal/charge-points", charge_point_id, f"/portal/charge-points/{charge_point_id}")
    session = link_to(page, "/portal/sessions", session_id, f"/portal/sessions/{session_id}")
    for name, path in [("dashboard", "/portal"), ("charge-points", "/portal/charge-points"),
                       ("charge-point", charger), ("sessions", "/portal/sessions"), ("session", session),
                       ("map", "/portal/map"), ("sites", "/portal/sites"), ("cards", "/portal/cards"),
                       ("users", "/portal/users"), ("settings", "/portal/settings"), ("alarms", "/portal/alarms"),
                       ("invoices", "/portal/invoices"), ("reports", "/portal/reports"),
                       ("reports-transactions", "/portal/reports/transactions")]:
        shooter.shoot(page, name, path)
    page.context.close()


def driver_pages(shooter: Shooter, demo: Demo) -> None:
    page = shooter.page(phone=True)
    shooter.shoot(page, "app-login", f"/t/{SLUG}/login")
    shooter.log_in(page, DRIVER, demo.logins[DRIVER], "/app")
    for name, path in [("app-chargers", "/app"), ("app-charging", "/app/charging"), ("app-cards", "/app/cards"),
                       ("app-profile", "/app/profile")]:
        shooter.shoot(page, name, path)
    page.context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where the PNGs go (default {OUT})")
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chargeplane-screenshots-") as folder:
        print("starting the demo...")
        demo = Demo(Path(folder))
        try:
            chargers = wait_for("the demo's chargers to connect", lambda: [
                c for c in demo.api("/api/v1/charge-points")["items"] if c["connected"]])
            finished = wait_for("a finished demo session", lambda: demo.api(
                "/api/v1/sessions", state="completed")["items"])
            charge_point_id = {c["identity"]: c["id"] for c in chargers}.get("DEMO-1", chargers[0]["id"])
            print(f"the demo runs at {demo.url}; taking screenshots into {out}")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                shooter = Shooter(browser, demo.url, out)
                operator_pages(shooter, demo, charge_point_id, finished[0]["id"])
                driver_pages(shooter, demo)
                browser.close()
        finally:
            demo.stop()
    print(f"{len(shooter.written)} written, {len(shooter.skipped)} skipped, {len(shooter.failed)} failed")
    for line in shooter.failed:
        print(f"  failed: {line}")
    return 1 if shooter.failed else 0


if __name__ == "__main__":
    sys.exit(main())
