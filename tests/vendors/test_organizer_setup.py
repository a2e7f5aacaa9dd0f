"""The organizer's booth setup over HTTP: settings, booth types, the grid generator, editing
a booth by form, questions, and the CSV export; bad input gets a message, never a 500."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from app.extensions import db
from app.models.vendors import Booth, BoothQuestion, BoothType, QuestionKind, VendorSettings
from tests.vendors.test_passes import assigned


@pytest.fixture
def setup(world, client_for):
    organizer = client_for("organizer")
    base = f"/orgs/{world.org.slug}/events/{world.event.id}/vendors"

    def post(path: str, **data):
        return organizer.post(base + path, data=data)

    post.base, post.client, post.event = base, organizer, world.event
    return post


def _booths(event) -> list[Booth]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Booth).filter_by(event_id=event.id)
                                   .order_by(Booth.id)))


def _type(setup) -> BoothType:
    assert setup("/types", name="Food", size="3 × 3 m", price="120", power="y",
                 tables="1").status_code == 303
    return db.session.scalars(db.select(BoothType).filter_by(event_id=setup.event.id)).one()


def test_settings_open_applications_with_a_local_deadline(setup):
    response = setup("/settings", open="y", deadline="2030-06-01T18:00", offer_hours="24",
                     load_in="Gate C from 7:00")
    assert response.status_code == 303
    settings = db.session.get(VendorSettings, setup.event.id)
    assert settings.open and settings.offer_hours == 24 and settings.load_in == "Gate C from 7:00"
    # 18:00 in the event's timezone (Africa/Lusaka, UTC+2) is 16:00 UTC.
    assert settings.deadline.hour == 16


def test_a_bad_deadline_or_price_is_a_message_not_a_500(setup):
    bad_deadline = setup("/settings", open="y", deadline="next tuesday")
    assert bad_deadline.status_code == 409 and b"Enter the deadline" in bad_deadline.data
    bad_price = setup("/types", name="Food", size="3 m", price="cheap")
    assert bad_price.status_code == 409 and b"Enter the price as a number" in bad_price.data


def test_the_grid_generator_places_labelled_booths_without_overlap(setup):
    kind = _type(setup)
    assert kind.price == Decimal("120.00")
    response = setup("/booths/generate", booth_type_id=kind.id, prefix="B", rows="2",
                     columns="3", width="60", height="50", gap="20")
    assert response.status_code == 303
    booths = _booths(setup.event)
    assert [b.label for b in booths] == ["B1", "B2", "B3", "B4", "B5", "B6"]
    boxes = {(b.x, b.y) for b in booths}
    assert len(boxes) == 6  # every booth has its own place
    more = setup("/booths/generate", booth_type_id=kind.id, prefix="B", rows="1",
                 columns="2", width="60", height="50", gap="20")
    assert more.status_code == 303
    assert [b.label for b in _booths(setup.event)][-2:] == ["B7", "B8"]  # numbering goes on
    too_many = setup("/booths/generate", booth_type_id=kind.id, prefix="C", rows="41",
                     columns="1", width="60", height="50", gap="20")
    assert too_many.status_code == 409 and b"1\xe2\x80\x9340 rows" in too_many.data
    beyond = setup("/booths/generate", booth_type_id=2**31, prefix="D", rows=str(2**31),
                   columns="1", width="60", height="50", gap="20")
    assert beyond.status_code == 404  # no such booth type (the number names no row)


def test_a_booth_is_edited_by_form_and_labels_stay_unique(setup):
    kind = _type(setup)
    setup("/booths/generate", booth_type_id=kind.id, prefix="A", rows="1", columns="2",
          width="60", height="50", gap="20")
    first, second = _booths(setup.event)
    moved = setup(f"/booths/{first.id}", label="Corner", booth_type_id=kind.id, x="300",
                  y="40", w="80", h="60", reserved="y")
    assert moved.status_code == 303
    db.session.refresh(first)
    assert (first.label, first.x, first.y, first.w, first.h, first.reserved) == (
        "Corner", 300, 40, 80, 60, True)
    clash = setup(f"/booths/{second.id}", label="Corner", booth_type_id=kind.id, x="0",
                  y="0", w="60", h="50")
    assert clash.status_code == 409
    assert setup(f"/booths/{second.id}/delete").status_code == 303
    assert [b.label for b in _booths(setup.event)] == ["Corner"]


def test_questions_of_every_kind(setup):
    assert setup("/questions", kind="choice", text="Cuisine?", choices="Thai\nZambian",
                 required="y").status_code == 303
    assert setup("/questions", kind="yes_no", text="Do you need a generator?").status_code == 303
    one_choice = setup("/questions", kind="choice", text="Pick", choices="Only")
    assert one_choice.status_code == 409 and b"at least two choices" in one_choice.data
    questions = db.session.scalars(db.select(BoothQuestion).order_by(BoothQuestion.position))
    assert [(q.kind, q.choices, q.required) for q in questions] == [
        (QuestionKind.CHOICE, ["Thai", "Zambian"], True), (QuestionKind.YES_NO, [], False)]


def test_the_csv_export_lists_vendors_and_neutralises_formulas(market, client_for):
    application = assigned(market, booth_index=1)
    application.products = "=HYPERLINK(\"http://evil.example\")"
    db.session.commit()
    response = client_for("organizer").get(
        f"/orgs/{market.org.slug}/events/{market.event.id}/vendors/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    header, row = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    record = dict(zip(header, row, strict=True))
    assert record[header[0]] == "Bao Stand"
    assert application.booth.label in row and "yes" in row  # booth and paid
    assert not any(cell.startswith("=") for cell in row)
