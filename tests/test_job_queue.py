"""JobQueue: jobs asked for during a transaction run (inline) or reach RQ only after commit.

Real Redis is exercised in tests/messaging; here RQ talks to fakeredis."""

from __future__ import annotations

import logging

import fakeredis
import pytest
from flask import g
from sqlalchemy.exc import IntegrityError

from app.extensions import db, jobs
from app.job_queue import JobRequest
from app.models import User

RUNS: list[dict] = []
PROBE = f"{__name__}.probe"


def probe(label: str) -> None:
    """Record what an inline job sees: the committed users, its session, its `g`."""
    session = db.session()
    RUNS.append({
        "label": label,
        "users": sorted(db.session.execute(db.select(User.email)).scalars()),
        "session": session,
        "inherited_g": getattr(g, "probe", None),
    })


def explode(label: str) -> None:
    raise RuntimeError(f"{label} went wrong")


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _add_user(email: str) -> User:
    user = User(email=email, name="Job Tester", password_hash="x")
    db.session.add(user)
    db.session.flush()
    return user


def test_inline_job_runs_after_commit_in_its_own_context_and_session():
    g.probe = "request"
    _add_user("first@example.test")
    jobs.after_commit(db.session(), PROBE, "one")
    assert RUNS == []  # flushed is not committed
    outer = db.session()
    db.session.commit()
    [run] = RUNS
    assert run["label"] == "one"
    assert run["users"] == ["first@example.test"]  # sees the committed row
    assert run["session"] is not outer
    assert run["inherited_g"] is None


def test_rollback_forgets_the_jobs():
    _add_user("gone@example.test")
    jobs.after_commit(db.session(), PROBE, "never")
    db.session.rollback()
    assert jobs.pending(db.session()) == []
    db.session.commit()
    assert RUNS == []


def test_a_savepoint_rollback_keeps_the_outer_transactions_jobs():
    jobs.after_commit(db.session(), PROBE, "outer")
    with db.session.begin_nested() as savepoint:
        _add_user("inner@example.test")
        savepoint.rollback()
    assert RUNS == []
    db.session.commit()
    assert [run["label"] for run in RUNS] == ["outer"]


def test_jobs_asked_inside_a_rolled_back_savepoint_are_forgotten():
    jobs.after_commit(db.session(), PROBE, "outer")
    with db.session.begin_nested():
        jobs.after_commit(db.session(), PROBE, "kept")
    savepoint = db.session.begin_nested()
    jobs.after_commit(db.session(), PROBE, "dropped")
    with db.session.begin_nested():  # a savepoint inside the one that rolls back
        jobs.after_commit(db.session(), PROBE, "dropped too")
    savepoint.rollback()
    assert RUNS == []  # releasing a savepoint is not the commit
    db.session.commit()
    assert [run["label"] for run in RUNS] == ["outer", "kept"]


def test_a_failed_commit_runs_nothing():
    _add_user("twin@example.test")
    db.session.commit()
    db.session.add(User(email="twin@example.test", name="Twin", password_hash="x"))
    jobs.after_commit(db.session(), PROBE, "after-failure")
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.commit()
    assert RUNS == []


def test_a_failing_inline_job_does_not_break_the_commit(caplog):
    jobs.after_commit(db.session(), f"{__name__}.explode", "boom")
    jobs.after_commit(db.session(), PROBE, "next")
    with caplog.at_level(logging.ERROR, logger="app.job_queue"):
        db.session.commit()
    assert "boom went wrong" in caplog.text
    assert [run["label"] for run in RUNS] == ["next"]


def test_without_a_redis_url_jobs_run_inline_whatever_jobs_inline_says(app):
    app.config["JOBS_INLINE"] = False
    try:
        assert jobs.inline
        jobs.after_commit(db.session(), PROBE, "inline")
        db.session.commit()
    finally:
        app.config["JOBS_INLINE"] = True
    assert [run["label"] for run in RUNS] == ["inline"]


