"""Batch import of cards from real CSV and XLSX files: everything or nothing, with a report per row."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import httpx
import openpyxl

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API, World, card
from tests.support.tenants import TenantHandle

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_file(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def xlsx_file(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(api: httpx.AsyncClient, content: bytes, name: str = "cards.csv",
                 content_type: str = "text/csv") -> httpx.Response:
    return await api.post(f"{API}/id-tokens/import", files={"file": (name, content, content_type)})


async def all_uids(api: httpx.AsyncClient) -> set[str]:
    return {c["uid"] for c in (await api.get(f"{API}/id-tokens", params={"limit": 500})).json()["items"]}


async def test_csv_import_adds_every_card(world: World) -> None:
    account = await world.account()
    holder = await world.person((Role.DRIVER, account))
    content = csv_file(
        "uid,kind,status,expires_at,contract_id,label,user_email,account_id,parent_uid",
        f"04AA01,physical,accepted,2031-01-01T00:00:00Z,EE-CPL-C00000001-1,Van 1,{holder.email.upper()},{account},",
        "04AA02,,blocked,,,\"Van 2, spare\",,,FLEET",
        ",,,,,,,,",  # blank rows are skipped
        ",virtual,,,,App card,,,",
    )
    response = await upload(world.tenant.api, content)
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 3}
    items = {c["label"]: c for c in (await world.tenant.api.get(f"{API}/id-tokens")).json()["items"]}
    van = items["Van 1"]
    assert (van["uid"], van["status"], van["expires_at"], van["contract_id"], van["user_id"], van["account_id"]) == (
        "04AA01", "accepted", "2031-01-01T00:00:00Z", "EE-CPL-C00000001-1", str(holder.user_id), str(account))
    assert items["Van 2, spare"]["status"] == "blocked" and items["Van 2, spare"]["parent_uid"] == "FLEET"
    assert items["App card"]["kind"] == "virtual" and len(items["App card"]["uid"]) == 20
    entries = [e for e in await world.audit() if e.action == "id_token.import"]
    assert sum(e.after["count"] for e in entries if e.after) == 3


async def test_csv_with_errors_imports_nothing_and_says_where(world: World) -> None:
    await card(world.tenant.api, uid="EXISTING")
    content = csv_file(
        "uid;status;expires_at;contract_id;user_email;account_id",  # a spreadsheet's ";" is understood
        "OK-1;accepted;;;;",
        "existing;;;;;",
        "OK-2;stolen;tomorrow;XX;nobody@example.test;not-a-uuid",
        "ok-1;;;;;",
        ";;;;;",
        "THIS-UID-IS-FAR-TOO-LONG;;;;;",
    )
    response = await upload(world.tenant.api, content)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/import-rejected") and "nothing was imported" in body["detail"]
    found = {(e["row"], e["column"]) for e in body["errors"]}
    assert found == {
        (3, "uid"),  # exists already
        (4, "status"), (4, "expires_at"), (4, "contract_id"), (4, "user_email"), (4, "account_id"),
        (5, "uid"),  # the same as row 2
        (7, "uid"),  # too long
    }
    assert all(e["message"] for e in body["errors"])
    assert await all_uids(world.tenant.api) == {"EXISTING"}


async def test_xlsx_import_and_its_errors(world: World) -> None:
    header = ["uid", "kind", "label", "expires_at", "contract_id"]
    good = xlsx_file([header, [4711, "physical", "Typed as a number", datetime(2032, 5, 1, 12, 0), None],
                      ["04BB02", None, "Plain", None, "SE-ABC-123456789"]])
    response = await upload(world.tenant.api, good, "cards.xlsx", XLSX)
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 2}
    items = {c["uid"]: c for c in (await world.tenant.api.get(f"{API}/id-tokens")).json()["items"]}
    assert items["4711"]["expires_at"] == "2032-05-01T12:00:00Z"  # a spreadsheet's time without zone: UTC
    assert items["04BB02"]["contract_id"] == "SE-ABC-123456789"

    bad = xlsx_file([header, ["04BB03", "physical", "New", None, None], ["04bb02", None, None, None, None],
                     [None, "virtual", "dup contract", None, "se-abc-123456789"],
                     ["04BB04", "virtual", None, None, None]])
    response = await upload(world.tenant.api, bad, "more.XLSX", "application/octet-stream")
    assert response.status_code == 422, response.text
    assert {(e["row"], e["column"]) for e in response.json()["errors"]} == {(3, "uid"), (4, "contract_id"),
                                                                            (5, "uid")}
    assert await all_uids(world.tenant.api) == {"4711", "04BB02"}


async def test_files_that_cannot_be_imported(world: World) -> None:
    api = world.tenant.api
    cases = [
        (b"uid,colour\r\nA,red\r\n", "cards.csv", "text/csv", "colour"),
        (b"", "cards.csv", "text/csv", "empty"),
        (b"uid\r\n", "cards.csv", "text/csv", "no cards"),
        (b"\xff\xfe\x00u", "cards.csv", "text/csv", "UTF-8"),
        (b"PK not really a workbook", "cards.xlsx", XLSX, "XLSX"),
        (b"uid\nA\n", "cards.pdf", "application/pdf", "CSV"),
        (b"uid\n" + b"".join(f"C{i}\n".encode() for i in range(10_001)), "cards.csv", "text/csv", "10000"),
    ]
    for content, name, content_type, words in cases:
        response = await upload(api, content, name, content_type)
        assert response.status_code == 422, (name, response.text)
        assert words in response.json()["detail"], response.json()["detail"]
    huge = await upload(api, b"uid\n" + b"A" * (5 * 1024 * 1024))
    assert huge.status_code == 413 and "5 MiB" in huge.json()["detail"]
    assert (await api.post(f"{API}/id-tokens/import", json={"uid": "A"})).status_code == 422
    assert await all_uids(api) == set()


async def test_import_respects_accounts_and_tenants(world: World, other_tenant: TenantHandle) -> None:
    x = await world.account("X")
    y = await world.account("Y")
    admin = await world.person((Role.ACCOUNT_ADMIN, x))
    y_driver = await world.person((Role.DRIVER, y))
    await card(world.tenant.api, uid="Y-OWNED", account_id=str(y))
    content = csv_file("uid,account_id,user_email", f"X-1,{y},", f"X-2,,{y_driver.email}", "y-owned,,", "X-3,,")
    response = await upload(admin.api, content)
    assert response.status_code == 422
    assert {(e["row"], e["column"]) for e in response.json()["errors"]} == {
        (2, "account_id"), (3, "user_email"), (4, "uid")}
    ok = await upload(admin.api, csv_file("uid", "X-1", "X-2"))
    assert ok.status_code == 201
    assert {c["account_id"] for c in (await admin.api.get(f"{API}/id-tokens")).json()["items"]} == {str(x)}

    # Another tenant has its own cards: the same uid there is another card, and A's stay as they are.
    other = other_tenant.api
    assert (await upload(other, csv_file("uid,status", "Y-OWNED,blocked", "X-1,blocked"))).status_code == 201
    ours = {c["uid"]: c["status"] for c in (await world.tenant.api.get(f"{API}/id-tokens")).json()["items"]}
    assert ours == {"Y-OWNED": "accepted", "X-1": "accepted", "X-2": "accepted"}
    assert await all_uids(other) == {"Y-OWNED", "X-1"}

