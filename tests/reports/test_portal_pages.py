"""The portal's reports area: the summary with its range, grouping and downloads, the transaction list
searched and downloaded, in the operator navigation, translated, and within the viewer's reach."""

from __future__ import annotations

import csv
import io
import re

import openpyxl  # type: ignore[import-untyped]

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import World, world  # noqa: F401 - the fixture
from tests.portal.support import open_for_people, portal_user
from tests.reports.scenario import build, november

RANGE = "date_from=2025-11-12&date_to=2025-11-13"


def _cells(html: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in rows]


async def test_summary_and_transactions_pages_and_downloads(world: World) -> None:  # noqa: F811
    scene = await build(world)
    await november(scene)
    await open_for_people(world.app, world.tenant.id)  # every language offered
    admin = await portal_user(world.app, world.tenant.id, world.tenant.slug, roles=[(Role.TENANT_ADMIN, None)])
    c1, c2 = scene.chargers["C1"]["identity"], scene.chargers["C2"]["identity"]
    try:
        page = await admin.portal.get(f"/portal/reports?{RANGE}&group_by=charge_point&period=day")
        assert page.status_code == 200 and 'href="/portal/reports" aria-current="page"' in page.text
        rows = _cells(page.text)
        assert sorted(row[:5] for row in rows if len(row) > 1 and row[1] in (c1, c2)) == sorted([
            ["12 Nov 2025", c1, "1", "10.000 kWh", "1"], ["12 Nov 2025", c2, "1", "5.000 kWh", "1"],
            ["13 Nov 2025", c1, "2", "25.000 kWh", "2"]])
        assert rows[-1][:1] == ["Total"] and rows[-1][2:5] == ["4", "40.000 kWh", "2"]
        assert "14.64" in rows[-1][-1]

        download = await admin.portal.get(f"/portal/reports/usage.csv?{RANGE}&group_by=account&period=month")
        table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert [(r["label"], r["sessions"]) for r in table] == [("Fleet A", "3"), ("Fleet B", "1"), ("", "4")]
        xlsx = await admin.portal.get(f"/portal/reports/usage.xlsx?{RANGE}&group_by=site")
        sheet = list(openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).worksheets[0]
                     .iter_rows(values_only=True))
        assert sheet[-1][:4] == ("total", None, None, 4)

        bad = await admin.portal.get("/portal/reports?date_from=2025-11-13&date_to=2025-11-12")
        assert bad.status_code == 200 and "the range ends before it starts" in bad.text

        found = await admin.portal.get("/portal/reports/transactions?q=red+card")
        assert found.status_code == 200
        assert f"/portal/sessions/{scene.sessions[1].session_id}" in found.text and "SN-C1" in found.text
        assert found.text.count('<td><a href="/portal/sessions/') == 1
        every = await admin.portal.get(f"/portal/reports/transactions.csv?{RANGE}")
        assert len(list(csv.DictReader(io.StringIO(every.content.decode("utf-8-sig"))))) == 4
        one = await admin.portal.get("/portal/reports/transactions.xlsx?q=K3")
        sheet = list(openpyxl.load_workbook(io.BytesIO(one.content), read_only=True).worksheets[0]
                     .iter_rows(values_only=True))
        assert [row[4] for row in sheet[1:]] == ["K3", "K3"]

        assert (await admin.portal.post("/language", {"language": "et", "next": "/portal"})).status_code in (200, 303)
        estonian = await admin.portal.get(f"/portal/reports?{RANGE}")
        assert "Kasutus ja tulu" in estonian.text and "Aruanded" in estonian.text
    finally:
        await admin.portal.aclose()
        await admin.person.api.aclose()

    member = await portal_user(world.app, world.tenant.id, world.tenant.slug,
                               roles=[(Role.ACCOUNT_MEMBER, scene.accounts["B"])])
    driver = await portal_user(world.app, world.tenant.id, world.tenant.slug,
                               roles=[(Role.DRIVER, scene.accounts["A"])])
    try:
        theirs = await member.portal.get(f"/portal/reports?{RANGE}")
        assert c2 in theirs.text and c1 not in theirs.text
        listed = await member.portal.get("/portal/reports/transactions.csv")
        assert {r["charge_point"] for r in csv.DictReader(io.StringIO(listed.content.decode("utf-8-sig")))} == {c2}
        assert (await driver.portal.get("/portal/reports")).status_code in (403, 303)
    finally:
        for person in (member, driver):
            await person.portal.aclose()
            await person.person.api.aclose()
