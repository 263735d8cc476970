"""The invoice pages of the operator portal and the payer's public page, over HTTP like a browser."""

from __future__ import annotations

from tests.billing.app_support import app_world, pdf_text
from tests.messaging.support import SmtpServer
from tests.portal.support import PortalPerson
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_an_admin_drafts_issues_and_credits_in_the_portal(running_app: RunningApp, tenant: TenantHandle,
                                                                admin: PortalPerson, smtp: SmtpServer) -> None:
    w = await app_world(running_app, tenant.id, Mari="et")
    portal = admin.portal
    page = await portal.get("/portal/invoices")
    assert page.status_code == 200 and 'href="/portal/invoices" aria-current="page"' in page.text
    assert "Bill a customer" in page.text and "No invoices match." in page.text

    wrong = await portal.post("/portal/invoices", {"issuer": str(w.merchant), "payer": str(w.fleet),
                                                   "period": "March"})
    assert wrong.status_code == 422 and "period must be a month (2026-03) or a quarter (2026-Q1)" in wrong.text
    drafted = await portal.post("/portal/invoices", {"issuer": str(w.merchant), "payer": str(w.fleet),
                                                     "period": "2026-03"})
    assert drafted.status_code == 303
    detail_url = drafted.headers["location"]
    detail = await portal.get(detail_url)
    assert detail.status_code == 200 and "Issue and send" in detail.text and "Kuller AS" in detail.text
    assert "18,30 EUR" in detail.text  # the document, the Estonian way (the issuer's region)

    assert (await portal.post(detail_url + "/issue")).status_code == 303
    issued = await portal.get(detail_url)
    assert "Arve INV-2026-000001" not in issued.text and "Invoice INV-2026-000001" in issued.text
    assert "Issue and send" not in issued.text and "Issue the credit note" in issued.text
    await smtp.mailbox.wait_for("ap@kuller.test")
    pdf = await portal.get(detail_url + "/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "INV-2026-000001" in pdf_text(pdf.content)

    credited = await portal.post(detail_url + "/credit", {"lines": "1", "reason": "wrong charger"})
    assert credited.status_code == 303
    note = await portal.get(credited.headers["location"])
    assert "Credit note CN-2026-000001" in note.text and "-12,20 EUR" in note.text
    listed = await portal.get("/portal/invoices", params={"kind": "credit_note"})
    assert "CN-2026-000001" in listed.text and "INV-2026-000001" not in listed.text

    members = await portal.post("/portal/invoices/members", {"account": str(w.coop), "period": "2026-Q1"})
    assert members.status_code == 303
    drafts = await portal.get("/portal/invoices", params={"status": "draft"})
    assert "Mari" in drafts.text and "Kuller AS" not in drafts.text


async def test_the_public_page_shows_the_invoice_in_the_payers_language(
        running_app: RunningApp, tenant: TenantHandle, admin: PortalPerson) -> None:
    w = await app_world(running_app, tenant.id, Mari="et")
    portal = admin.portal
    assert (await portal.post("/portal/invoices/members", {"account": str(w.coop), "period": "2026-03"})
            ).status_code == 303
    [draft] = (await tenant.api.get("/api/v1/invoices")).json()["items"]
    assert (await portal.post(f"/portal/invoices/{draft['id']}/issue")).status_code == 303
    token = (await tenant.api.get(f"/api/v1/invoices/{draft['id']}")).json()["public_token"]
    detail = await portal.get(f"/portal/invoices/{draft['id']}")
    assert f"/invoices/{token}" in detail.text  # the payer's page, linked for the operator
    anonymous = portal.http.__class__(base_url=str(portal.http.base_url))
    try:
        public = await anonymous.get(f"/invoices/{token}", headers={"Accept-Language": "et"})
        assert public.status_code == 200
        assert "Arve INV-2026-000001" in public.text and "Maksetähtaeg" in public.text and "3,66 EUR" in public.text
        assert "Laadi alla PDF" in public.text  # the page itself in the visitor's language
        assert (await anonymous.get(f"/invoices/{token}x")).status_code == 404
    finally:
        await anonymous.aclose()
