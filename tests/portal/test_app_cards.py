"""My cards in the driver app: add my physical card by its number, create a virtual card, rename and
block (not unblock), and nothing of anyone else's cards."""

from __future__ import annotations

from chargeplane.domain.identity.permissions import Role
from tests.cards.support import API
from tests.portal.app_support import AppWorld, app_world  # noqa: F401 - the fixture


async def test_add_rename_and_block_my_cards(app_world: AppWorld) -> None:  # noqa: F811
    home = await app_world.account("Home")
    work = await app_world.account("Work")
    driver = await app_world.driver((Role.DRIVER, home), (Role.DRIVER, work))
    other = await app_world.driver((Role.DRIVER, home))

    empty = await driver.portal.get("/app/cards")
    assert empty.status_code == 200 and "You have no cards yet" in empty.text
    assert 'name="account_id"' in empty.text  # two accounts: the card says which

    added = await driver.portal.post("/app/cards", {"uid": "04A1B2C3", "label": "Key fob", "account_id": str(work)})
    assert added.status_code == 303 and added.headers["location"] == "/app/cards?done=added"
    virtual = await driver.portal.post("/app/cards/virtual", {"account_id": str(home)})
    assert virtual.status_code == 303 and virtual.headers["location"] == "/app/cards?done=virtual"
    cards = (await driver.person.api.get(f"{API}/me/cards")).json()
    assert [(c["kind"], c["uid"] if c["kind"] == "physical" else None, c["label"], c["status"]) for c in cards] == [
        ("physical", "04A1B2C3", "Key fob", "accepted"), ("virtual", None, "Virtual card", "accepted")]
    by_admin = {c["uid"]: c for c in (await app_world.tenant.api.get(f"{API}/id-tokens")).json()["items"]}
    assert by_admin["04A1B2C3"]["account_id"] == str(work) and by_admin[cards[1]["uid"]]["account_id"] == str(home)

    listed = await driver.portal.get("/app/cards?done=added")
    assert "Your card was added." in listed.text and "Key fob" in listed.text and "Card number 04A1B2C3" in listed.text
    assert "Virtual card: for starting from the app" in listed.text

    physical = cards[0]
    renamed = await driver.portal.post(f"/app/cards/{physical['id']}/label", {"label": "Blue fob"})
    assert renamed.status_code == 303
    blocked = await driver.portal.post(f"/app/cards/{physical['id']}/block")
    assert blocked.status_code == 303 and blocked.headers["location"] == "/app/cards?done=blocked"
    after = {c["id"]: c for c in (await driver.person.api.get(f"{API}/me/cards")).json()}
    assert (after[physical["id"]]["label"], after[physical["id"]]["status"]) == ("Blue fob", "blocked")
    page = await driver.portal.get("/app/cards")
    assert "Blocked" in page.text and f'action="/app/cards/{physical["id"]}/block"' not in page.text

    # Someone else's card is not there for me, whatever I post.
    assert (await other.portal.post(f"/app/cards/{physical['id']}/label", {"label": "Mine now"})).status_code == 404
    assert (await other.portal.post(f"/app/cards/{cards[1]['id']}/block")).status_code == 404
    assert "Key fob" not in (await other.portal.get("/app/cards")).text
    unchanged = {c["id"]: c for c in (await driver.person.api.get(f"{API}/me/cards")).json()}
    assert unchanged[cards[1]["id"]]["status"] == "accepted"


async def test_what_a_card_form_refuses(app_world: AppWorld) -> None:  # noqa: F811
    home = await app_world.account("Home")
    driver = await app_world.driver((Role.DRIVER, home))
    neighbour = await app_world.driver((Role.DRIVER, home))
    assert (await neighbour.portal.post("/app/cards", {"uid": "TAKEN-1"})).status_code == 303

    no_number = await driver.portal.post("/app/cards", {"uid": "  ", "label": "Fob"})
    assert no_number.status_code == 422 and "Enter the number printed on your card." in no_number.text
    assert 'aria-invalid="true"' in no_number.text and 'value="Fob"' in no_number.text  # kept for another try
    taken = await driver.portal.post("/app/cards", {"uid": "taken-1"})
    assert taken.status_code == 409 and "A card with this number is registered already" in taken.text
    too_long = await driver.portal.post("/app/cards", {"uid": "X" * 21})
    assert too_long.status_code == 422 and 'id="e-uid"' in too_long.text
    elsewhere = await app_world.account("Elsewhere")
    not_my_account = await driver.portal.post("/app/cards", {"uid": "NEW-1", "account_id": str(elsewhere)})
    assert not_my_account.status_code == 422
    assert (await driver.person.api.get(f"{API}/me/cards")).json() == []
