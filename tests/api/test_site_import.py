"""`POST /api/v1/sites/import`: sites from a CSV or XLSX file, every row or none, problems by row."""

from __future__ import annotations

import httpx

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import World
from tests.cards.test_import import csv_file, xlsx_file
from tests.portal.org_support import API, XLSX, org_world

__all__ = ["org_world"]


async def upload(api: httpx.AsyncClient, content: bytes, name: str = "sites.csv",
                 content_type: str = "text/csv") -> httpx.Response:
    return await api.post(f"{API}/sites/import", files={"file": (name, content, content_type)})


async def site_names(api: httpx.AsyncClient) -> set[str]:
    return {s["name"] for s in (await api.get(f"{API}/sites")).json()}


async def test_an_import_adds_every_site(world: World) -> None:
    api = world.tenant.api
    account = await world.account()
    response = await upload(api, xlsx_file([
        ["name", "address", "latitude", "longitude", "time_zone", "account_id"],
        ["Port", "Sadama 1", 59.44, 24.76, "Europe/Tallinn", str(account)],
        [None, None, None, None, None, None],  # blank rows are skipped
        ["Airport", None, 59.41, 24.83, None, None],
    ]), "sites.xlsx", XLSX)
    assert response.status_code == 201, response.text
    assert response.json() == {"imported": 2}
    sites = {s["name"]: s for s in (await api.get(f"{API}/sites")).json()}
    assert (sites["Port"]["address"], sites["Port"]["latitude"], sites["Port"]["time_zone"],
            sites["Port"]["account_id"]) == ("Sadama 1", 59.44, "Europe/Tallinn", str(account))
    assert sites["Airport"]["time_zone"] == "UTC" and sites["Airport"]["account_id"] is None
    created = [e for e in await world.audit() if e.action == "site.create"]
    assert len(created) == 2


async def test_a_file_with_problems_imports_nothing_and_says_where(world: World) -> None:
    api = world.tenant.api
    response = await upload(api, csv_file(
        "name,latitude,longitude,time_zone,account_id",
        "Fine,1,2,UTC,",
        ",100,2,UTC,",
        "Lost,1,2,Atlantis/Capital,not-an-id",
        "Stranger,1,2,UTC,00000000-0000-0000-0000-000000000001",
    ))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/import-rejected") and "nothing was imported" in body["detail"]
    assert {(e["row"], e["column"]) for e in body["errors"]} == {
        (3, "name"), (3, "latitude"), (4, "time_zone"), (4, "account_id"), (5, "account_id")}
    assert await site_names(api) == set()
    unknown = await upload(api, csv_file("name,colour", "A,red"))
    assert unknown.status_code == 422 and "colour" in unknown.json()["detail"]
    huge = await upload(api, b"name\n" + b"A" * (5 * 1024 * 1024))
    assert huge.status_code == 413 and "5 MiB" in huge.json()["detail"]


async def test_account_users_import_into_their_own_accounts_only(world: World) -> None:
    mine = await world.account("Mine")
    other = await world.account("Other")
    admin = await world.person((Role.ACCOUNT_ADMIN, mine))
    refused = await upload(admin.api, csv_file("name,account_id", f"A,{mine}", f"B,{other}", "C,"))
    assert refused.status_code == 422
    assert {(e["row"], e["column"]) for e in refused.json()["errors"]} == {(3, "account_id"), (4, "account_id")}
    assert (await upload(admin.api, csv_file("name,account_id", f"A,{mine}"))).status_code == 201
    assert await site_names(world.tenant.api) == {"A"}
    member = await world.person((Role.ACCOUNT_MEMBER, mine))
    assert (await upload(member.api, csv_file("name,account_id", f"M,{mine}"))).status_code == 403
