"""`chargeplane simulate` against the running app: it registers its chargers, charges and stops cleanly."""

from __future__ import annotations

import asyncio
import signal
import sys
import uuid

from tests.simulator.support import Simulation


async def _simulate(*args: str, interrupt_when: str | None = None) -> tuple[int, str]:
    """Run `chargeplane simulate`; with `interrupt_when`, press Ctrl-C once that text has been printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chargeplane", "simulate", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    seen = ""
    if interrupt_when is not None:
        async with asyncio.timeout(30):
            while interrupt_when not in seen:
                line = (await process.stdout.readline()).decode()
                assert line, f"ended before printing {interrupt_when!r}: {seen}"
                seen += line
        process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, seen + out.decode() + err.decode()


async def test_simulate_registers_its_chargers_and_charges(simulation: Simulation) -> None:
    prefix, tag = f"CLI{uuid.uuid4().hex[:6]}", f"C{uuid.uuid4().hex[:8]}"
    common = ["--url", simulation.app.ws_url, "--chargers", "2", "--identity-prefix", prefix,
              "--password", "cli-password-1", "--id-tag", tag, "--id-tag-per-charger",
              "--api-key", simulation.tenant.api_key]
    code, output = await _simulate(*common, "--meter-interval", "0.2", "--charge-seconds", "1",
                                   "--idle-seconds", "0.2", "--duration", "4", "--status-interval", "1")
    assert code == 0, output
    assert "registered at" in output and "4 created, 0 already there" in output
    assert "connected 2/2" in output
    assert "done:" in output

    for n in (1, 2):
        response = await simulation.api.get("/api/v1/charge-points", params={"identity": f"{prefix}-{n}"})
        [cp] = response.json()["items"]
        assert cp["vendor"] == "chargeplane" and cp["model"] == "Simulator"
        sessions = await simulation.sessions(cp["id"])
        assert sessions, f"{prefix}-{n} charged nothing"
        assert all(s["state"] == "completed" and s["id_tag"] == f"{tag}-{n}" for s in sessions)
        assert all(s["energy_wh"] == s["meter_stop_wh"] - s["meter_start_wh"] for s in sessions)

    # Again: everything is there already, which is fine; Ctrl-C stops it cleanly.
    code, output = await _simulate(*common, "--no-charging", "--status-interval", "0.2",
                                   interrupt_when="connected 2/2")
    assert code == 0, output
    assert "0 created, 4 already there" in output and "done:" in output


async def test_simulate_refuses_nonsense_arguments() -> None:
    code, output = await _simulate("--url", "http://wrong", "--password", "p-123456789")
    assert code != 0 and "--url must start with ws://" in output