@pytest.fixture
def rq_app(make_app_for_jobs):
    return make_app_for_jobs()


@pytest.fixture
def make_app_for_jobs(app):
    from app import create_app
    from tests.conftest import base_config

    built = []

    def make(redis_url="redis://fake.invalid:6379/0", client=None):
        other = create_app(base_config(
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=redis_url, JOBS_INLINE=False))
        if client is not False:
            jobs.use_redis(other, client or fakeredis.FakeRedis())
        built.append(other)
        return other

    yield make
    for other in built:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_after_commit_enqueues_on_rq_with_its_options(rq_app):
    with rq_app.app_context():
        _add_user("rq@example.test")
        jobs.after_commit(db.session(), PROBE, "pdf", queue="documents", job_id="order-7-v2",
                          retries=(10, 20), timeout=300)
        queue = jobs.queue("documents")
        assert queue.count == 0
        db.session.commit()
        [job] = queue.get_jobs()
    assert job.id == "order-7-v2"
    assert (job.func_name, job.args) == (PROBE, ("pdf",))
    assert (job.retries_left, job.retry_intervals) == (2, [10, 20])
    assert job.timeout == 300
    assert RUNS == []  # queued for a worker, not run here


class CountingRedis(fakeredis.FakeRedis):
    """fakeredis that counts what reaches the server: commands sent alone, and pipelines."""

    sent = 0

    def execute_command(self, *args, **options):
        CountingRedis.sent += 1
        return super().execute_command(*args, **options)

    def pipeline(self, *args, **kwargs):
        pipe = super().pipeline(*args, **kwargs)
        execute = pipe.execute

        def counted(*a, **k):
            CountingRedis.sent += 1
            return execute(*a, **k)

        pipe.execute = counted
        return pipe


def test_the_jobs_of_one_commit_reach_redis_in_one_round_trip(make_app_for_jobs):
    """Whatever their queues; the queues are made once per app, so only the first jobs on
    a queue ask the server's version."""
    client = CountingRedis()
    other = make_app_for_jobs(client=client)
    with other.app_context():
        for commit in ("first", "second"):
            _add_user(f"{commit}@example.test")
            for n in range(3):
                jobs.after_commit(db.session(), PROBE, f"{commit} {n}", queue="documents",
                                  job_id=f"{commit}-{n}", retries=(10,))
            jobs.after_commit(db.session(), PROBE, f"{commit} mail", queue="email",
                              timeout=60)
            CountingRedis.sent = 0
            db.session.commit()
        assert CountingRedis.sent == 1
        documents, email = jobs.queue("documents").get_jobs(), jobs.queue("email").get_jobs()
    assert [job.id for job in documents] == [f"{c}-{n}" for c in ("first", "second")
                                             for n in range(3)]
    assert [job.args for job in documents][3:] == [("second 0",), ("second 1",), ("second 2",)]
    assert {(job.retries_left, tuple(job.retry_intervals)) for job in documents} == {(1, (10,))}
    assert [(job.args, job.timeout, job.origin) for job in email] == [
        (("first mail",), 60, "email"), (("second mail",), 60, "email")]
    assert RUNS == []


def test_jobs_default_to_the_configured_timeout(rq_app):
    with rq_app.app_context():
        job = jobs.enqueue_now(JobRequest(PROBE, ("x",)))
        assert job.timeout == rq_app.config["JOB_TIMEOUT"]
        assert job.origin == "default"


def test_redis_down_at_commit_is_logged_not_raised(make_app_for_jobs, caplog):
    down = make_app_for_jobs("redis://127.0.0.1:1/0", client=False)
    with down.app_context(), caplog.at_level(logging.WARNING, logger="app.job_queue"):
        _add_user("kept@example.test")
        jobs.after_commit(db.session(), PROBE, "lost")
        db.session.commit()
        assert db.session.execute(db.select(User.email)).scalars().all() == [
            "kept@example.test"]
    assert "could not enqueue" in caplog.text and "the sweep will pick it up" in caplog.text
    assert RUNS == []
