"""The scheduling decider (pure), the feeds.yaml watcher and the store lock."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ingest.config import parse_config
from ingest.core.errors import StoreLockedError
from ingest.pipeline.schedule import (
    WEEK,
    Outcome,
    Policy,
    adaptive_interval,
    backoff,
    is_failing,
    next_poll,
    resume_at,
)
from ingest.service.watch import ConfigWatcher
from storage.lock import StoreLock

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = Policy(default_interval=1800, min_interval=300, max_interval=86400, max_backoff=21600)
OK = Outcome("ok", 200)


def plan(outcome: Outcome = OK, explicit: float | None = None, weekly: int | None = 10,
         policy: Policy = POLICY, jitter: float = 0.0):  # type: ignore[no-untyped-def]  # fmt: skip
    return next_poll(outcome, explicit_interval=explicit, weekly_count=weekly, policy=policy,
                     now=NOW, jitter=jitter)  # fmt: skip


@pytest.mark.parametrize(
    ("weekly", "expected"),
    [
        (None, 1800),  # nothing known yet: settings.interval
        (0, 86400),  # silent for a week: max_interval
        (1, 86400),  # a weekly blog: one week, clamped to max_interval
        (84, WEEK / 84),  # twice an hour: every two hours
        (100_000, 300),  # a firehose: min_interval
    ],
)
def test_adaptive_interval_follows_publication_frequency(weekly: int | None, expected: float):
    assert adaptive_interval(weekly, POLICY) == pytest.approx(expected)


def test_explicit_interval_wins_whatever_its_value():
    assert plan(explicit=1).interval == 1
    assert plan(explicit=1).next_at == NOW + timedelta(seconds=1)
    assert plan(Outcome("ok", 200, ttl=3600), explicit=2).interval == 2  # hints ignored


def test_feed_hints_are_lower_bounds_capped_at_max_interval():
    busy = 100_000  # adaptive would say min_interval
    assert plan(Outcome("ok", 200, ttl=3600), weekly=busy).interval == 3600
    assert plan(Outcome("ok", 200, cache_max_age=900), weekly=busy).interval == 900
    assert plan(Outcome("ok", 200, ttl=60), weekly=busy).interval == 300  # below min: min
    assert plan(Outcome("ok", 200, ttl=30 * 86400), weekly=busy).interval == 86400


def test_adaptive_can_be_turned_off():
    fixed = Policy(default_interval=1800, adaptive=False)
    assert plan(weekly=100_000, policy=fixed).interval == 1800


def test_errors_back_off_exponentially_up_to_the_cap():
    delays = [plan(Outcome("error", 500, error_count=n), explicit=600).delay for n in range(1, 8)]
    assert delays == [600, 1200, 2400, 4800, 9600, 19200, 21600]
    assert plan(Outcome("blocked", 403, error_count=2), explicit=600).reason == "backoff"
    assert backoff(600, 10_000, POLICY) == 21600  # no overflow on a long streak


def test_backoff_never_polls_more_often_than_the_regular_interval():
    assert backoff(86400, 1, POLICY) == 86400
    assert backoff(86400, 5, POLICY) == 86400


def test_retry_after_is_honoured_and_capped():
    p = plan(Outcome("error", 429, error_count=1, retry_after=5000), explicit=60)
    assert (p.delay, p.reason) == (5000, "retry_after")
    short = plan(Outcome("error", 503, error_count=3, retry_after=10), explicit=60)
    assert (short.delay, short.reason) == (240, "backoff")  # backoff is longer already
    hostile = plan(Outcome("error", 429, error_count=1, retry_after=365 * 86400), explicit=60)
    assert hostile.delay == 86400


def test_gone_and_repeated_permanent_failures_are_polled_rarely_never_disabled():
    gone = plan(Outcome("gone", 410, error_count=1), explicit=1)
    assert (gone.delay, gone.reason) == (86400, "failing")
    assert plan(Outcome("error", 404, error_count=2), explicit=60).reason == "backoff"
    assert plan(Outcome("error", 404, error_count=3), explicit=60).reason == "failing"
    assert is_failing("gone", 410, 1) and not is_failing("error", 500, 50)


def test_jitter_only_delays_and_is_bounded():
    base = plan(explicit=1000)
    most = plan(explicit=1000, jitter=0.999)
    assert base.delay == 1000
    assert 1000 < most.delay <= 1100
    assert plan(explicit=86400, jitter=0.999).delay <= 86400 + 300
    retry = plan(Outcome("error", 429, error_count=1, retry_after=50), explicit=1, jitter=0.5)
    assert retry.delay >= 50


def test_resume_keeps_the_stored_schedule_and_polls_due_feeds_at_once():
    later = NOW + timedelta(hours=1)
    assert resume_at(next_poll_at=None, last_polled_at=None, error_count=0,
                     explicit_interval=None, now=NOW) == NOW  # fmt: skip
    assert resume_at(next_poll_at=NOW - timedelta(hours=2), last_polled_at=None,
                     error_count=0, explicit_interval=None, now=NOW) == NOW  # fmt: skip
    assert resume_at(next_poll_at=later, last_polled_at=NOW, error_count=0,
                     explicit_interval=None, now=NOW) == later  # fmt: skip


def test_resume_applies_a_shortened_interval_but_keeps_a_backoff():
    last = NOW - timedelta(seconds=30)
    later = NOW + timedelta(hours=1)
    assert resume_at(next_poll_at=later, last_polled_at=last, error_count=0,
                     explicit_interval=60, now=NOW) == last + timedelta(seconds=60)  # fmt: skip
    assert resume_at(next_poll_at=later, last_polled_at=last, error_count=2,
                     explicit_interval=60, now=NOW) == later  # fmt: skip


# -- feeds.yaml watcher --------------------------------------------------------------------

GOOD = """settings:
  allow_addresses: ["127.0.0.1/32"]
