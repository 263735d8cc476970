from tests.support.chargers import RawCharger, register_charger


async def test_boot_and_heartbeat(running_app, tenant):
    cp = await register_charger(tenant.api)
    charger = await RawCharger.connect(running_app.ws_url, cp["identity"])
    boot = await charger.boot()
    assert boot["status"] == "Accepted"
    heartbeat = await charger.result("Heartbeat", {})
    assert heartbeat["currentTime"].endswith("Z")
    await charger.close()
