"""Periodic tasks: the registry, the Redis lock that makes several schedulers enqueue a task
once per interval, and the inline runner for development without Redis."""

from __future__ import annotations

import threading

import pytest
from redis import Redis

from app import scheduling
from app.extensions import jobs
from app.scheduling import (
    LocalTaskLock,
    PeriodicScheduler,
    PeriodicTask,
    RedisTaskLock,
    periodic,
    run_due_tasks,
)
from tests.messaging import worker_probes  # the module the job path names

PROBES = "tests.messaging.worker_probes"


def test_the_outbox_sweep_is_scheduled_every_minute_on_the_email_queue():
    task = scheduling.TASKS["outbox.sweep"]
    assert (task.job, task.every, task.queue) == ("app.jobs.sweep_outbox", 60, "email")


def test_declaring_a_task_is_one_line(monkeypatch):
    monkeypatch.setattr(scheduling, "TASKS", dict(scheduling.TASKS))
    periodic("holds.expire", "app.jobs.expire_holds", every=30)
    assert scheduling.TASKS["holds.expire"] == PeriodicTask("holds.expire",
                                                            "app.jobs.expire_holds", 30)
    with pytest.raises(ValueError):
        periodic("too.often", "app.jobs.sweep_outbox", every=0)


class _NoLock:
    """The guard switched off: every scheduler believes the task is its to run."""

    def claim(self, task):
        return True


def _tick_together(schedulers) -> list[list[str]]:
    barrier = threading.Barrier(len(schedulers))
    results: list = [None] * len(schedulers)

    def tick(i, scheduler):
        barrier.wait()
        results[i] = scheduler.run_once()

    threads = [threading.Thread(target=tick, args=(i, s)) for i, s in enumerate(schedulers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(r is not None for r in results), "a scheduler thread did not finish"
    return results


@pytest.mark.redis
def test_two_schedulers_ticking_together_enqueue_a_task_once(make_app, redis_db):
    url, client = redis_db
    app = make_app(REDIS_URL=url, JOBS_INLINE=False)
    task = PeriodicTask("test.sweep", "app.jobs.sweep_outbox", every=60)
    connections = [Redis.from_url(url), Redis.from_url(url)]
    schedulers = [PeriodicScheduler(app, c, tasks=[task], prefix="test:periodic:")
                  for c in connections]
    with app.app_context():
        queue = jobs.queue("default")

        # Without the lock the race is real: both schedulers enqueue the task.
        for scheduler in schedulers:
            scheduler.lock = _NoLock()
        _tick_together(schedulers)
        assert queue.count == 2
        queue.empty()

        # With it, exactly one of them does, and neither again within the interval.
        for scheduler, connection in zip(schedulers, connections, strict=True):
            scheduler.lock = RedisTaskLock(connection, "test:periodic:")
        assert sorted(_tick_together(schedulers)) == [[], ["test.sweep"]]
        for _ in range(5):
            assert _tick_together(schedulers) == [[], []]
        assert queue.count == 1
        ttl = client.ttl("test:periodic:test.sweep")
        assert 0 < ttl <= 60

        # Once the interval is over (the key expires), the next tick enqueues it again.
        client.delete("test:periodic:test.sweep")
        assert sorted(_tick_together(schedulers)) == [[], ["test.sweep"]]
        assert queue.count == 2
        [job, _] = queue.get_jobs()
    assert job.func_name == "app.jobs.sweep_outbox"
    for connection in connections:
        connection.close()


@pytest.mark.redis
def test_scheduler_thread_keeps_ticking_and_stops(make_app, redis_db):
    from .conftest import wait_for

    url, client = redis_db
    app = make_app(REDIS_URL=url, JOBS_INLINE=False)
    task = PeriodicTask("test.probe", f"{PROBES}.record_queue", every=60)
    scheduler = PeriodicScheduler(app, Redis.from_url(url), tick=0.05, tasks=[task])
    scheduler.start()
    try:
        wait_for(lambda: client.exists("marquee:periodic:test.probe"), timeout=10,
                 message="the first tick")
        client.delete("marquee:periodic:test.probe")  # as if the interval were over
        wait_for(lambda: client.llen("rq:queue:default") == 2, timeout=10,
                 message="the next tick after the interval")
    finally:
        scheduler.stop()
    assert not scheduler._thread.is_alive()


def test_without_redis_due_tasks_run_inline_once_per_interval(app):
    worker_probes.INLINE_RUNS.clear()
    now = [1000.0]
    lock = LocalTaskLock(clock=lambda: now[0])
    task = PeriodicTask("test.inline", f"{PROBES}.count_inline_run", every=60)
    assert jobs.inline
    assert run_due_tasks([task], lock) == ["test.inline"]
    assert run_due_tasks([task], lock) == []
    now[0] += 59
    assert run_due_tasks([task], lock) == []
    now[0] += 1
    assert run_due_tasks([task], lock) == ["test.inline"]
    assert worker_probes.INLINE_RUNS == ["run", "run"]


def test_default_lock_without_redis_is_kept_per_app(app):
    assert scheduling.default_lock() is scheduling.default_lock()
    assert isinstance(scheduling.default_lock(), LocalTaskLock)
