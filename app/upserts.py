"""`INSERT … ON CONFLICT` on either database the app runs on: PostgreSQL in production,
SQLite for a quick local start. SQLAlchemy builds ON CONFLICT only from a dialect's own
`insert`; these pick it."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect: str):
    """The `insert` construct of the dialect named `dialect` ("postgresql" or "sqlite")."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def session_insert():
    """`insert_for` the database the app's session is bound to."""
    from app.extensions import db

    return insert_for(db.session.get_bind().dialect.name)
