"""Batches on PostgreSQL: one simple-protocol message of EXECUTE calls, the statements
PREPAREd in it the first time a connection sees them (see the package's docstring).

A statement's plan is made on the table as it is when the statement is prepared, and a
prepared statement keeps its plan until PostgreSQL's own statistics change (an ANALYZE). A
plan made on an empty table (an event's first click, the first sale after holds were
cleared) reads the table in full, or through an index chosen on no evidence, and would go on
doing so while the table grows for as long as autovacuum takes to analyze it: under load,
tens of seconds of every click scanning all the holds. So a connection's statements are
prepared afresh once their plans are older than `PLAN_LIFETIME`: the next message starts with
DEALLOCATE ALL and prepares what it uses again (planning a hold's statements costs about
half a millisecond, once per second per busy connection).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from enum import Enum
from typing import Any

from app.sql_batches.statements import Call, Compiled, Outcome, Statement, check_params

# Key in a connection's `info`: the names prepared there; absent after a failed message (a
# PREPARE is not undone by a rollback, so what the server kept is unknown): the next message
# then starts with DEALLOCATE ALL.
_PREPARED = "marquee_prepared_statements"
_PLANNED_AT = "marquee_plans_made_at"  # time.monotonic() of the message that prepared them
PLAN_LIFETIME = 1.0  # seconds
_TUPLES_OK = 2  # libpq's PGRES_TUPLES_OK: a result with rows (possibly none)
# Around the EXECUTEs of a message, and only there: prepared statements run on their generic
# plan (they are written so that keys drive every join, and planning one again at each
# execution, which PostgreSQL does while a custom plan looks cheaper, costs more than
# running it). The rest of the app's queries keep the server's own choice. A failed message
# undoes the SET with its transaction (a message without BEGIN is one implicit transaction).
_GENERIC_PLANS = "SET plan_cache_mode = force_generic_plan"
_DEFAULT_PLANS = "RESET plan_cache_mode"


class StatementsForgotten(Exception):
    """The server no longer knows a statement this connection prepared (DISCARD ALL)."""


def in_server_transaction(driver) -> bool:
    from psycopg.pq import TransactionStatus

    return driver.pgconn.transaction_status != TransactionStatus.IDLE


# After BEGIN, in a transaction that need not wait for its commit to reach the disk (see
# `transaction(durable=False)`).
_NOT_DURABLE = "SET LOCAL synchronous_commit = off"


def send(info: dict, dialect, driver, calls: Sequence[Call], begin: bool, commit: bool, *,
         undo: bool, durable: bool = True) -> list[Outcome]:
    """One message; on an error, roll back what the batches began (`undo`) and raise.
    `durable` False: the transaction it begins does not wait for its WAL flush at commit."""
    from psycopg import ClientCursor, errors

    prepared = info.get(_PREPARED)
    now = time.monotonic()
    if prepared is not None and now - info.get(_PLANNED_AT, now) > PLAN_LIFETIME:
        prepared = None  # plans made on the tables as they were: make them again
    cursor = ClientCursor(driver)
    # The message is one template quoted in one `mogrify` call: the text of every part but
    # the EXECUTEs' placeholders has its % doubled.
    parts, values, wanted, newly = ["BEGIN"] if begin else [], [], [], set()
    if begin and not durable:
        parts.append(_NOT_DURABLE)
    fresh = prepared is None
    if fresh:
        prepared = set()
        parts.append("DEALLOCATE ALL")
    parts.append(_GENERIC_PLANS)
    for call in calls:
        compiled = call.statement.compiled(dialect)
        name = call.statement.prepared_name
        if name not in prepared and name not in newly:
            parts.append(compiled.prepare(cursor, name).replace("%", "%%"))
            newly.add(name)
        wanted.append((len(parts), compiled))
        parts.append(_execute(name, compiled, call.params, values))
    parts.append(_DEFAULT_PLANS)
    if commit:
        parts.append("COMMIT")
    try:
        cursor.execute(cursor.mogrify("; ".join(parts), values))
    except BaseException as exc:
        info.pop(_PREPARED, None)
        if undo and not driver.broken and in_server_transaction(driver):
            driver.rollback()
        if isinstance(exc, errors.InvalidSqlStatementName):
            raise StatementsForgotten() from exc
        raise
    info[_PREPARED] = prepared | newly if newly else prepared
    if fresh:
        info[_PLANNED_AT] = now
    outcomes, index = [], 0
    for (position, compiled), call in zip(wanted, calls, strict=True):
        while index < position:
            cursor.nextset()
            index += 1
        outcomes.append(_outcome(cursor, compiled, dialect, call.statement))
    return outcomes


def _execute(name: str, compiled: Compiled, params: dict[str, Any], values: list) -> str:
    """`EXECUTE name(%s, …)`, adding the call's values, bind-processed, to `values`."""
    if len(params) != len(compiled.names):
        check_params(name, compiled.names, params)
    if not params:
        return f"EXECUTE {name}"
    for key, process in zip(compiled.names, compiled.binds, strict=True):
        value = params[key]
        if process is not None:
            value = process(value)
        elif isinstance(value, Enum):
            value = value.value
        values.append(value)
    return f"EXECUTE {name}({', '.join(['%s'] * len(params))})"


def _outcome(cursor, compiled: Compiled, dialect, statement: Statement) -> Outcome:
    if cursor.pgresult.status != _TUPLES_OK:
        return Outcome([], cursor.rowcount)
    if compiled.results is None:
        compiled.results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, described.type_code)
            for column, described in zip(compiled.columns, cursor.description, strict=True))
    make = statement.row_type(dialect.name)._make
    rows = cursor.fetchall()
    if not any(compiled.results):
        return Outcome([make(row) for row in rows], len(rows))
    processed = [make(value if process is None or value is None else process(value)
                      for value, process in zip(row, compiled.results, strict=True))
                 for row in rows]
    return Outcome(processed, len(processed))
