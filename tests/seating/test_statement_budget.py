"""Statement budgets of the hot seat paths: counts, not times.

A hold request is one message to PostgreSQL (`seating.hold_at`) once the process knows the
event: BEGIN, the cart's lock, the event's lock and version, the claim (an INSERT … SELECT
that reads the seat facts, checks the cart and the event's facts in the same statement),
the change log, the cart lines the answer shows, the next expiry and the version given back
if nothing changed, the event's facts as they are now, and COMMIT. The first click on an
event reads its facts first, in a message of its own. On SQLite the same statements go one
by one.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.services import seating
from app.services.seating import live
from tests.statements import round_trips, statements

# cart lock, lock, claim, change log, cart, next expiry, version, facts
HOLD_STATEMENTS = 8
HOLD_ROUND_TRIPS = 1  # on PostgreSQL: one message carries them, BEGIN and COMMIT included
REFUSED_STATEMENTS = HOLD_STATEMENTS + 1  # and the seats' states, which explain and draw it


def _hold(client, se, label: str):
    with round_trips() as sent:
        response = client.post(f"/events/{se.event.slug}/seats/{se.seat(label)}/hold")
    assert response.status_code == 200
    assert "fp-mine" in response.get_data(as_text=True)
    return sent


def test_a_hold_request_stays_within_its_statement_budget(app, htmx_client, seat_map_event):
    se = seat_map_event()
    other = app.test_client()
    other.environ_base["HTTP_HX_REQUEST"] = "true"
    other.post(f"/events/{se.event.slug}/seats/{se.seat('E-1')}/hold")  # sets the next expiry
    db.session.remove()
    sent = _hold(htmx_client, se, "A-1")
    assert len(sent) <= HOLD_STATEMENTS, sent  # no N+1, nothing read again for the answer
    assert len(_hold(htmx_client, se, "A-2")) <= HOLD_STATEMENTS


@pytest.mark.postgres
def test_a_hold_request_is_one_round_trip_on_postgresql(app, htmx_client, seat_map_event):
    se = seat_map_event()
    db.session.remove()
    first = _hold(htmx_client, se, "A-1")  # the first click on the event in this process
    assert len(first) == HOLD_ROUND_TRIPS + 1 and not first.statements, first
    facts, hold = first.batches
    assert "BEGIN" not in facts and hold.startswith("BEGIN") and hold.endswith("COMMIT")
    for label in ("A-2", "A-3"):  # later clicks: the event's facts are known
        sent = _hold(htmx_client, se, label)
        assert len(sent) == HOLD_ROUND_TRIPS and not sent.statements, sent
        assert sent.batches[0].startswith("BEGIN") and sent.batches[0].endswith("COMMIT")
        # a hold need not wait for the disk (see `app.services.seating.holds`)
        assert sent.batches[0].startswith("BEGIN; SET LOCAL synchronous_commit = off; ")


@pytest.mark.postgres
def test_a_logged_in_persons_hold_is_a_transaction_of_its_own(
        app, login_as, make_user, seat_map_event):
    """Reading the person who is logged in begins the session's transaction; the hold does
    not join it (its locks would then wait for the view's commit, and that commit for the
    disk) but runs in one message of its own, as for anybody."""
    se = seat_map_event()
    client = login_as(make_user(), htmx=True)
    _hold(client, se, "A-1")  # the event's facts are known from here on
    db.session.remove()
    sent = _hold(client, se, "A-2")
    assert len(sent.statements) == 1 and "FROM users" in sent.statements[0], sent
    [hold] = sent.batches
    assert hold.startswith("BEGIN; SET LOCAL synchronous_commit = off; ") and \
        hold.endswith("COMMIT")


@pytest.mark.parametrize("holder", ["someone else", "nobody: not on sale"])
def test_a_refused_hold_reads_the_seat_once_and_draws_the_answer_from_it(
        app, htmx_client, seat_map_event, holder):
    """A seat someone else holds (or that has no price) is explained and drawn from one more
    statement of the hold: no event lookup, no second read of the seat or the cart."""
    if holder == "someone else":
        se = seat_map_event()
        seat = se.seat("C-2")
        seating.hold_seat(se.event, seat, "cart-other")
        db.session.commit()
    else:  # the Standard zone (rows C to E) loses its ticket type
        se = seat_map_event()
        seat = se.seat("C-2")
        db.session.delete(se.ticket_types["Standard"])
        db.session.commit()
    htmx_client.post(f"/events/{se.event.slug}/seats/{se.seat('A-1')}/hold")  # a cart line
    db.session.remove()
    with round_trips() as sent:
        response = htmx_client.post(f"/events/{se.event.slug}/seats/{seat}/hold")
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert ("was just taken" if holder == "someone else" else "is not on sale") in body
    assert f'id="spot-{seat}"' in body  # the seat swapped in its true state
    assert ("fp-held" if holder == "someone else" else "fp-available") in body
    assert "A-1" in body  # the cart, read by the hold, still shown
    assert len(sent) <= REFUSED_STATEMENTS, sent
    if db.engine.dialect.name == "postgresql":
        assert len(sent) == HOLD_ROUND_TRIPS + 1 and not sent.statements, sent


def test_the_hold_service_costs_the_same_for_one_seat_or_several(seat_map_event):
    se = seat_map_event()
    seating.hold_seat(se.event, se.seat("E-1"), "cart-0")
    db.session.commit()
    for cart, seats in (("cart-a", se.row("A")[:1]), ("cart-b", se.row("B")[:4])):
        db.session.refresh(se.event)  # the caller has its event loaded
        with round_trips() as sent:
            outcome = seating.hold_for_cart(se.event, seats, cart)
        assert [hold.seat_id for hold in outcome.holds] == seats
        assert outcome.live.cart.seat_ids == {s.id for s in outcome.live.seats} == set(seats)
        assert len(sent) <= HOLD_STATEMENTS, sent
    db.session.commit()


def test_an_unchanged_poll_reads_once_then_not_at_all_while_cached(client, seat_map_event):
    se = seat_map_event()
    version = seating.current_version(se.event.id)
    url = f"/events/{se.event.slug}/seats/changes?v={version}"
    assert client.get(url).status_code == 204  # the event's id is now cached by slug
    live._STATES.clear()
    with statements() as first:
        assert client.get(url).status_code == 204
    with statements() as second:
        assert client.get(url).status_code == 204
    assert len(first) == 1 and second == []


@pytest.mark.postgres
def test_a_holds_plans_stay_on_the_indexes_when_the_event_fills_up(app, seat_map_event):
    """The statements of a hold are prepared once per connection and planned once (a
    generic plan, kept until the tables' statistics change). A plan made while the event had
    no claims must still reach the cart's claims and the event's change log through their
    indexes once the event has thousands of both, not read all of them on every click."""
    from datetime import timedelta

    from psycopg import ClientCursor

    from app.models.seating import HoldStatus
    from app.models.types import utcnow
    from app.services.seating.claims import SEAT_CHANGE_LOG, SEAT_CLAIM
    from app.services.seating.queries import SEAT_STATES, cart_call
    from app.sql_batches.postgresql import _execute, send

    se = seat_map_event(rows=40, seats_per_row=50)
    event_id, map_id, seats = se.event.id, se.seat_map.id, se.seat_ids
    slug, status, org = se.event.slug, se.event.status, se.event.organization_id
    db.session.commit()
    now = utcnow()

    def hold_calls(cart: str, seat: int):
        return [
            live.SEAT_LOCK(event=event_id),
            SEAT_CLAIM(event_id=event_id, cart_id=cart, user_id=None, now=now,
                       status=HoldStatus.HELD, first_expiry=now + timedelta(minutes=10),
                       seat_ids=[seat], seat_map_id=map_id, asked=1, limit=10,
                       slug=slug, event_status=status, organization_id=org, hold_minutes=10),
            SEAT_CHANGE_LOG(event_id=event_id, cart_id=cart, now=now),
            cart_call(event_id, cart, now),
            live.SEAT_NEXT_EXPIRY(event=event_id, expiry=now + timedelta(minutes=10)),
            live.SEAT_VERSION_BACK(event=event_id),
            SEAT_STATES(event_id=event_id, seat_ids=[seat], now=now),  # when refused
        ]

    with db.engine.connect() as conn:
        _never_analyzed(conn, "holds", "seat_changes")
        conn.exec_driver_sql("ANALYZE seats")  # the map, as a new event's seat map
        conn.commit()
        driver = conn.connection.driver_connection
        send(conn.info, conn.dialect, driver, hold_calls("first", seats[0]), True, True,
             undo=True)  # prepared and planned while the event has one claim
        facts = {"event": event_id, "map": map_id, "first": seats[0]}
        conn.exec_driver_sql(  # then thousands of claims by other carts, and their changes
            "INSERT INTO holds (event_id, seat_id, ticket_type_id, quantity, cart_id, status,"
            " expires_at, created_at) SELECT %(event)s, s.id, NULL, 1, 'other-' || s.id,"
            " 'held', now() + interval '10 minutes', now() FROM seats s"
            " WHERE s.seat_map_id = %(map)s AND s.id <> %(first)s", facts)
        conn.exec_driver_sql(
            "INSERT INTO seat_changes (event_id, version, seat_id, created_at)"
            " SELECT %(event)s, 100 + s.id, s.id, now() FROM seats s"
            " WHERE s.seat_map_id = %(map)s", facts)
        conn.commit()
        cursor = ClientCursor(driver)
        cursor.execute("SET plan_cache_mode = force_generic_plan")  # as the batches run
        for call in hold_calls("later", seats[0]):
            values: list = []
            execute = _execute(call.statement.prepared_name,
                               call.statement.compiled(conn.dialect), call.params, values)
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {execute}", values)
            plan = cursor.fetchone()[0][0]["Plan"]
            assert _most_rows_read(plan) <= 5, (call.statement.name, plan)
        driver.rollback()


def _never_analyzed(conn, *tables: str) -> None:
    """Forget the statistics of `tables`, as in a new deployment (superuser only: the
    catalogs are written; the server invalidates the plans that used them)."""
    if not conn.exec_driver_sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                                ).scalar():
        pytest.skip("needs a PostgreSQL superuser to reset statistics")
    for table in tables:
        conn.exec_driver_sql("DELETE FROM pg_statistic WHERE starelid = %s::regclass",
                             (table,))
        conn.exec_driver_sql("UPDATE pg_class SET reltuples = -1, relpages = 0 "
                             "WHERE oid = %s::regclass", (table,))


def _most_rows_read(node: dict) -> int:
    """The most rows of `holds` or `seat_changes` (or of their indexes) one plan node read."""
    read = 0
    if node.get("Relation Name") in ("holds", "seat_changes") or any(
            node.get("Index Name", "").startswith(prefix) for prefix in
            ("ix_holds", "uq_holds", "ix_seat_changes")):
        read = (node["Actual Rows"] * node["Actual Loops"] + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0))
    return max([read, *(_most_rows_read(child) for child in node.get("Plans", []))])
