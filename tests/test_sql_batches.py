"""Statement batches (app/sql_batches/): the same answers on both backends, one message per
batch on PostgreSQL, transactions that begin, commit and roll back as asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import (
    ARRAY,
    Integer,
    Numeric,
    String,
    bindparam,
    cast,
    create_engine,
    func,
    insert,
    select,
    text,
)

from app.extensions import db
from app.models import Membership, Organization, Role
from app.models.types import UTCDateTime, str_enum
from app.sql_batches import Statement, run, statement, transaction

ORGS = Organization.__table__


@statement("test_echo")
def ECHO(dialect: str):
    return select(bindparam("number", type_=Integer), bindparam("words", type_=String),
                  bindparam("when", type_=UTCDateTime()), bindparam("role", type_=str_enum(Role)),
                  cast(bindparam("amount", type_=Numeric(10, 2)), Numeric(10, 2)))


@statement("test_add_org")
def ADD_ORG(dialect: str):
    return insert(ORGS).values(name=bindparam("name"), slug=bindparam("slug"),
                               created_at=bindparam("at", type_=UTCDateTime())
                               ).returning(ORGS.c.id, ORGS.c.created_at)


@statement("test_count_orgs")
def COUNT_ORGS(dialect: str):
    slugs = (ORGS.c.slug == func.any(bindparam("slugs", type_=ARRAY(String)))
             if dialect == "postgresql" else
             ORGS.c.slug.in_(bindparam("slugs", expanding=True)))
    return select(func.count()).where(slugs, ORGS.c.name.like("%co"))


@statement("test_prepared")
def PREPARED(dialect: str):
    return text("SELECT name FROM pg_prepared_statements ORDER BY name").columns(name=String)


@statement("test_commit_setting")
def COMMIT_SETTING(dialect: str):
    return text("SELECT current_setting('synchronous_commit') AS setting").columns(
        setting=String)


def _orgs(*slugs: str) -> int:
    return db.session.scalar(select(func.count()).where(ORGS.c.slug.in_(slugs)))


def test_values_and_answers_keep_their_types_on_both_backends():
    when = datetime(2026, 12, 2, 19, 4, 5, 123456, tzinfo=UTC)
    [echo] = run([ECHO(number=7, words="it's 100%", when=when, role=Role.GATE,
                       amount=Decimal("12.50"))])
    assert echo.rows == [(7, "it's 100%", when, Role.GATE, Decimal("12.50"))]
    number, words, at, role, amount = echo.rows[0]
    assert at.utcoffset() == timedelta(0) and isinstance(role, Role)


def test_a_transaction_of_batches_commits_as_one():
    at = datetime.now(UTC)
    called = []
    with transaction() as tx:
        tx.after_commit(lambda: called.append("committed"))
        outcomes = tx.run([ADD_ORG(name="Disco", slug="disco", at=at),
                           ADD_ORG(name="Tabasco", slug="tabasco", at=at),
                           COUNT_ORGS(slugs=["disco", "tabasco", "other"])], commit=True)
        tx.after_commit(lambda: called.append("then"))  # on PostgreSQL: called at once
        tx.commit()  # the batch committed already: nothing more
    db.session.commit()
    assert [len(o.rows) for o in outcomes[:2]] == [1, 1]
    assert outcomes[0].rows[0].created_at == at
    assert outcomes[2].rows == [(2,)]  # the batch sees its own writes, LIKE's % intact
    assert called == ["committed", "then"]  # each once
    db.session.remove()
    assert _orgs("disco", "tabasco") == 2


def test_a_transaction_left_without_commit_is_rolled_back():
    called = []
    with transaction() as tx:
        tx.after_commit(lambda: called.append(True))
        tx.run([ADD_ORG(name="Gone", slug="gone", at=datetime.now(UTC))])
        [count] = tx.run([COUNT_ORGS(slugs=["gone"])])
        assert count.rows == [(0,)]  # the name is not like "%co"
        owns = tx.owns
    db.session.rollback()  # SQLite: the session's transaction, the caller's to end
    db.session.remove()
    assert _orgs("gone") == 0 and called == []
    assert owns == (db.engine.dialect.name == "postgresql")


def test_batches_join_the_session_transaction_with_its_pending_objects_first(make_user):
    user = make_user()
    org = Organization(name="Pending", slug="pending")
    db.session.add_all([org, Membership(user=user, organization=org, role=Role.GATE)])
    called = []
    with transaction() as tx:
        assert not tx.owns
        tx.after_commit(lambda: called.append(True))
        [added] = tx.run([ADD_ORG(name="Joined", slug="joined", at=datetime.now(UTC))],
                         commit=True)  # the caller's transaction: no commit
        tx.commit()
    [alone] = run([COUNT_ORGS(slugs=["joined", "pending"])])  # joins it too
    assert org.id is not None and len(added.rows) == 1 and alone.rows == [(0,)]
    db.session.rollback()
    db.session.remove()
    assert _orgs("pending", "joined") == 0 and called == []


def test_a_failed_batch_undoes_its_statements_and_leaves_the_session_usable():
    at = datetime.now(UTC)
    run([ADD_ORG(name="Taken", slug="taken", at=at)])
    db.session.commit()
    with pytest.raises(Exception) as raised, transaction() as tx:
        tx.run([ADD_ORG(name="First", slug="first", at=at),
                ADD_ORG(name="Again", slug="taken", at=at)], commit=True)
    assert "unique" in str(raised.value).lower()
    db.session.rollback()
    db.session.remove()
    assert _orgs("first") == 0 and _orgs("taken") == 1
    [echo] = run([COUNT_ORGS(slugs=["taken"])])
    assert echo.rows == [(0,)]


def test_statement_names_are_checked():
    with pytest.raises(ValueError):
        Statement("Not A Name", lambda dialect: select(1))
    with pytest.raises(ValueError):
        Statement("test_echo", lambda dialect: select(1))


@pytest.mark.postgres
def test_each_statement_is_prepared_once_per_connection_and_again_after_discard(app):
    from app.sql_batches.transactions import _run_on_its_own

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0,
                           connect_args={"prepare_threshold": None})  # one connection

    def echo(number: int) -> int:
        [outcome] = _run_on_its_own(engine, [ECHO(number=number, words="",
                                                  when=datetime.now(UTC), role=Role.GATE,
                                                  amount=1)])
        return outcome.rows[0].number

    def prepared() -> list[str]:
        return [row.name for row in _run_on_its_own(engine, [PREPARED()])[0].rows]

    try:
        assert (echo(1), echo(2)) == (1, 2)
        assert prepared().count("mq_test_echo") == 1
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("DISCARD ALL")  # the server forgets what it prepared
        assert "mq_test_echo" not in prepared()
        assert echo(3) == 3
        assert prepared().count("mq_test_echo") == 1
    finally:
        engine.dispose()


def test_parameters_must_match_the_statement():
    with pytest.raises(TypeError):
        run([COUNT_ORGS(slugs=["a"], name="a constant of the construct")])
    with pytest.raises(TypeError):
        run([ECHO(number=1)])


@pytest.mark.postgres
def test_a_batch_is_one_message(monkeypatch):
    from psycopg import ClientCursor

    messages: list[str] = []
    execute = ClientCursor.execute

    def spy(self, query, *args, **kwargs):
        messages.append(query)
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(ClientCursor, "execute", spy)
    with transaction() as tx:
        tx.run([ADD_ORG(name="One", slug="one", at=datetime.now(UTC)),
                COUNT_ORGS(slugs=["one"])], commit=True)
    assert len(messages) == 1
    assert messages[0].startswith("BEGIN; ") and messages[0].endswith("; COMMIT")
    assert not db.session().in_transaction()  # the session was not involved
    # Generic plans were asked for in the message, for its own statements only: the
    # connection goes back to the pool with the server's own choice for the app's queries.
    assert "SET plan_cache_mode = force_generic_plan" in messages[0]
    for _ in range(3):  # whichever pooled connection the session gets
        assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
        db.session.remove()


@pytest.mark.postgres
def test_a_transaction_that_need_not_be_durable_skips_the_disk_wait_for_itself_only():
    """`durable=False`: that transaction commits without waiting for the WAL flush (a hold);
    its writes are committed all the same, and the pooled connection goes back as it was."""
    at = datetime.now(UTC)
    with transaction(durable=False) as tx:
        [_, inside] = tx.run([ADD_ORG(name="Quick", slug="quick", at=at), COMMIT_SETTING()],
                             commit=True)
    with transaction() as tx:
        [durable] = tx.run([COMMIT_SETTING()], commit=True)
    assert inside.rows == [("off",)] and durable.rows == [("on",)]
    with transaction(durable=False) as tx:
        [after] = tx.run([COMMIT_SETTING()], begin=False)  # outside its transaction
    assert after.rows == [("on",)]
    db.session.remove()
    assert _orgs("quick") == 1


@statement("test_probe")
def PROBE(dialect: str):
    return text("SELECT v FROM plan_probe WHERE k = :k").columns(v=String)


@pytest.mark.postgres
def test_plans_are_made_again_on_the_table_as_it_has_grown(app, monkeypatch):
    """A statement first prepared on an empty table plans a full scan; once its plan is older
    than `PLAN_LIFETIME`, the next message prepares it again, on the table as it is now."""
    from app.sql_batches import postgresql
    from app.sql_batches.transactions import _run_on_its_own

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0,
                           connect_args={"prepare_threshold": None})  # one connection
    sent: list[str] = []

    def probe() -> None:
        _run_on_its_own(engine, [PROBE(k=7)])

    def plan() -> str:
        with engine.connect() as connection:  # the pooled connection the probe ran on
            connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            lines = connection.exec_driver_sql("EXPLAIN EXECUTE mq_test_probe(7)").scalars()
            plan = " ".join(lines)
            connection.exec_driver_sql("RESET plan_cache_mode")
            connection.rollback()
            return plan

    from psycopg import ClientCursor

    execute = ClientCursor.execute
    monkeypatch.setattr(ClientCursor, "execute",
                        lambda self, query, *a, **k: sent.append(query) or execute(
                            self, query, *a, **k))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS plan_probe")
        connection.exec_driver_sql("CREATE TABLE plan_probe (id serial PRIMARY KEY, k int, v text)")
        connection.exec_driver_sql("CREATE INDEX ix_plan_probe_k ON plan_probe (k)")
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE plan_probe")  # what autovacuum saw: nothing
        monkeypatch.setattr(postgresql, "PLAN_LIFETIME", 3600.0)
        probe()
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO plan_probe (k, v) SELECT n, 'v' FROM generate_series(1, 20000) n")
        probe()
        assert "Seq Scan" in plan()  # the plan made on the empty table, kept
        assert sent[-1].startswith("SET plan_cache_mode")  # not prepared again
        monkeypatch.setattr(postgresql, "PLAN_LIFETIME", 0.0)
        probe()
        assert sent[-1].startswith("DEALLOCATE ALL; ")
        assert "Index" in plan() and "Seq Scan" not in plan()
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE plan_probe")
        engine.dispose()
