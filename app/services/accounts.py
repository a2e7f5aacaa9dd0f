"""Accounts: registration, email verification, login sessions and password resets.

Mailed secrets (verification links and codes, reset links) live in `AccountToken` rows as
HMAC-SHA256 digests keyed with SECRET_KEY: a copy of the database alone cannot be used to
verify or take over an account. A link carries the token's id and its secret, signed with an
itsdangerous serializer (one salt per purpose) that also enforces the age limit; the row's
`expires_at` and `used_at` make it expiring and single-use on the server side as well.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import AccountToken, Membership, TokenPurpose, User
from app.models.crew import CrewAssignment
from app.models.types import DB_INT_MAX, utcnow
from app.services.errors import DomainError
from app.services.outbox import queue_email
from app.services.passwords import hash_password, needs_rehash, password_problem, verify_password

CODE_DIGITS = 6
ON_CREW = "_marquee_on_crew"  # set on a user by the login loader (see `on_crew`)
RESET_SUBJECT = "Reset your Marquee password"


class InvalidLink(DomainError):
    """A mailed link that is malformed, expired, replaced or already used."""


def parse_login(session_id: str | None) -> tuple[int, int] | None:
    """The session's `<user id>:<session version>` as two numbers; None when malformed (or
    the id is past what a database integer holds)."""
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit() or int(user_id) > DB_INT_MAX:
        return None
    return int(user_id), int(version)


# The loader's statement, built once: it runs on every request of a logged-in person.
_LOGIN_STATEMENT = (
    select(User, exists().where(CrewAssignment.user_id == User.id),
           exists().where(Membership.user_id == User.id))
    .where(User.id == bindparam("user_id"))
    .options(lazyload(User.memberships).joinedload(Membership.organization)))


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: `<user id>:<session version>`; an old version is anonymous.

    One statement reads the person, whether they have ever been on a crew and whether they
    belong to any organization (what every page's navigation shows). Most people belong to
    none: their organizations are then known to be none. A member's are read when first
    used (the navigation of a full page, not a scan, a form post or an htmx fragment), with
    each organization in the same statement."""
    login = parse_login(session_id)
    if login is None:
        return None
    user_id, version = login
    row = db.session.execute(_LOGIN_STATEMENT, {"user_id": user_id}).one_or_none()
    if row is None or row[0].session_version != version:
        return None
    user, on_crew, member = row
    user.__dict__[ON_CREW] = bool(on_crew)
    if not member:
        set_committed_value(user, "memberships", [])
    return user


# ---------------------------------------------------------------- email addresses

def normalise_email(raw: str) -> str:
    """A syntactically valid address in lower case, or DomainError on the `email` field."""
    try:
        result = validate_email(
            (raw or "").strip(), check_deliverability=False,
            test_environment=bool(current_app.config.get("TESTING")),
        )
    except EmailNotValidError as exc:
        raise DomainError(str(exc), field="email") from exc
    return result.normalized.lower()


def find_user_by_email(email: str) -> User | None:
    """The account for `email` (compared case-insensitively), or None."""
    email = (email or "").strip().lower()
    if not email:
        return None
    return db.session.execute(
        db.select(User).where(func.lower(User.email) == email)
    ).scalar_one_or_none()


# ---------------------------------------------------------------- registration and login

def register_user(email: str, name: str, password: str) -> User:
    """Create an unverified account and mail the verification link and code.

    Raises DomainError (with the form field) for an invalid or taken email or a weak password.
    """
    email = normalise_email(email)
    name = (name or "").strip()
    if not name:
        raise DomainError("Tell us your name.", field="name")
    if find_user_by_email(email) is not None:
        raise DomainError("An account with this email already exists. Log in, or reset "
                          "your password if you have forgotten it.", field="email")
    problem = password_problem(password, email=email)
    if problem:
        raise DomainError(problem, field="password")
    user = User(email=email, name=name, password_hash=hash_password(password),
                session_version=0, is_site_admin=False)
    try:
        with db.session.begin_nested():  # a concurrent sign-up with the same email loses here
            db.session.add(user)
    except IntegrityError as exc:
        raise DomainError("An account with this email already exists.", field="email") from exc
    send_verification(user)
    return user


