"""Document uploads over HTTP: size cap (413), type by content, download headers, scope."""

from __future__ import annotations

import io

import pytest

from app.extensions import db
from app.services.vendors import profiles

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def vendor_client(market, world, client_for):
    market.vendor(world.users["vendor"])
    return client_for("vendor")


def upload(client, data: bytes, name: str):
    return client.post("/vendor/documents", data={"kind": "licence",
                                                  "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_oversized_upload_is_413_with_a_clear_message(vendor_client, app):
    app.config["VENDOR_DOCUMENT_MAX_BYTES"] = 1024
    try:
        response = upload(vendor_client, PDF + b"0" * 2048, "licence.pdf")
    finally:
        app.config.pop("VENDOR_DOCUMENT_MAX_BYTES")
    assert response.status_code == 413
    assert "larger than" in response.get_data(as_text=True)


@pytest.mark.parametrize("data,name", [
    (b"MZ\x90\x00 not a document", "licence.pdf"),
    (b"<html><script>alert(1)</script></html>", "licence.pdf.html"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
    (b"<html>%PDF-1.4</html>", "licence.pdf"),
])
def test_wrong_content_is_rejected(vendor_client, world, data, name):
    response = upload(vendor_client, data, name)
    assert response.status_code == 422
    assert "must be a PDF, a JPEG or a PNG" in response.get_data(as_text=True)
    assert profiles.profile_of(world.users["vendor"]).documents == []


def test_download_is_an_attachment_for_the_vendor_only(vendor_client, world, client_for,
                                                       market):
    assert upload(vendor_client, PDF, "my licence.pdf.html").status_code == 303
    document = profiles.profile_of(world.users["vendor"]).documents[0]
    assert document.path.endswith(".pdf") and document.original_name.endswith(".pdf")
    response = vendor_client.get(f"/vendor/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    other = market.vendor(name="Other Stand")
    from tests.conftest import login

    other_client = vendor_client.application.test_client()
    login(other_client, other)
    assert other_client.get(f"/vendor/documents/{document.id}").status_code == 404
    assert client_for("organizer").get(f"/vendor/documents/{document.id}").status_code == 404
    market.submitted(world.users["vendor"])
    db.session.commit()
    assert client_for("organizer").get(f"/vendor/documents/{document.id}").status_code == 200
