"""The public event page invites vendors to apply while the event takes booth applications."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.types import utcnow
from app.models.vendors import VendorSettings


@pytest.mark.parametrize("is_open, deadline_in_hours, shown", [
    (True, None, True),
    (True, 24, True),
    (True, -1, False),   # the deadline has passed
    (False, None, False),
])
def test_apply_link_follows_the_vendor_settings(client, make_event, is_open, deadline_in_hours,
                                                shown):
    event = make_event()
    deadline = None if deadline_in_hours is None else utcnow() + timedelta(hours=deadline_in_hours)
    db.session.add(VendorSettings(event_id=event.id, open=is_open, deadline=deadline,
                                  offer_hours=48, load_in=""))
    db.session.commit()

    page = client.get(f"/events/{event.slug}").get_data(as_text=True)

    assert ("Apply for a booth" in page) is shown
    assert (f'href="/events/{event.slug}/booths"' in page) is shown


def test_no_vendor_settings_means_no_link_and_nothing_written(client, make_event):
    event = make_event()
    assert "Apply for a booth" not in client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert db.session.get(VendorSettings, event.id) is None  # a GET writes nothing
