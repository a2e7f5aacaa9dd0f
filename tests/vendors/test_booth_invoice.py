"""A paid booth fee gets an invoice, numbered with the organization's ticket invoices, that
names the booth and the vendor; the vendor downloads it from their application page."""

from __future__ import annotations

from app.models.tickets import DocumentKind
from app.services.tickets import documents
from app.services.tickets.invoices import invoice_for_order
from tests.tickets.conftest import pdf_text
from tests.vendors.conftest import market  # noqa: F401 (a shared fixture)
from tests.vendors.test_passes import assigned


def test_a_paid_booth_fee_gets_an_invoice_naming_the_booth_and_the_vendor(
        market, login_as, make_user):  # noqa: F811
    application = assigned(market, booth_index=1)
    order = application.order
    invoice = invoice_for_order(order.id)
    assert invoice is not None and invoice.number == 1 and invoice.total == order.total
    document = documents.document_for(DocumentKind.INVOICE_PDF, invoice.id)
    pdf = documents.ready_file(document).read_bytes()
    text = pdf_text(pdf)
    assert invoice.display_number in text and order.code in text
    headings = text.upper()  # the PDF's table headings are set in capitals
    assert "BOOTH FEE" in headings and "VENDOR" in headings and "ATTENDEE" not in headings
    assert f"Booth {application.booth.label} · Food (3 × 3 m)" in text
    assert "Bao Stand" in text and "120.00" in text

    vendor = login_as(application.user)
    page = vendor.get(f"/vendor/applications/{application.id}").get_data(as_text=True)
    link = f"/account/orders/{order.code}/invoice.pdf"
    assert f"Invoice {invoice.display_number} for the booth fee" in page and link in page
    assert vendor.get(link).data.startswith(b"%PDF")
    assert login_as(make_user(name="Someone Else")).get(link).status_code == 404


def test_the_next_booth_fee_takes_the_next_number(market):  # noqa: F811
    first, second = assigned(market, booth_index=1), assigned(market, booth_index=2)
    numbers = [invoice_for_order(a.order_id).number for a in (first, second)]
    assert numbers == [1, 2]
