"""Files attached to outbox messages, resolved when the message is built.

An outbox row stores small specs (`{"kind": "ticket_pdf", "id": 12}`), never the files: the
row stays small, and the file is the current one at send time. Each kind names a resolver
`(spec) -> MailAttachment | None` by dotted path (imported on first use, so the outbox does
not depend on the modules that own the files). None leaves the file out. A resolver that
cannot produce the file yet raises `outbox.TemporaryEmailError`: delivery is retried.

A spec with a "cid" is an inline image: it goes into a multipart/related part together with
the HTML body, which shows it with `<img src="cid:...">`. Others are attachments.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from app.job_queue import resolve

ATTACHMENT_RESOLVERS: dict[str, str] = {
    "ticket_pdf": "app.services.tickets.mail.ticket_pdf_attachment",
    "qr_png": "app.services.tickets.mail.qr_png_attachment",
    "briefing_file": "app.services.crew.briefings.briefing_file_attachment",
    "vendor_pass": "app.services.vendors.passes.pass_attachment",
}


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes
    cid: str | None = None  # set for an inline image


def resolve_attachments(specs: list[dict] | None) -> list[MailAttachment]:
    """The files named by `specs`, in order, without those their resolver left out."""
    parts = []
    for spec in specs or ():
        resolver = resolve(ATTACHMENT_RESOLVERS[spec["kind"]])
        part = resolver(spec)
        if part is not None:
            parts.append(part)
    return parts


def add_attachments(message: EmailMessage, parts: list[MailAttachment]) -> None:
    """Put inline images next to the HTML part (multipart/related inside the alternative)
    and attach the other files (the message becomes multipart/mixed)."""
    inline = [part for part in parts if part.cid]
    if inline:
        html = message.get_body(preferencelist=("html",))
        if html is None:
            raise ValueError("inline images need an HTML part")
        for part in inline:
            html.add_related(part.data, part.maintype, part.subtype, cid=f"<{part.cid}>",
                             filename=part.filename, disposition="inline")
    for part in parts:
        if not part.cid:
            message.add_attachment(part.data, part.maintype, part.subtype,
                                   filename=part.filename)
