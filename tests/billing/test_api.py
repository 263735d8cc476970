"""The invoice API over HTTP against the running app: draft, issue, the payer's email through a real SMTP
server with its link, PDF, credit note; who may do what, and tenant isolation."""

from __future__ import annotations

import uuid
from datetime import timedelta

from chargeplane.domain.clock import ManualClock
from chargeplane.domain.identity.permissions import Role
from tests.billing.app_support import PUBLIC_LINK, app_world, pdf_text
from tests.billing.support import MARCH
from tests.messaging.support import SmtpServer, body_of, open_tenant
from tests.support.people import make_user
from tests.support.server import RunningApp
from tests.support.tenants import TenantHandle


async def test_an_invoice_from_draft_to_credit_note(running_app: RunningApp, tenant: TenantHandle,
                                                    smtp: SmtpServer, clock: ManualClock) -> None:
    await open_tenant(running_app, tenant.id, name="Volt")
    clock.advance(MARCH + timedelta(days=25) - clock.now())  # issued on 4 April
    w = await app_world(running_app, tenant.id)
    api = tenant.api
    profile = await api.put("/api/v1/invoices/billing-profile", params={"account_id": str(w.merchant)},
                            json={"region": "SE", "payment_days": 30})
    assert profile.status_code == 200 and profile.json()["region"] == "SE"
    assert profile.json()["legal_name"] is None
    assert (await api.get("/api/v1/invoices/billing-profile",
                          params={"account_id": str(w.merchant)})).json()["legal_name"] == "Parkla OÜ"

    created = await api.post("/api/v1/invoices", json={"issuer_account_id": str(w.merchant),
                                                       "payer_account_id": str(w.fleet), "period": "2026-03"})
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["status"] == "draft" and draft["number"] is None and draft["region"] == "SE"
    assert (draft["total_excl_vat"], draft["total_vat"], draft["total_incl_vat"]) == ("15.00", "3.30", "18.30")
    assert [line["position"] for line in draft["lines"]] == [1, 2]
    again = await api.post("/api/v1/invoices", json={"issuer_account_id": str(w.merchant),
                                                     "payer_account_id": str(w.fleet), "period": "2026-03"})
    assert again.status_code == 422 and "no uninvoiced charging" in again.json()["detail"]
    assert (await api.patch(f"/api/v1/invoices/{draft['id']}", json={"note": "PO 77"})).json()["note"] == "PO 77"

    issued = await api.post(f"/api/v1/invoices/{draft['id']}/issue")
    assert issued.status_code == 200, issued.text
    assert issued.json()["number"] == "INV-2026-000001" and issued.json()["due_date"] == "2026-05-04"
    refused = await api.patch(f"/api/v1/invoices/{draft['id']}", json={"note": "changed"})
    assert refused.status_code == 409 and "credit note" in refused.json()["detail"]
    assert (await api.delete(f"/api/v1/invoices/{draft['id']}")).status_code == 409

    mail = await smtp.mailbox.wait_for("ap@kuller.test")
    body = body_of(mail)
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "INV-2026-000001.pdf" and attached.get_content_type() == "application/pdf"
    assert "Invoice INV-2026-000001" in pdf_text(attached.get_content())
    assert mail["Subject"] == "Invoice INV-2026-000001 from Parkla OÜ"
    # The payer account reads the tenant's language; the figures are written the issuer's (Swedish) way,
    # in the currency the CDRs were priced in.
    assert "18.30" not in body and "18,30 EUR" in body and "2026-05-04" in body
    path = PUBLIC_LINK.search(body)
    assert path is not None and path.group(1) == f"/invoices/{issued.json()['public_token']}"
    public = await api.get(path.group(1), headers={"Authorization": ""})
    assert public.status_code == 200 and "INV-2026-000001" in public.text and "Kuller AS" in public.text
    public_pdf = await api.get(path.group(1) + "/pdf", headers={"Authorization": ""})
    assert public_pdf.headers["content-type"] == "application/pdf"
    assert (await api.get("/invoices/not-a-real-token")).status_code == 404

    pdf = await api.get(f"/api/v1/invoices/{draft['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="INV-2026-000001.pdf"' in pdf.headers["content-disposition"]
    text = pdf_text(pdf.content)
    assert "Invoice INV-2026-000001" in text and "VAT (moms) 22 %" in text and "18,30 EUR" in text
    assert "Parkla OÜ" in text and "EE382200221020145685" in text

    note = await api.post(f"/api/v1/invoices/{draft['id']}/credit-notes", json={"lines": [2], "reason": "twice"})
    assert note.status_code == 201, note.text
    assert note.json()["number"] == "CN-2026-000001" and note.json()["total_incl_vat"] == "-6.10"
    notes = await api.get("/api/v1/invoices", params={"kind": "credit_note"})
    assert [n["number"] for n in notes.json()["items"]] == ["CN-2026-000001"]
    paid = await api.post(f"/api/v1/invoices/{draft['id']}/payment")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    credit_mail = await smtp.mailbox.wait_for("ap@kuller.test", count=2)
    assert credit_mail["Subject"] == "Credit note CN-2026-000001 from Parkla OÜ"
    [attached] = list(credit_mail.iter_attachments())
    assert "Credit note CN-2026-000001" in pdf_text(attached.get_content())


async def test_account_staff_invoice_for_their_own_account_only(running_app: RunningApp, tenant: TenantHandle,
                                                                other_tenant: TenantHandle) -> None:
    w = await app_world(running_app, tenant.id, Mari="et")
    admin = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_ADMIN, w.coop)])
    member = await make_user(running_app, tenant.id, roles=[(Role.ACCOUNT_MEMBER, w.coop)])
    try:
        own = await admin.api.post("/api/v1/invoices/member-billing", json={"account_id": str(w.coop),
                                                                            "period": "2026-Q1"})
        assert own.status_code == 201, own.text
        [draft] = own.json()
        assert draft["payer_user_id"] == str(w.members["Mari"]) and draft["language"] == "et"
        tenant_name = await admin.api.post("/api/v1/invoices", json={"payer_account_id": str(w.fleet),
                                                                     "period": "2026-03"})
        assert tenant_name.status_code == 403
        elsewhere = await admin.api.post("/api/v1/invoices", json={
            "issuer_account_id": str(w.merchant), "payer_account_id": str(w.fleet), "period": "2026-03"})
        assert elsewhere.status_code == 404
        assert (await admin.api.post(f"/api/v1/invoices/{draft['id']}/issue")).status_code == 200

        listed = await member.api.get("/api/v1/invoices")
        assert [i["id"] for i in listed.json()["items"]] == [draft["id"]]
        assert (await member.api.post(f"/api/v1/invoices/{draft['id']}/credit-notes", json={})).status_code == 403
        assert (await member.api.post("/api/v1/invoices", json={})).status_code == 403

        merchant = await tenant.api.post("/api/v1/invoices", json={
            "issuer_account_id": str(w.merchant), "payer_account_id": str(w.fleet), "period": "2026-03"})
        assert merchant.status_code == 201
        assert (await member.api.get(f"/api/v1/invoices/{merchant.json()['id']}")).status_code == 404

        stranger = other_tenant.api
        assert (await stranger.get(f"/api/v1/invoices/{draft['id']}")).status_code == 404
        assert (await stranger.get(f"/api/v1/invoices/{draft['id']}/pdf")).status_code == 404
        assert (await stranger.post(f"/api/v1/invoices/{draft['id']}/credit-notes", json={})).status_code == 404
        assert (await stranger.get("/api/v1/invoices")).json()["items"] == []
        forged = await stranger.post("/api/v1/invoices", json={"payer_account_id": str(w.fleet),
                                                               "cdr_ids": [str(uuid.uuid4())]})
        assert forged.status_code == 404
    finally:
        await admin.api.aclose()
        await member.api.aclose()
