"""Plans of the prepared seat statements that must not depend on what PostgreSQL knew about
the holds table when they were made (counts of plan nodes, not times)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app.extensions import db
from app.models.types import utcnow
from app.services.seating.queries import SEAT_STATES


def claim(se, parity: int) -> None:
    """Claims by carts of their own on the seats of the map whose id has this parity."""
    db.session.execute(text(
        "INSERT INTO holds (event_id, seat_id, quantity, cart_id, status, expires_at, "
        "created_at) SELECT :event, id, 1, 'cart-' || id, 'held', now() + interval '1 hour', "
        "now() FROM seats WHERE seat_map_id = :map AND id % 2 = :parity"),
        {"event": se.event.id, "map": se.seat_map.id, "parity": parity})
    db.session.commit()


@pytest.mark.postgres
def test_a_refused_clicks_seat_states_read_only_that_seats_claim(app, seat_map_event):
    """`seat_states` (what a refused click draws), planned while the event had half its
    claims and the statistics said it had none, reads the claim of the seat asked for only
    once the event has them all: one row from the holds, by the (event, seat) index. (On the
    benchmark's 20,000-seat map, the statement as a plain join was planned to read every
    claim of the event for each refused click.)"""
    from app.sql_batches.transactions import _run_on_its_own

    se = seat_map_event(rows=20, seats_per_row=50)  # 1,000 seats
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0,
                           connect_args={"prepare_threshold": None})  # one connection
    asked = se.seat("C-7")
    call = SEAT_STATES(event_id=se.event.id, seat_ids=[asked], now=utcnow())
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE holds")  # what autovacuum saw: no claims
        claim(se, 0)
        _run_on_its_own(engine, [call])  # prepared and planned now
        claim(se, 1)
        [outcome] = _run_on_its_own(engine, [call])
        assert [row.claim_cart for row in outcome.rows] == [f"cart-{asked}"]
        with engine.connect() as connection:  # the connection the statement was planned on
            connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            plan = "\n".join(connection.exec_driver_sql(  # EXECUTE takes no bound values
                f"EXPLAIN ANALYZE EXECUTE mq_seat_states({int(se.event.id)}, now(), "
                f"ARRAY[{int(asked)}])").scalars())
            connection.rollback()
        holds_read = [line for line in plan.splitlines() if " on holds" in line]
        assert holds_read and all("rows=1 " in line for line in holds_read), plan
    finally:
        engine.dispose()