def authenticate(email: str, password: str) -> User:
    """The account whose email and password match; DomainError otherwise.

    An unknown email costs the same password verification as a known one, so response time
    does not reveal which addresses have accounts. Old hashes are upgraded on success.
    """
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password or ""):
        raise DomainError("That email and password do not match an account. "
                          "Check them and try again.")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def end_all_sessions(user: User) -> None:
    """Make every session and remember-me cookie issued to `user` so far anonymous."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current_password or ""):
        raise DomainError("Your current password is not right.", field="current_password")
    _set_password(user, new_password, field="new_password")


def _set_password(user: User, password: str, *, field: str) -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise DomainError(problem, field=field)
    user.password_hash = hash_password(password)
    _retire_tokens(user, TokenPurpose.RESET_PASSWORD)
    end_all_sessions(user)
    queue_email(user.email, "password_changed", "Your Marquee password was changed",
                user_id=user.id, related=("user", user.id), name=user.name,
                reset_url=_public_url("auth.reset_request"))


# ---------------------------------------------------------------- tokens

def _digest(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _code_digest(user_id: int, code: str) -> str:
    return _digest(f"code:{user_id}:{code}")


def _serializer(purpose: TokenPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"marquee.account.{purpose.value}")


def _max_age(purpose: TokenPurpose) -> int:
    key = ("EMAIL_TOKEN_MAX_AGE" if purpose is TokenPurpose.VERIFY_EMAIL
           else "RESET_TOKEN_MAX_AGE")
    return int(current_app.config[key])


def _public_url(endpoint: str, **values) -> str:
    """An absolute link for an email, on the configured public address.

    Never built from the request's Host header, which a client controls.
    """
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["PUBLIC_URL"] + path


def _retire_tokens(user: User, purpose: TokenPurpose) -> None:
    now = utcnow()
    db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def issue_token(user: User, purpose: TokenPurpose, *, with_code: bool = False
                ) -> tuple[str, str | None]:
    """A new signed link token (and a 6-digit code) for `user`; older ones stop working."""
    _retire_tokens(user, purpose)
    secret = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}" if with_code else None
    token = AccountToken(
        user_id=user.id, purpose=purpose, secret_hash=_digest(secret),
        code_hash=_code_digest(user.id, code) if code else None, attempts=0,
        expires_at=utcnow() + timedelta(seconds=_max_age(purpose)),
    )
    db.session.add(token)
    db.session.flush()
    signed = _serializer(purpose).dumps({"id": token.id, "s": secret})
    return signed, code


def _live_token(signed: str, purpose: TokenPurpose, *, lock: bool = True) -> AccountToken:
    """The unused, unexpired token behind a signed link (locked when it is about to be used)."""
    try:
        payload = _serializer(purpose).loads(signed, max_age=_max_age(purpose))
        token_id, secret = int(payload["id"]), str(payload["s"])
    except SignatureExpired as exc:
        raise InvalidLink("This link has expired.") from exc
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidLink("This link is not valid. Please use the newest email we sent.") from exc
    token = db.session.get(AccountToken, token_id, with_for_update=True if lock else None,
                           populate_existing=lock)
    if (token is None or token.purpose != purpose
            or not hmac.compare_digest(token.secret_hash, _digest(secret))):
        raise InvalidLink("This link is not valid. Please use the newest email we sent.")
    if token.used_at is not None:
        raise InvalidLink("This link has already been used, or a newer one replaced it.")
    if token.expires_at <= utcnow():
        raise InvalidLink("This link has expired.")
    return token


# ---------------------------------------------------------------- email verification

def send_verification(user: User) -> None:
    """Mail a fresh verification link and code; any earlier ones stop working."""
    if user.is_verified:
        raise DomainError("Your email address is already confirmed.")
    signed, code = issue_token(user, TokenPurpose.VERIFY_EMAIL, with_code=True)
    queue_email(user.email, "verify_email", f"Your Marquee code is {code}",
                user_id=user.id, related=("user", user.id), name=user.name, code=code,
                link=_public_url("auth.verify_email", token=signed),
                hours=_max_age(TokenPurpose.VERIFY_EMAIL) // 3600)


def _mark_verified(user: User, token: AccountToken) -> None:
    now = utcnow()
    token.used_at = now
    if user.email_verified_at is None:
        user.email_verified_at = now
    _retire_tokens(user, TokenPurpose.VERIFY_EMAIL)
    db.session.flush()


def verify_email_with_link(signed: str) -> User:
    """Confirm the address behind a mailed link; the link is single-use."""
    token = _live_token(signed, TokenPurpose.VERIFY_EMAIL)
    _mark_verified(token.user, token)
    return token.user


def verify_email_with_code(user: User, code: str) -> None:
    """Confirm `user`'s address with the 6-digit code from the newest email.

    Every wrong guess counts (the caller commits even on DomainError); after
    CODE_MAX_ATTEMPTS wrong guesses the code and its link are cancelled.
    """
    if user.is_verified:
        return
    token = db.session.execute(
        db.select(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None),
               AccountToken.purpose == TokenPurpose.VERIFY_EMAIL)
        .order_by(AccountToken.id.desc()).limit(1).with_for_update()
    ).scalar_one_or_none()
    if token is None or token.code_hash is None or token.expires_at <= utcnow():
        raise DomainError("This code has expired or was replaced. Send yourself a new one.",
                          field="code")
    if hmac.compare_digest(token.code_hash, _code_digest(user.id, (code or "").strip())):
        _mark_verified(user, token)
        return
    token.attempts += 1
    left = int(current_app.config["CODE_MAX_ATTEMPTS"]) - token.attempts
    if left <= 0:
        token.used_at = utcnow()
        db.session.flush()
        raise DomainError("That code is not right, and that was the last try. "
                          "Send yourself a new code.", field="code")
    db.session.flush()
    raise DomainError(f"That code is not right. {left} {'try' if left == 1 else 'tries'} left.",
                      field="code")


# ---------------------------------------------------------------- password reset

def request_password_reset(email: str) -> None:
    """Mail a reset link if `email` has an account; do the same work either way.

    The caller shows the same page for known and unknown addresses. So that timing does not
    tell them apart either, an unknown address still mints a secret and renders the email.
    """
    user = find_user_by_email(email)
    if user is None:
        _digest(secrets.token_urlsafe(32))
        context = _reset_email_context(secrets.token_urlsafe(64), "")
        for suffix in ("txt", "html"):
            render_template(f"emails/reset_password.{suffix}", **context)
        return
    signed, _ = issue_token(user, TokenPurpose.RESET_PASSWORD)
    queue_email(user.email, "reset_password", RESET_SUBJECT,
                user_id=user.id, related=("user", user.id),
                **_reset_email_context(signed, user.name))


def _reset_email_context(signed: str, name: str) -> dict:
    return {"name": name, "link": _public_url("auth.reset_password", token=signed),
            "minutes": _max_age(TokenPurpose.RESET_PASSWORD) // 60}


def user_for_reset(signed: str) -> User:
    """The account a reset link is for, without using the link up (InvalidLink if dead)."""
    return _live_token(signed, TokenPurpose.RESET_PASSWORD, lock=False).user


def reset_password(signed: str, new_password: str) -> User:
    """Set a new password through a reset link: single-use, and every session ends.

    Following a link mailed to the address also proves the address, so it counts as verified.
    """
    token = _live_token(signed, TokenPurpose.RESET_PASSWORD)
    user = token.user
    _set_password(user, new_password, field="password")
    token.used_at = utcnow()
    if user.email_verified_at is None:
        user.email_verified_at = token.used_at
    db.session.flush()
    return user
