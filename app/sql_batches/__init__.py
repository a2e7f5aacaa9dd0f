"""Several statements in one round trip to PostgreSQL, each on a plan it keeps.

On the hot paths (a seat click, a gate scan) a round trip to PostgreSQL costs more CPU, on
both sides, than the small indexed statements it carries, and SQLAlchemy's work per
execution (cache key, parameters, result set-up) costs as much again. `run()` therefore
sends a batch of statements to PostgreSQL as one simple-protocol message of
`EXECUTE <name>(<value>, ...)` calls:

- every `Statement` is a SQLAlchemy Core construct, compiled once per process and PREPAREd
  on a connection in the same message, the first time it is used there (and again once
  its plan is a second old: see `app.sql_batches.postgresql`), so PostgreSQL does not plan
  it at each execution and its SQL is written in one place. The construct's constants
  (`status = 'valid'`, `IN ('owner', 'gate')`) are part of the prepared text; only the
  named parameters travel with each call;
- values go through the columns' own bind processing, then psycopg quotes them as literals:
  nothing is ever formatted into SQL by hand;
- `BEGIN` and `COMMIT` travel in the same message when the caller asks for them.

A batch outside any transaction runs on a pooled connection of its own and commits as a
whole (the session is not involved). Elsewhere (SQLite) the same statements run one by one
through the session, inside its transaction. Both backends answer with named tuples
carrying the columns' result types (enums, UTC datetimes), so callers do not know which
one ran.
"""

from app.sql_batches.statements import Call, Outcome, Statement, among, statement
from app.sql_batches.transactions import Batches, run, transaction

__all__ = ["Batches", "Call", "Outcome", "Statement", "among", "run", "statement",
           "transaction"]
