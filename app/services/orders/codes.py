"""Order codes: short, easy to read aloud and type, unique."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.extensions import db
from app.models.orders import Order

# No 0/O, 1/l/I: nothing that reads as something else on a receipt or over the phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8


def random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def new_order_code(attempts: int = 10) -> str:
    """A code no order has yet (31^8 ≈ 8.5e11 codes; the unique key is the final guard)."""
    for _ in range(attempts):
        code = random_code()
        if db.session.scalar(select(Order.id).where(Order.code == code)) is None:
            return code
    raise RuntimeError("could not find a free order code")


def normalise_code(code: str) -> str:
    """What a person typed, as stored: upper case, no spaces or dashes."""
    return "".join(code.split()).replace("-", "").upper()
