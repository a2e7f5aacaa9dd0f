"""Never overfilled, never on two overlapping shifts: real threads over HTTP on PostgreSQL.

A threaded WSGI server runs an app from the factory; each thread is one person's browser
(its own session cookie) posting to the real sign-up endpoint at the same moment. Each race
is first run with the guard off (no row locks; a test-only pause between the checks and the
write widens the window), to show that it really happens, then with the guard on.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.models.crew import AssignmentStatus, CrewAssignment
from tests.conftest import BACKEND, base_config, require_service

pytestmark = pytest.mark.postgres
PEOPLE = 30
NEEDED = 5


@pytest.fixture(autouse=True)
def _postgres_only():
    require_service(BACKEND == "postgres", "PostgreSQL is not configured (set TEST_DATABASE_URL)")


@contextmanager
def serving(**config):
    """A real threaded HTTP server for an app built from the factory."""
    app = create_app(base_config(CREW_RACE_PAUSE=0.2, **config))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(10)
        with app.app_context():
            db.engine.dispose()


def cookie_for(app, user) -> str:
    """A session cookie for `user`, signed as the login form would leave it."""
    serializer = app.session_interface.get_signing_serializer(app)
    with app.app_context():
        return serializer.dumps({"_user_id": user.get_id(), "_fresh": True})


def race(base: str, app, posts: list[tuple[object, int]]) -> list[int]:
    """Each (user, shift id) signs up on its own thread and session, all at once."""
    barrier = threading.Barrier(len(posts))
    posts = [(cookie_for(app, user), shift_id) for user, shift_id in posts]

    def run(post):
        cookie, shift_id = post
        with requests.Session() as http:
            http.cookies.set("session", cookie)
            barrier.wait(timeout=30)
            return http.post(f"{base}/crew/shifts/{shift_id}/signup",
                             headers={"HX-Request": "true"}, timeout=60).status_code

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(run, posts))


def confirmed(shift_ids: list[int]) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(CrewAssignment).where(
        CrewAssignment.shift_id.in_(shift_ids),
        CrewAssignment.status == AssignmentStatus.CONFIRMED))


def thirty_for_five(crew, **config) -> tuple[list[int], int]:
    shift = crew.shift(headcount=NEEDED, self_signup=True)
    people = [crew.person(name=f"Person {n}") for n in range(PEOPLE)]
    with serving(**config) as (base, app):
        codes = race(base, app, [(person, shift.id) for person in people])
    return codes, confirmed([shift.id])


def test_without_the_guard_thirty_people_overfill_a_shift_of_five(crew):
    codes, count = thirty_for_five(crew, CREW_GUARD_OFF=True)
    assert count > NEEDED, "the race should overfill the shift when nothing locks"
    assert codes.count(200) == count


def test_thirty_people_signing_up_for_five_places_get_exactly_five(crew):
    codes, count = thirty_for_five(crew)
    assert Counter(codes) == {200: NEEDED, 409: PEOPLE - NEEDED}
    assert count == NEEDED


def two_tabs(crew, **config) -> tuple[list[int], int]:
    person = crew.person()
    first = crew.shift(start_in_hours=48, hours=4, headcount=5, self_signup=True)
    other = crew.shift(start_in_hours=50, hours=4, headcount=5, self_signup=True)
    with serving(**config) as (base, app):
        codes = race(base, app, [(person, first.id), (person, other.id)])
    return codes, confirmed([first.id, other.id])


def test_without_the_guard_one_person_lands_on_two_overlapping_shifts(crew):
    codes, count = two_tabs(crew, CREW_GUARD_OFF=True)
    assert codes == [200, 200] and count == 2


def test_one_person_signing_up_for_two_overlapping_shifts_at_once_gets_one(crew):
    codes, count = two_tabs(crew)
    assert sorted(codes) == [200, 409] and count == 1
