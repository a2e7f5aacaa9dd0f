"""The event's vendors as CSV for spreadsheets (business, contact, booth, type, paid, needs)."""

from __future__ import annotations

import csv
import io

from app.models.events import Event
from app.models.vendors import ApplicationStatus as S
from app.services.vendors.review import QueueFilter, queue

HEADER = ["Business", "Category", "Contact", "Email", "Phone", "Status", "Booth type",
          "Booth", "Paid", "Power (A)", "Water", "Vehicle", "Products"]


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas in vendor-written text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def vendors_csv(event: Event) -> str:
    """One row per submitted application."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for app_ in queue(event, QueueFilter()):
        profile = app_.profile
        writer.writerow([_cell(profile.business_name), profile.category,
                         _cell(profile.contact_name), app_.user.email, _cell(profile.phone),
                         app_.status.value, app_.booth_type.name if app_.booth_type else "",
                         app_.booth.label if app_.booth else "",
                         "yes" if app_.status in (S.PAID, S.ASSIGNED) else "no",
                         app_.power_amps, "yes" if app_.water else "no",
                         _cell(app_.vehicle_size), _cell(app_.products)])
    return out.getvalue()
