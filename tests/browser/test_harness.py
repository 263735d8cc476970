"""What the journeys stand on: simulated chargers that charge on a remote start and meter while they
do, and go offline and back; emailed links; staff who log in; the pages saved when a browser test fails."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.browsers import Chromium, save_failure
from tests.browser.chargers import Chargers
from tests.browser.conftest import BrowserTenant
from tests.browser.mail import ACCEPT_INVITATION, PUBLIC_URL, link_in
from tests.browser.people import log_in, make_staff
from tests.browser.waiting import wait_until
from tests.support.server import RunningApp

ENERGY = "Energy.Active.Import.Register"


def register(tenant: BrowserTenant, password: str) -> dict[str, Any]:
    identity = f"SIM-{uuid.uuid4().hex[:10]}"
    response = tenant.api.post("/api/v1/charge-points", json={"identity": identity, "password": password})
    assert response.status_code == 201, response.text
    charge_point: dict[str, Any] = response.json()
    return charge_point


def get(tenant: BrowserTenant, path: str, **params: Any) -> Any:
    response = tenant.api.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_simulated_charger_charges_on_a_remote_start_meters_live_and_goes_offline_and_back(
        tenant: BrowserTenant, chargers: Chargers) -> None:
    cp = register(tenant, "sim-password-1")
    card = tenant.api.post("/api/v1/id-tokens", json={"uid": f"T{uuid.uuid4().hex[:10].upper()}"}).json()
    chargers.start(cp["identity"], "sim-password-1", meter_interval=0.2)
    assert get(tenant, f"/api/v1/charge-points/{cp['id']}")["connected"] is True

    reply = tenant.api.post(f"/api/v1/charge-points/{cp['id']}/commands/remote-start-transaction",
                            json={"idTag": card["uid"], "connectorId": 1})
    assert reply.status_code == 200 and reply.json() == {"status": "Accepted"}, reply.text
    session = wait_until(lambda: get(tenant, "/api/v1/sessions", charge_point_id=cp["id"], state="active")["items"],
                         what="the remotely started session")[0]
    assert session["id_tag"] == card["uid"]

    def energy_readings() -> list[int]:
        detail = get(tenant, f"/api/v1/sessions/{session['id']}")
        readings = [int(v["value"]) for v in detail["meter_values"] if v["measurand"] == ENERGY
                    and v["context"] == "Sample.Periodic"]
        return readings if len(readings) >= 3 else []

    readings = wait_until(energy_readings, what="three periodic meter values")
    assert readings == sorted(readings) and readings[-1] > readings[0], readings  # 11 kW: Wh by the second

    chargers.offline(cp["identity"])
    wait_until(lambda: not get(tenant, f"/api/v1/charge-points/{cp['id']}")["connected"], what="offline")
    chargers.online(cp["identity"])
    assert get(tenant, f"/api/v1/charge-points/{cp['id']}")["connected"] is True

    chargers.stop(cp["identity"])
    done = wait_until(lambda: get(tenant, "/api/v1/sessions", charge_point_id=cp["id"], state="completed")["items"],
                      what="the session ended by switching the charger off")[0]
    assert done["stop_reason"] == "Other" and done["energy_wh"] >= readings[-1] - readings[0]
    wait_until(lambda: not get(tenant, f"/api/v1/charge-points/{cp['id']}")["connected"], what="switched off")


def test_a_link_is_taken_from_an_email_as_a_path_on_the_app() -> None:
    text = f"Hello,\n\nopen {PUBLIC_URL}/invitations/accept?token=cpi_abc-123 within a day.\n"
    assert link_in(text, ACCEPT_INVITATION) == "/invitations/accept?token=cpi_abc-123"
    with pytest.raises(AssertionError, match="no link to /reset-password"):
        link_in(text, "/reset-password")
    with pytest.raises(AssertionError, match="public address"):
        link_in("https://elsewhere.example/invitations/accept?token=x", ACCEPT_INVITATION)


@pytest.mark.browser
def test_a_failing_page_is_saved_as_a_screenshot_and_html(chromium: Chromium, tmp_path: Path) -> None:
    with chromium.in_use() as browser:
        page = browser.new_page()
        page.set_content("<main><h1>Laadimine</h1></main>")
        image, html = save_failure(page, "tests/browser/x.py::test_y[sqlite]-1", tmp_path)
        page.close()
    assert image.name == "tests_browser_x.py_test_y_sqlite_-1.png"
    assert image.read_bytes().startswith(b"\x89PNG")
    assert "<h1>Laadimine</h1>" in html.read_text()


@pytest.mark.browser
def test_staff_made_for_a_journey_log_in_to_the_portal(running_app: RunningApp, tenant: BrowserTenant,
                                                       page: Page) -> None:
    email = make_staff(running_app, tenant)
    page.goto(f"/t/{tenant.slug}/login")
    log_in(page, email)
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    expect(page.get_by_role("navigation", name="Portal")).to_be_visible()
