"""A charger's configuration through the API: what GetConfiguration reported is kept (secrets
redacted), every ChangeConfiguration is kept with the charger's answer or why none came."""

from __future__ import annotations

from ocpp.v16 import call_result

from tests.ocpp.conftest import Fleet
from tests.ocpp.helpers import command
from tests.support.tenants import TenantHandle

API = "/api/v1"


async def test_reported_configuration_and_changes_are_kept(fleet: Fleet, tenant: TenantHandle,
                                                           other_tenant: TenantHandle) -> None:
    charger = await fleet.ocpp()
    charger.replies["GetConfiguration"] = call_result.GetConfiguration(configuration_key=[
        {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        {"key": "AuthorizationKey", "readonly": False, "value": "0011223344556677"},
        {"key": "NumberOfConnectors", "readonly": True, "value": "2"}])
    assert (await command(tenant.api, charger.cp_id, "get-configuration", {})).status_code == 200
    kept = {s["key"]: s for s in (await tenant.api.get(f"{API}/charge-points/{charger.cp_id}/configuration")).json()}
    assert kept["HeartbeatInterval"]["value"] == "300" and kept["NumberOfConnectors"]["readonly"] is True
    assert kept["AuthorizationKey"]["value"] != "0011223344556677"  # redacted

    charger.replies["ChangeConfiguration"] = call_result.ChangeConfiguration(status="Rejected")
    await command(tenant.api, charger.cp_id, "change-configuration", {"key": "HeartbeatInterval", "value": "10"})
    charger.replies["ChangeConfiguration"] = call_result.ChangeConfiguration(status="Accepted")
    await command(tenant.api, charger.cp_id, "change-configuration", {"key": "AuthorizationKey", "value": "secret99"})
    await charger.close()
    offline = await command(tenant.api, charger.cp_id, "change-configuration", {"key": "HeartbeatInterval",
                                                                               "value": "60"})
    assert offline.status_code == 409
    changes = (await tenant.api.get(f"{API}/charge-points/{charger.cp_id}/configuration/changes")).json()["items"]
    assert [(c["key"], c["answer"].split(":")[0]) for c in changes] == [
        ("HeartbeatInterval", "ChargerNotConnected"), ("AuthorizationKey", "Accepted"),
        ("HeartbeatInterval", "Rejected")]
    assert "secret99" not in str(changes) and changes[1]["requested_by"] == "test"
    assert (await other_tenant.api.get(f"{API}/charge-points/{charger.cp_id}/configuration")).status_code == 404