feeds:
  - name: one
    url: http://127.0.0.1:1/feed.xml
"""


def _write(path: Path, text: str, bump: int) -> None:
    path.write_text(text, "utf-8")
    stamp = 1_700_000_000 + bump  # a distinct mtime even on a coarse filesystem clock
    os.utime(path, (stamp, stamp))


def test_watcher_reloads_valid_edits_and_keeps_the_last_valid_config(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "feeds.yaml"
    _write(path, GOOD, 0)
    watcher = ConfigWatcher(parse_config(GOOD, path))
    assert watcher.check() is None  # unchanged

    _write(path, GOOD, 1)  # touched, same content
    assert watcher.check() is None

    added = GOOD + "  - name: two\n    url: http://127.0.0.1:1/two.xml\n"
    _write(path, added, 2)
    new = watcher.check()
    assert new is not None and [f.name for f in new.feeds] == ["one", "two"]

    logger = logging.getLogger("ingest")
    logger.addHandler(caplog.handler)
    try:
        _write(path, added + "    interval: sometimes\n", 3)
        assert watcher.check() is None
        assert watcher.check() is None  # reported once, not every second
    finally:
        logger.removeHandler(caplog.handler)
    # The handler is attached directly (setup_logging may have stopped propagation) and
    # may also see the record through the root logger: count records, not deliveries.
    unique = {id(r): r for r in caplog.records if r.levelno >= logging.ERROR}
    errors = [r.getMessage() for r in unique.values()]
    assert len(errors) == 1
    assert f"{path}:8" in errors[0] and "field 'interval'" in errors[0]

    path.unlink()
    assert watcher.check() is None  # a file moved away for a moment keeps the config


# -- store lock ----------------------------------------------------------------------------


def test_store_lock_refuses_a_second_holder_and_is_released(tmp_path: Path):
    with StoreLock(tmp_path / "store"):
        with pytest.raises(StoreLockedError, match=f"process {os.getpid()}"):
            StoreLock(tmp_path / "store").acquire()
    with StoreLock(tmp_path / "store"):  # released on exit
        pass


def test_a_quiet_feed_retries_an_error_from_the_default_interval_not_a_day():
    # weekly=0 gives a regular interval of max_interval (a day); a passing error must
    # not make a new or quiet feed wait that long: backoff starts from settings.interval.
    first = plan(Outcome("error", 503, error_count=1), weekly=0)
    assert (first.delay, first.reason) == (1800, "backoff")
    assert plan(Outcome("error", 503, error_count=3), weekly=0).delay == 7200
