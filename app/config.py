"""One configuration class, read from the environment (and `.env` in development)."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(url: str) -> str:
    # Heroku-style URLs and bare postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _development_secret(instance: Path) -> str:
    """Generate the development secret once and keep it in instance/ (never committed)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        # Created 0600 from the start, and only once even when the server and a worker
        # start together (O_EXCL): every process then signs with the same key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another process may have created it and not written it yet
        secret = path.read_text().strip()
        if secret:
            return secret
        time.sleep(0.02)
    raise ConfigError(f"{path} is empty; delete it to generate a new development secret.")


def _sandbox_webhook_secret(app_secret: str, enabled: bool, production: bool) -> str:
    """The sandbox gateway's webhook signing secret: from the environment, or (outside
    production) derived from this instance's secret key, so it is per instance and stable."""
    secret = os.environ.get("SANDBOX_WEBHOOK_SECRET")
    if secret:
        return secret
    if production and enabled:
        raise ConfigError("SANDBOX_WEBHOOK_SECRET must be set when the sandbox gateway is "
                          "enabled in production.")
    import hashlib
    import hmac

    return hmac.new(app_secret.encode(), b"sandbox-webhook", hashlib.sha256).hexdigest()


CONNECTION_CHECKS = ("socket", "query", "off")


def connection_check() -> str:
    """DATABASE_PRE_PING: how a pooled connection is checked before use. `socket` (the
    default) looks for the server's goodbye on its socket, no round trip (see
    `app.db_checkout`); `query` sends a test query (one round trip per request); `off` does
    neither (a connection the server dropped then fails one request)."""
    value = os.environ.get("DATABASE_PRE_PING", "socket").strip().lower()
    value = {"1": "query", "true": "query", "0": "off", "false": "off"}.get(value, value)
    if value not in CONNECTION_CHECKS:
        raise ConfigError(f"DATABASE_PRE_PING must be one of {', '.join(CONNECTION_CHECKS)}.")
    return value


def _engine_options(check: str) -> dict:
    """Without the test query, connections are also recycled after DATABASE_POOL_RECYCLE
    seconds (default 300): the socket check cannot see a peer that vanished silently."""
    if check == "query":
        return {"pool_pre_ping": True}
    return {"pool_pre_ping": False,
            "pool_recycle": int(os.environ.get("DATABASE_POOL_RECYCLE", "300"))}


class Config:
    """Settings for one app instance. Build with `Config.from_env()`; override with a dict."""

    def __init__(self, **values):
        for key, value in values.items():
            setattr(self, key, value)

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ.get("FLASK_ENV", "development").lower()
        if env == "development":
            load_dotenv(ROOT / ".env", override=False)
            env = os.environ.get("FLASK_ENV", "development").lower()
        production = env == "production"
        instance = Path(os.environ.get("INSTANCE_PATH", DEFAULT_INSTANCE))

        secret = os.environ.get("SECRET_KEY")
        if not secret:
            if production:
                raise ConfigError("SECRET_KEY must be set in the environment in production.")
            secret = _development_secret(instance)

        database = os.environ.get("DATABASE_URL")
        if not database:
            if production:
                raise ConfigError("DATABASE_URL must be set in the environment in production.")
            instance.mkdir(parents=True, exist_ok=True)
            database = f"sqlite:///{instance / 'marquee.db'}"

        redis_url = os.environ.get("REDIS_URL") or None
        check = connection_check()
        sandbox = _flag("SANDBOX_GATEWAY_ENABLED", default=not production)
        return cls(
            SANDBOX_GATEWAY_ENABLED=sandbox,
            SANDBOX_WEBHOOK_SECRET=_sandbox_webhook_secret(secret, sandbox, production),
            SANDBOX_WEBHOOK_INPROCESS=_flag("SANDBOX_WEBHOOK_INPROCESS",
                                            default=redis_url is None),
            ENV=env,
            INSTANCE_PATH=str(instance),
            DOCUMENTS_PATH=os.environ.get("DOCUMENTS_PATH") or str(instance / "documents"),
            SECRET_KEY=secret,
            SQLALCHEMY_DATABASE_URI=_database_url(database),
            REDIS_URL=redis_url,
            JOBS_INLINE=redis_url is None,
            SESSION_COOKIE_SECURE=_flag("SESSION_COOKIE_SECURE", default=production),
            REMEMBER_COOKIE_SECURE=_flag("SESSION_COOKIE_SECURE", default=production),
            PREFERRED_URL_SCHEME="https" if production else "http",
            SERVER_NAME=os.environ.get("SERVER_NAME") or None,
            PUBLIC_URL=os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
            MAIL_SERVER=os.environ.get("MAIL_SERVER") or None,
            MAIL_PORT=int(os.environ.get("MAIL_PORT", "587")),
            MAIL_USERNAME=os.environ.get("MAIL_USERNAME") or None,
            MAIL_PASSWORD=os.environ.get("MAIL_PASSWORD") or None,
            MAIL_USE_TLS=_flag("MAIL_USE_TLS", default=True),
            MAIL_USE_SSL=_flag("MAIL_USE_SSL"),
            MAIL_DEFAULT_SENDER=os.environ.get("MAIL_DEFAULT_SENDER",
                                               "Marquee <no-reply@localhost>"),
            DEV_MAIL_VIEWER=not production and _flag("DEV_MAIL_VIEWER", default=True),
            RATELIMIT_ENABLED=_flag("RATELIMIT_ENABLED", default=True),
            TRUSTED_PROXIES=int(os.environ.get("TRUSTED_PROXIES", "0")),
            DATABASE_CONNECTION_CHECK=check,
            SQLALCHEMY_ENGINE_OPTIONS=_engine_options(check),
        )


# Defaults every configuration starts from; `from_env()` and test dicts override them.
DEFAULTS: dict = {
    "ENV": "development",
    "TESTING": False,
    "DATABASE_CONNECTION_CHECK": "socket",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_REGISTER": "10 per hour",
    "RATELIMIT_CODE": "10 per 10 minutes",
    "RATELIMIT_RESET": "5 per 15 minutes",
    "EMAIL_TOKEN_MAX_AGE": 60 * 60 * 24,
    "RESET_TOKEN_MAX_AGE": 60 * 60,
    "CODE_MAX_ATTEMPTS": 5,
    "OUTBOX_MAX_ATTEMPTS": 6,
    "OUTBOX_SWEEP_AFTER": 60,
    "JOB_TIMEOUT": 120,
    "MAIL_TIMEOUT": 20,
    # Orders and payments (see app/services/orders and app/services/payments).
    "SANDBOX_GATEWAY_ENABLED": False,
    "SANDBOX_WEBHOOK_INPROCESS": True,
    "SANDBOX_WEBHOOK_TOLERANCE": 300,
    "SANDBOX_DELAY_SECONDS": 20,
    "PAYMENT_WINDOW_MINUTES": 12,
    "APPROVAL_WINDOW_HOURS": 48,
    "RECEIPT_MAX_BYTES": 5 * 1024 * 1024,
    # Tickets (see app/services/tickets): rendered PDFs live under DOCUMENTS_PATH.
    "DOCUMENT_JOB_RETRIES": (10, 60, 300),
    "TICKET_TRANSFER_HOURS": 72,
}
