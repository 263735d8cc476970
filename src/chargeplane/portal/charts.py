"""The `data-chart` specs the portal's script draws (uPlot), in the viewer's words and time zone."""

from __future__ import annotations

from typing import Any

from chargeplane.domain.access.session_curve import CurvePoint
from chargeplane.portal.pages import Page


def session_chart(page: Page, curve: list[CurvePoint]) -> dict[str, Any]:
    """Energy so far (kWh) and, where the readings have it, power (kW) at each reading of a session."""
    series: list[dict[str, Any]] = [{"label": page._("Energy (kWh)"), "scale": "kWh",
                                     "values": [point.energy_wh / 1000 for point in curve]}]
    if any(point.power_w is not None for point in curve):
        series.append({"label": page._("Power (kW)"), "scale": "kW",
                       "values": [None if p.power_w is None else round(p.power_w / 1000, 2) for p in curve]})
    return {"x": [int(point.at.timestamp()) for point in curve], "series": series,
            "x_label": page._("Time"), "time_zone": page.time_zone}
