"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # long passphrases are welcome; this only bounds hashing work

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A real hash to verify against when the account does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why `password` is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _common_passwords():
        return "This password is on a list of commonly used passwords. Please choose another."
    if email and lowered == email.lower():
        return "Your password must not be your email address."
    if len(set(password)) < 3:
        return "This password is too easy to guess. Please choose another."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-ish time check; a missing hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
