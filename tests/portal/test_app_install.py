"""The driver app as an installable web app: its manifest in the tenant's brand, its service worker
(scope /app) and the page it shows offline."""

from __future__ import annotations

from chargeplane.db import Scope, UnitOfWork
from chargeplane.domain.identity.permissions import Role
from chargeplane.domain.tenancy.models import Tenant
from tests.portal.support import PortalClient, portal_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_manifest_service_worker_and_offline_page(running_app: RunningApp, tenant: TenantHandle) -> None:
    def brand(uow: UnitOfWork) -> None:
        row = uow.session.get(Tenant, tenant.id)
        assert row is not None
        row.display_name, row.primary_color = "Volt Coop", "#123456"

    await running_app.arun(running_app.app.db.write(Scope.tenant(tenant.id), brand))
    driver = await portal_user(running_app, tenant.id, tenant.slug, roles=[(Role.DRIVER, None)])
    try:
        app_page = await driver.portal.get("/app")
        assert '<link rel="manifest" href="/app/manifest.webmanifest"' in app_page.text
        assert 'data-app="driver"' in app_page.text  # portal.js registers the service worker there

        answer = await driver.portal.get("/app/manifest.webmanifest")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/manifest+json")
        manifest = answer.json()
        assert (manifest["name"], manifest["theme_color"]) == ("Volt Coop", "#123456")
        assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/app", "/app", "standalone")
        sizes = {icon["sizes"] for icon in manifest["icons"]}
        assert {"192x192", "512x512"} <= sizes
        for icon in manifest["icons"]:
            fetched = await driver.portal.get(icon["src"])
            assert fetched.status_code == 200 and fetched.headers["content-type"] == icon["type"]

        worker = await driver.portal.get("/app/sw.js")
        assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
        assert worker.headers["service-worker-allowed"] == "/app"
        assert '"/static/build/portal.js"' in worker.text and '"/app/offline"' in worker.text

        offline = await driver.portal.get("/app/offline")
        assert offline.status_code == 200 and "You are offline" in offline.text and "Volt Coop" in offline.text
    finally:
        await driver.portal.aclose()
        await driver.person.api.aclose()

    # The browser may fetch them without the login: the brand comes from the tenant last logged in to.
    visitor = PortalClient(running_app)
    try:
        assert (await visitor.get("/app/manifest.webmanifest")).json()["name"] == "chargeplane"
        visitor.http.cookies.set("chargeplane_tenant", tenant.slug)
        assert (await visitor.get("/app/manifest.webmanifest")).json()["name"] == "Volt Coop"
        assert (await visitor.get("/app/offline")).status_code == 200
    finally:
        await visitor.aclose()
