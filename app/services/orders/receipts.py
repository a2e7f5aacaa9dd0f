"""Receipt uploads for manual payments: checked by content, stored outside static/.

The type is decided by the file's first bytes (and, for images, by Pillow actually reading
it), never by its name or the browser's claimed type: `receipt.pdf.html` or an SVG is
refused. Files are stored under `<instance>/uploads/receipts/` with a random name and the
extension of the detected type, and are served only as attachments.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path

from flask import current_app

from app.services.orders.errors import ReceiptRejected, ReceiptTooLarge

TYPES = {"jpeg": ("image/jpeg", ".jpg"), "png": ("image/png", ".png"),
         "pdf": ("application/pdf", ".pdf")}
NOT_ACCEPTED = "Receipts must be a JPEG or PNG photo, or a PDF."


def receipts_folder() -> Path:
    return Path(current_app.instance_path) / "uploads" / "receipts"


def detect_type(data: bytes) -> str:
    """"jpeg", "png" or "pdf" from the content; ReceiptRejected for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    else:
        raise ReceiptRejected(NOT_ACCEPTED)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            if image.format != kind.upper():
                raise ReceiptRejected(NOT_ACCEPTED)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ReceiptRejected("That image could not be read. Please take the photo again.") \
            from exc
    return kind


def check_receipt(data: bytes) -> tuple[str, str]:
    """(content type, extension) of an acceptable receipt; raises ReceiptRejected/TooLarge."""
    limit = current_app.config["RECEIPT_MAX_BYTES"]
    if len(data) > limit:
        raise ReceiptTooLarge(f"The receipt is larger than {limit // (1024 * 1024)} MB. "
                              "Please send a smaller photo or PDF.")
    if not data:
        raise ReceiptRejected("The receipt file is empty.")
    return TYPES[detect_type(data)]


def store_receipt(data: bytes, extension: str) -> str:
    """Write the receipt (readable by this user only); its path relative to the folder."""
    return store_upload(data, extension, receipts_folder())


def store_upload(data: bytes, extension: str, folder: Path) -> str:
    """Write an upload checked by content under `folder` with a random name (mode 0600);
    its path relative to the folder. Shared by every upload kept outside static/."""
    folder.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16) + extension
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return name


def receipt_file(relative: str) -> Path | None:
    """The stored receipt's absolute path, or None if it is missing or not ours."""
    return stored_upload(receipts_folder(), relative)


def stored_upload(folder: Path, relative: str) -> Path | None:
    """The absolute path of a file `store_upload` wrote in `folder`, or None if it is
    missing or points elsewhere."""
    folder = folder.resolve()
    path = (folder / relative).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path
