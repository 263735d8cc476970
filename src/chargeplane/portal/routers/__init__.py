"""The portal's pages, one module per area: `auth_pages` and `home` for everyone, the operator
portal's areas under `/portal`, the driver app's under `/app`."""

from __future__ import annotations

from fastapi import APIRouter

from chargeplane.portal.routers import (
    accounts,
    alarms,
    app_cards,
    app_chargers,
    app_charging,
    app_profile,
    auth_pages,
    cards,
    charge_points,
    dashboard,
    fleet_map,
    groups,
    home,
    invoices,
    people,
    records,
    reports,
    sessions,
    sites,
    smart_charging,
    smart_targets,
    tenant_settings,
    webhooks,
)

ROUTERS: list[APIRouter] = [module.router for module in (
    home, auth_pages,
    dashboard, charge_points, sessions, alarms, fleet_map, sites, cards, people, accounts, groups, tenant_settings,
    records, webhooks, smart_charging, smart_targets, invoices, reports,
    app_chargers, app_charging, app_cards, app_profile,
)]
