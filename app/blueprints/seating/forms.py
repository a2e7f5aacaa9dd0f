"""Forms of the seat map page and of the organizer's seating tools.

The organizer forms also turn their text into plain values (row ranges, prices, seat ids);
the rules about those values live in the seating services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.models.types import DB_INT_MAX
from app.services.seating import GeneralAdmissionView, SeatView, SectionSpec, ZoneView
from app.services.seating.sales import HOLD_MINUTES, PAYMENT_MINUTES, TICKETS_PER_ORDER

MAX_SECTIONS, MAX_ROWS, MAX_SEATS_PER_ROW = 20, 100, 200


class SeatForm(FlaskForm):
    """The seat a list-view or cart button names (the map's own buttons put it in the URL)."""

    seat_id = IntegerField("Seat", validators=[InputRequired(), NumberRange(1, DB_INT_MAX)])


class BestAvailableForm(FlaskForm):
    count = IntegerField("Seats", default=2, validators=[
        InputRequired("How many seats?"),
        NumberRange(min=1, max=50, message="Choose between 1 and 50 seats.")],
        render_kw={"min": 1, "inputmode": "numeric"})
    zone = SelectField("Zone", coerce=str, default="")

    def set_zones(self, zones: Iterable[ZoneView], money) -> None:
        self.zone.choices = [SelectChoice("", "Any zone")] + [
            SelectChoice(str(z.id), f"{z.name} · {money(z.price, z.currency)}")
            for z in zones if z.price is not None]

    @property
    def zone_id(self) -> int | None:
        return int(self.zone.data) if self.zone.data else None


class GeneralAdmissionForm(FlaskForm):
    """How many places of one general-admission ticket type to hold. Each type's form has
    its own prefix, so several can sit on one page."""

    quantity = IntegerField("Places", default=1, validators=[
        InputRequired("How many places?"),
        NumberRange(min=1, max=50, message="Choose between 1 and 50 places.")],
        render_kw={"min": 1, "inputmode": "numeric"})

    @classmethod
    def for_type(cls, ticket_type: GeneralAdmissionView,
                 formdata=None) -> GeneralAdmissionForm:
        form = cls(formdata=formdata, prefix=f"ga{ticket_type.ticket_type_id}")
        form.ticket_type = ticket_type
        return form


# ---------------------------------------------------------------- organizer side

def _row_index(label: str) -> int:
    """A → 0, Z → 25, AA → 26 (the generator's row labels); digits count from 1."""
    label = label.strip().upper()
    if label.isdigit():
        return int(label) - 1
    if not label.isalpha():
        raise ValueError(label)
    index = 0
    for char in label:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _price(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValidationError(f"“{text}” is not a price.") from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"“{text}” is not a price (like 120 or 45.50).")
    return value


ZONE_LINE = re.compile(r"^\s*([A-Za-z]+|\d+)\s*(?:[-–]\s*([A-Za-z]+|\d+))?\s*[:=]?\s*"
                       r"(.+?)\s+(\d[\d,]*(?:\.\d+)?)\s*$")
PRICE_LINE = re.compile(r"^\s*(.+?)\s*[:=]?\s+(\d[\d,]*(?:\.\d+)?)\s*$")


class GeneratorForm(FlaskForm):
    """Sections × rows × seats per row, straight or curved, one zone and price per row range."""

    name = StringField("Seat map name", default="Main hall",
                       validators=[DataRequired(), Length(max=120)])
    sections = StringField("Sections", default="Left, Centre, Right",
                           validators=[DataRequired(), Length(max=400)])
    rows = IntegerField("Rows per section", default=10,
                        validators=[InputRequired(), NumberRange(1, MAX_ROWS)])
    seats_per_row = IntegerField("Seats per row", default=12,
                                 validators=[InputRequired(), NumberRange(1, MAX_SEATS_PER_ROW)])
    layout = SelectField("Rows", default="curved", choices=[
        SelectChoice("straight", "Straight"), SelectChoice("curved", "Curved, facing the stage")])
    wheelchair_spaces = IntegerField("Wheelchair spaces at each end of the back row", default=0,
                                     validators=[Optional(), NumberRange(0, 10)])
    zones = TextAreaField("Zones and prices by row", default="A-C VIP 450\nD-F Gold 250\n"
                          "G-J Standard 120", validators=[DataRequired(), Length(max=2000)])

    def validate_sections(self, field) -> None:
        names = self.section_names
        if not names or len(names) > MAX_SECTIONS or len(set(names)) != len(names):
            raise ValidationError(f"Give 1 to {MAX_SECTIONS} different section names, "
                                  "separated by commas.")
        if any(len(name) > 60 for name in names):
            raise ValidationError("Keep each section name under 60 characters.")

    def validate_zones(self, field) -> None:
        self._zone_rows, self._prices = {}, {}
        for number, line in enumerate(field.data.splitlines(), start=1):
            if not line.strip():
                continue
            match = ZONE_LINE.match(line)
            if not match:
                raise ValidationError(f"Line {number}: write rows, zone and price, "
                                      "like “A-C VIP 450”.")
            first, last, zone, price = match.groups()
            try:
                rows = range(_row_index(first), _row_index(last or first) + 1)
            except ValueError:
                raise ValidationError(f"Line {number}: rows are letters (A-C) or numbers "
                                      "(1-3).") from None
            if not rows or len(zone) > 40:
                raise ValidationError(f"Line {number}: the rows go from front to back, "
                                      "and zone names are short.")
            self._zone_rows[rows] = zone.strip()
            if self._prices.setdefault(zone.strip(), _price(price)) != _price(price):
                raise ValidationError(f"Line {number}: zone {zone} already has another price.")
        if not self._zone_rows:
            raise ValidationError("Give at least one zone, like “A-J Standard 120”.")

    @property
    def section_names(self) -> list[str]:
        return [name.strip() for name in (self.sections.data or "").split(",") if name.strip()]

    def section_specs(self) -> list[SectionSpec]:
        return [SectionSpec(name, self.rows.data, self.seats_per_row.data,
                            curved=self.layout.data == "curved", zone_for_rows=self._zone_rows,
                            wheelchair_spaces=self.wheelchair_spaces.data or 0)
                for name in self.section_names]

    @property
    def prices(self) -> dict[str, Decimal]:
        return dict(self._prices)


class ImportForm(FlaskForm):
    """A seat map from CSV (`section,row,number,x,y,zone,flags`), with a price per zone."""

    name = StringField("Seat map name", validators=[DataRequired(), Length(max=120)])
    csv_file = FileField("CSV file")
    csv_text = TextAreaField("…or paste the CSV", validators=[Optional(), Length(max=5_000_000)])
    prices = TextAreaField("Price per zone", default="VIP 450\nStandard 120",
                           validators=[DataRequired(), Length(max=2000)])

    def validate_prices(self, field) -> None:
        self._prices = {}
        for number, line in enumerate(field.data.splitlines(), start=1):
            if not line.strip():
                continue
            match = PRICE_LINE.match(line)
            if not match:
                raise ValidationError(f"Line {number}: write a zone and its price, "
                                      "like “VIP 450”.")
            self._prices[match.group(1)] = _price(match.group(2))

    def csv_content(self) -> str:
        upload = self.csv_file.data
        if upload and getattr(upload, "filename", ""):
            try:
                return upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError("The CSV file must be UTF-8 text.") from None
        return self.csv_text.data or ""

    @property
    def prices_by_zone(self) -> dict[str, Decimal]:
        return dict(self._prices)


class BlockForm(FlaskForm):
    """Seats to take out of sale (or put back) for this event, by label."""

    labels = TextAreaField("Seats", validators=[DataRequired("List at least one seat."),
                                                 Length(max=20_000)],
                           render_kw={"placeholder": "Centre A-1, Centre A-2\nB-12"})
    action = SelectField("Action", choices=[SelectChoice("block", "Take out of sale"),
                                            SelectChoice("unblock", "Put back on sale")])

    def seat_ids(self, seats: Iterable[SeatView]) -> list[int] | None:
        """The ids of the listed seats, or None with an error on the field.

        A seat is written as its label ("B-12"), with the section in front when several
        sections have that label ("Centre B-12").
        """
        by_label: dict[str, list[SeatView]] = {}
        for seat in seats:
            by_label.setdefault(seat.label.upper(), []).append(seat)
        ids, problems = [], []
        for item in re.split(r"[,;\n]+", self.labels.data or ""):
            words = item.split()
            if not words:
                continue
            label, section = words[-1].upper(), " ".join(words[:-1]).lower()
            matches = [s for s in by_label.get(label, []) if not section
                       or s.section.lower() == section]
            if len(matches) == 1:
                ids.append(matches[0].id)
            else:
                problems.append(item.strip() + (" (which section?)" if matches else ""))
        if problems:
            self.labels.errors = [*self.labels.errors, "No single seat matches: "
                                  + ", ".join(problems[:10]) + "."]
            return None
        return ids


class SalesSettingsForm(FlaskForm):
    """An event's sales settings (see app/services/seating/sales.py for the rules)."""

    hold_minutes = IntegerField("Seats are held for (minutes)", validators=[
        InputRequired("How many minutes are seats held in a cart?")],
        render_kw={"min": HOLD_MINUTES[0], "max": HOLD_MINUTES[1], "inputmode": "numeric"})
    max_seats_per_order = IntegerField("Tickets per order, at most", validators=[
        InputRequired("How many tickets may one order have?")],
        render_kw={"min": TICKETS_PER_ORDER[0], "max": TICKETS_PER_ORDER[1],
                   "inputmode": "numeric"})
    payment_minutes = IntegerField("Card payment window (minutes)", validators=[Optional()],
                                   render_kw={"min": PAYMENT_MINUTES[0],
                                              "max": PAYMENT_MINUTES[1], "inputmode": "numeric"})
