"""The transaction detail list (searched, paged) and its exports, CSV and XLSX, read back and compared
with what the JSON list says, over sessions charged through real OCPP."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl  # type: ignore[import-untyped]

from tests.cards.support import API, World, world  # noqa: F401 - the fixture
from tests.reports.scenario import ZONE, build, money, november

RANGE = {"date_from": "2025-11-12", "date_to": "2025-11-13"}


async def _list(world: World, **params: Any) -> list[dict[str, Any]]:  # noqa: F811
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        response = await world.tenant.api.get(f"{API}/reports/transactions",
                                              params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


async def test_the_list_shows_driver_charger_energy_times_and_cost_and_is_searched(world: World) -> None:  # noqa: F811
    scene = await build(world)
    await november(scene)
    every = await _list(world)
    assert len(every) == 6 and len({t["id"] for t in every}) == 6  # three pages of two, none twice
    inside = await _list(world, **RANGE)
    assert {t["id"] for t in inside} == {s.session_id for s in scene.sessions[:4]}
    one_day = await _list(world, date_from="2025-11-13")  # one day alone: that local day
    assert {t["id"] for t in one_day} == {scene.sessions[1].session_id, scene.sessions[3].session_id}
    cdrs = await scene.latest_cdrs()
    first = next(t for t in inside if t["id"] == scene.sessions[0].session_id)
    assert (first["charge_point_identity"], first["serial_number"]) == (scene.chargers["C1"]["identity"], "SN-C1")
    assert (first["id_tag"], first["card_label"], first["driver_id"]) == ("K1", "Blue card", str(scene.driver))
    assert first["energy_wh"] == 10_000 and first["duration_s"] == 20 * 60
    assert first["started_at"] == "2025-11-12T21:30:00Z" and first["currency"] == "EUR"
    assert money(first["cost_incl_vat"]) == money(cdrs[first["id"]]["total_cost"]["incl_vat"]) == Decimal("3.66")

    # Searched by card label, by uid, by charger identity or serial, by driver email.
    assert {t["id_tag"] for t in await _list(world, q="red")} == {"K2"}
    assert {t["id_tag"] for t in await _list(world, q="k3")} == {"K3"}
    assert {t["serial_number"] for t in await _list(world, q="sn-c2")} == {"SN-C2"}
    driver_email = (await world.tenant.api.get(f"{API}/users/{scene.driver}")).json()["email"]
    assert {t["id_tag"] for t in await _list(world, q=driver_email.upper())} == {"K1", "K2"}
    assert await _list(world, q="%") == []  # a wildcard is a character like another
    assert len(await _list(world, charge_point_id=scene.chargers["C2"]["id"])) == 1


async def test_exports_read_back_as_the_list_says(world: World) -> None:  # noqa: F811
    scene = await build(world)
    await november(scene)
    listed = {t["id"]: t for t in await _list(world, **RANGE)}
    zone = ZoneInfo(ZONE)

    response = await world.tenant.api.get(f"{API}/reports/transactions/export", params={**RANGE, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["session_id"] for r in rows} == set(listed)
    for row in rows:
        item = listed[row["session_id"]]
        assert row["charge_point"] == item["charge_point_identity"] and row["serial_number"] == item["serial_number"]
        assert Decimal(row["energy_kwh"]) * 1000 == item["energy_wh"]
        assert Decimal(row["cost_incl_vat"]) == money(item["cost_incl_vat"])
        started = datetime.fromisoformat(row["started_at"])
        assert started.utcoffset() == zone.utcoffset(started.replace(tzinfo=None))  # local time, with offset
        assert started == datetime.fromisoformat(item["started_at"])
    assert {r["card_label"] for r in rows} >= {"'=Pool card"}  # no formula in a spreadsheet

    xlsx = await world.tenant.api.get(f"{API}/reports/transactions/export", params={**RANGE, "format": "xlsx"})
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.headers["content-type"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    header, *cells = list(book.worksheets[0].iter_rows(values_only=True))
    sheet = [dict(zip(header, values, strict=True)) for values in cells]
    assert {r["session_id"] for r in sheet} == set(listed)
    for row in sheet:
        item = listed[row["session_id"]]
        assert Decimal(str(row["energy_kwh"])) * 1000 == item["energy_wh"]
        assert Decimal(str(row["cost_incl_vat"])) == money(item["cost_incl_vat"])
        local = datetime.fromisoformat(item["started_at"]).astimezone(zone).replace(tzinfo=None)
        assert row["started_at"] == local

    usage = await world.tenant.api.get(f"{API}/reports/usage/export", params={**RANGE, "format": "csv",
                                                                              "group_by": "account"})
    table = list(csv.DictReader(io.StringIO(usage.content.decode("utf-8-sig"))))
    assert [(r["period_start"], r["label"], r["sessions"], r["energy_kwh"], r["drivers"], r["EUR_incl_vat"])
            for r in table] == [("2025-11-12", "Fleet A", "1", "10", "1", "3.6600"),
                                ("2025-11-12", "Fleet B", "1", "5", "1", "1.8300"),
                                ("2025-11-13", "Fleet A", "2", "25", "2", "9.1500"),
                                ("total", "", "4", "40", "2", "14.6400")]
    usage_xlsx = await world.tenant.api.get(f"{API}/reports/usage/export", params={**RANGE, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(usage_xlsx.content), read_only=True)
    last = list(book.worksheets[0].iter_rows(values_only=True))[-1]
    assert last[:6] == ("total", None, None, 4, 40, 2) and Decimal(str(last[-1])) == Decimal("14.64")
