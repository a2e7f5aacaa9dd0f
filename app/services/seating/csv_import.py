"""Importing a seat map from CSV: `section,row,number,x,y,zone,flags` (flags like
`wheelchair|aisle`). Coordinates are moved so the seats sit below a stage at the top."""

from __future__ import annotations

import csv
import io
import math

from app.models.events import Venue
from app.models.seating import SeatMap
from app.services.errors import DomainError
from app.services.seating.seatmaps import (
    MARGIN,
    PITCH,
    STAGE_GAP,
    STAGE_HEIGHT,
    _finish,
    new_seat_map,
)

COLUMNS = ("section", "row", "number", "x", "y", "zone", "flags")
FLAGS = {"wheelchair", "companion", "restricted_view", "aisle"}
MAX_SEATS = 50_000


def _bad(line: int, message: str) -> DomainError:
    return DomainError(f"Line {line}: {message}", "csv")


def _parse_row(line: int, row: dict) -> dict:
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    for name in ("section", "row", "number", "x", "y", "zone"):
        if not values[name]:
            raise _bad(line, f"the {name} is missing.")
    if len(values["row"]) > 8 or len(values["section"]) > 60 or len(values["zone"]) > 40:
        raise _bad(line, "a section, row or zone name is too long.")
    try:
        number = int(values["number"])
    except ValueError:
        raise _bad(line, f"seat number {values['number']!r} is not a whole number.") from None
    if not 1 <= number <= MAX_SEATS:
        raise _bad(line, f"seat numbers run from 1 to {MAX_SEATS:,}.")
    try:
        x, y = float(values["x"]), float(values["y"])
    except ValueError:
        raise _bad(line, "x and y must be numbers.") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise _bad(line, "x and y must be numbers.")
    flags = {flag.strip().lower() for flag in values["flags"].split("|") if flag.strip()}
    unknown = sorted(flags - FLAGS)
    if unknown:
        raise _bad(line, f"unknown flag {unknown[0]!r} (use {', '.join(sorted(FLAGS))}).")
    return {"section": values["section"], "row_label": values["row"], "number": number,
            "x": x, "y": y, "zone": values["zone"], "flags": flags, "line": line}


def parse_seat_csv(text: str) -> list[dict]:
    """The seats of a CSV file, checked; a DomainError names the first bad line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in COLUMNS[:-1] if name not in header]
    if missing:
        raise _bad(1, f"the header needs the columns {','.join(COLUMNS)}.")
    reader.fieldnames = header
    seats, seen = [], {}
    for row in reader:
        line = reader.line_num
        seat = _parse_row(line, row)
        key = (seat["section"], seat["row_label"], seat["number"])
        if key in seen:
            raise _bad(line, f"seat {key[1]}-{key[2]} of section {key[0]} is already on "
                             f"line {seen[key]}.")
        seen[key] = line
        seats.append(seat)
        if len(seats) > MAX_SEATS:
            raise _bad(line, f"a map holds at most {MAX_SEATS} seats.")
    if not seats:
        raise DomainError("The file has no seats.", "csv")
    return seats


def import_seat_map_csv(venue: Venue, name: str, text: str) -> SeatMap:
    """Create a seat map from CSV text. Bad rows raise a DomainError naming the line."""
    seats = parse_seat_csv(text)
    seat_map, zone_ids, section_ids = new_seat_map(
        venue, name, list(dict.fromkeys(s["zone"] for s in seats)),
        list(dict.fromkeys(s["section"] for s in seats)))
    min_x = min(s["x"] for s in seats)
    min_y = min(s["y"] for s in seats)
    top = MARGIN + STAGE_HEIGHT + STAGE_GAP
    rows = [{
        "seat_map_id": seat_map.id, "section_id": section_ids[s["section"]],
        "price_zone_id": zone_ids[s["zone"]], "row_label": s["row_label"],
        "number": s["number"], "label": f"{s['row_label']}-{s['number']}",
        "x": round(s["x"] - min_x + MARGIN + PITCH / 2, 2), "y": round(s["y"] - min_y + top, 2),
        "wheelchair": "wheelchair" in s["flags"], "companion": "companion" in s["flags"],
        "restricted_view": "restricted_view" in s["flags"], "aisle": "aisle" in s["flags"],
    } for s in seats]
    width = max(r["x"] for r in rows) + PITCH / 2 + MARGIN
    height = max(r["y"] for r in rows) + MARGIN
    _finish(seat_map, rows, width, height)
    return seat_map
