"""Vendors: profiles and documents, the floor plan, applications and their review,
booth assignment on payment, waitlist offers, vendor passes and the CSV export.

Importing this package registers the orders hook that assigns booths when a booth fee is
paid (`assignment.booth_order_paid`).
"""

from app.services.vendors import (  # noqa: F401
    applications,
    assignment,
    documents,
    export,
    floorplan,
    passes,
    profiles,
    review,
    waitlist,
)
