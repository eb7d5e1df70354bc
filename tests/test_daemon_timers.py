"""The daemon's scheduling (ingest/service/daemon.py): one APScheduler job per feed.

In-process, against a local site: the safety net polls a feed whose poll did not plan
its next one, a poll never overlaps its own feed's next, polls due within a step of the
grid share one wake-up, and the changes of one loop turn wake the scheduler once, on
its own thread (APScheduler's thread-safe wake-up per change was a third of an idle
poll's CPU beyond the HTTP exchange).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.config import load_config
from ingest.service import daemon as daemon_module
from ingest.service.daemon import Daemon, on_grid
from tests.hostile_site import feeds_yaml
from tests.site.server import RequestRecord, Response, SiteServer


def run_until(folder: Path, done: Callable[[], bool], deadline: float = 30.0) -> None:
    """`ingest run`'s Daemon in this process until `done()`, then a graceful stop."""
    config = load_config(folder / "feeds.yaml")

    async def stop_when_done(d: Daemon) -> None:
        started = time.monotonic()
        while not done() and time.monotonic() - started < deadline:
            await asyncio.sleep(0.02)
        d.request_stop()

    async def go() -> None:
        d = Daemon(config)
        stopper = asyncio.ensure_future(stop_when_done(d))
        await d.run()
        await stopper

    asyncio.run(go())


def test_the_safety_net_polls_a_feed_whose_poll_planned_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daemon_module, "SAFETY_NET", 0.4)
    # a poll that ends without re-arming its feed's timer (as a bug would)
    monkeypatch.setattr(Daemon, "_after_poll", lambda self, spec, plan, outcome: None)
    with SiteServer() as site:
        site.route("/feed", lambda record: Response(304, headers={"ETag": '"1"'}))
        feeds_yaml(tmp_path, [{"name": "f", "url": site.url("/feed"), "interval": 0.1}])
        run_until(tmp_path, lambda: len(site.requests_for("/feed")) >= 4)
        times = [r.time for r in site.requests_for("/feed")]
    # polled at start, then every max(interval, SAFETY_NET) seconds from the moment each
    # poll began (the first request comes later than that: the client's set-up), not sooner
    assert len(times) >= 4, times
    assert all(b - a >= 0.35 for a, b in zip(times[1:], times[2:], strict=False)), times


def test_a_poll_never_overlaps_the_next_poll_of_its_feed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daemon_module, "SAFETY_NET", 0.1)  # fires during every poll
    in_flight, peak = [0], [0]
    lock = threading.Lock()

    def slow(record: RequestRecord) -> Response:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.5)
        with lock:
            in_flight[0] -= 1
        return Response(304, headers={"ETag": '"1"'})

    with SiteServer() as site:
        site.route("/feed", slow)
        feeds_yaml(tmp_path, [{"name": "f", "url": site.url("/feed"), "interval": 0.1}])
        run_until(tmp_path, lambda: len(site.requests_for("/feed")) >= 3)
        polls = len(site.requests_for("/feed"))
    assert peak[0] == 1 and polls >= 3, (peak, polls)


def test_polls_due_within_a_step_of_the_grid_share_one_wake_up(tmp_path: Path) -> None:
    # never earlier than planned; at most TIMER_SLACK later (a tenth of a short interval)
    step = daemon_module.TIMER_SLACK
    t0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert on_grid(t0, 300) == t0
    assert on_grid(t0 + timedelta(seconds=0.01), 300) == t0 + timedelta(seconds=step)
    assert on_grid(t0 + timedelta(seconds=0.99), 300) == t0 + timedelta(seconds=step)
    assert on_grid(t0 + timedelta(seconds=0.01), 0.5) == t0 + timedelta(seconds=0.05)
    feeds_yaml(tmp_path, [{"name": n, "url": f"http://127.0.0.1:9/{n}"} for n in "abc"])
    config = load_config(tmp_path / "feeds.yaml")

    async def go() -> list[datetime]:
        d = Daemon(config)
        d.scheduler.start(paused=True)
        base = on_grid(d.clock(), 300) + timedelta(seconds=60)  # a step of the grid
        for name, seconds in (("a", 0.1), ("b", 0.4), ("c", 0.2 + step)):
            d._place(name, base + timedelta(seconds=seconds), 300)  # noqa: SLF001
        whens = [d.scheduler.get_job(n).next_run_time for n in "abc"]
        d.scheduler.shutdown(wait=False)
        return whens

    a, b, c = asyncio.run(go())
    # a and b in one wake-up, at the end of their step; c a step later
    assert a == b == c - timedelta(seconds=step)


def test_the_changes_of_one_loop_turn_wake_the_scheduler_once(tmp_path: Path) -> None:
    feeds_yaml(tmp_path, [{"name": n, "url": f"http://127.0.0.1:9/{n}"} for n in "abcd"])
    config = load_config(tmp_path / "feeds.yaml")
    runs: list[str] = []

    async def go() -> None:
        d = Daemon(config)
        scheduler = d.scheduler
        process = scheduler._process_jobs  # noqa: SLF001

        def counted() -> float | None:
            runs.append(threading.current_thread().name)
            return process()  # type: ignore[no-any-return]

        scheduler._process_jobs = counted  # noqa: SLF001
        scheduler.start()
        await asyncio.sleep(0.05)
        runs.clear()
        later = d.clock() + timedelta(hours=1)
        for name in "abcd":  # four jobs added, then moved, in one turn of the loop
            d._place(name, later, 300)  # noqa: SLF001
        for name in "abcd":
            d._place(name, later + timedelta(minutes=1), 300)  # noqa: SLF001
        await asyncio.sleep(0.05)
        assert len(runs) == 1, runs  # one wake-up for the eight changes, not eight
        assert runs == [threading.main_thread().name]
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)

    asyncio.run(go())
