"""When to poll a feed next: a pure decider (values and `now` in, a `Plan` out).

The rules, in the order they apply (anchor: miniflux model/feed.go::ScheduleNextCheck):

1. The regular interval. A feed's own `interval:` wins, whatever its value (down to one
   second). Otherwise, with `adaptive: true`, it follows how often the feed publishes,
   as Miniflux's entry-frequency scheduler does: one week divided by the articles it
   published in the last week, clamped to [min_interval, max_interval]; a feed that
   published nothing in a week is polled at max_interval; a feed we know nothing about
   yet uses `settings.interval`. The feed's own hints (`<ttl>`, `sy:updatePeriod`,
   `Cache-Control: max-age`) raise the adaptive interval as lower bounds, never past
   max_interval (a feed cannot ask to be polled once a year).
2. Failing: 410 Gone, or a permanent status (404, 410) `PERMANENT_AFTER` times in a row.
   The feed is polled rarely (at least max_interval) but never disabled: it stays in
   `ingest status` and comes back by itself if the URL works again.
3. Errors (error, blocked): exponential backoff from the regular interval, doubling per
   failure in the streak, capped at max_backoff (or at the regular interval when that is
   longer). `Retry-After` (429, 503) pushes the next poll further, capped likewise, so a
   hostile header cannot park a feed for a month. Unlike readers that stop after a few
   errors, a feed that failed for a day recovers within max_backoff of its site's return.
4. Jitter: up to 10% of the delay (at most 5 minutes), only ever added, so feeds with the
   same interval spread out and no lower bound (Retry-After, interval) is undercut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ingest.core.errors import PERMANENT_HTTP_STATUSES

if TYPE_CHECKING:
    from ingest.config import Settings
    from ingest.pipeline.report import FeedReport

WEEK = 7 * 86400.0
PERMANENT_AFTER = 3  # a 404 can be a hiccup during a redeploy; three in a row are not
JITTER_SHARE = 0.1
MAX_JITTER = 300.0
ERROR_STATUSES = ("error", "blocked")


@dataclass(frozen=True)
class Policy:
    """The bounds from settings that every decision uses."""

    default_interval: float = 1800.0
    min_interval: float = 300.0
    max_interval: float = 86400.0
    max_backoff: float = 21600.0
    adaptive: bool = True

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(s.interval, s.min_interval, s.max_interval, s.max_backoff, s.adaptive)


@dataclass(frozen=True)
class Outcome:
    """What a poll said that matters for scheduling (our own type, not a FeedReport)."""

    status: str  # ok | not_modified | error | blocked | gone
    http_status: int | None = None
    error_count: int = 0  # the failure streak after this poll
    retry_after: float | None = None
    ttl: float | None = None
    cache_max_age: float | None = None

    @classmethod
    def from_report(cls, report: FeedReport, error_count: int, ttl: float | None) -> Outcome:
        """`ttl`: the report's, or the last one seen (a 304 carries no feed body)."""
        return cls(
            report.status,
            report.http_status,
            error_count,
            report.retry_after,
            ttl,
            report.cache_max_age,
        )


@dataclass(frozen=True)
class Plan:
    next_at: datetime
    interval: float  # the regular interval in force (stored as feeds.interval_seconds)
    delay: float  # seconds from now to next_at, jitter included
    reason: str  # regular | backoff | retry_after | failing


def adaptive_interval(weekly_count: int | None, policy: Policy) -> float:
    """One week / articles published in the last week, within the bounds."""
    if weekly_count is None:
        return clamp(policy.default_interval, policy)
    if weekly_count <= 0:
        return policy.max_interval
    return clamp(WEEK / weekly_count, policy)


def clamp(seconds: float, policy: Policy) -> float:
    return min(max(seconds, policy.min_interval), policy.max_interval)


def regular_interval(
    explicit: float | None, weekly_count: int | None, hints: Outcome, policy: Policy
) -> float:
    if explicit is not None:
        return explicit
    base = adaptive_interval(weekly_count, policy) if policy.adaptive else policy.default_interval
    hinted = [h for h in (hints.ttl, hints.cache_max_age) if h]
    if hinted:
        base = max(base, min(max(hinted), policy.max_interval))
    return base


def is_failing(status: str | None, http_status: int | None, error_count: int) -> bool:
    """Gone, or a permanent HTTP status for PERMANENT_AFTER polls in a row."""
    if status == "gone":
        return True
    return http_status in PERMANENT_HTTP_STATUSES and error_count >= PERMANENT_AFTER


def backoff(interval: float, streak: int, policy: Policy) -> float:
    """interval * 2^(streak-1), capped at max_backoff (or the interval, when longer)."""
    cap = max(policy.max_backoff, interval)
    exponent = min(max(streak - 1, 0), 64)  # 2**64 seconds is past any cap
    return min(interval * 2.0**exponent, cap)


def next_poll(
    outcome: Outcome,
    *,
    explicit_interval: float | None,
    weekly_count: int | None,
    policy: Policy,
    now: datetime,
    jitter: float = 0.0,
) -> Plan:
    """When to poll next after `outcome`; `jitter` is a random number in [0, 1)."""
    interval = regular_interval(explicit_interval, weekly_count, outcome, policy)
    delay, reason = interval, "regular"
    if is_failing(outcome.status, outcome.http_status, outcome.error_count):
        delay, reason = max(interval, policy.max_interval), "failing"
    elif outcome.status in ERROR_STATUSES:
        # Back off from the default interval at most: a slow feed (or a new one with no
        # history, given max_interval) must not wait a day to retry a passing error.
        base = min(interval, policy.default_interval)
        delay, reason = backoff(base, outcome.error_count, policy), "backoff"
        if outcome.retry_after is not None:
            wanted = min(outcome.retry_after, max(policy.max_backoff, policy.max_interval))
            if wanted > delay:
                delay, reason = wanted, "retry_after"
    delay += min(delay * JITTER_SHARE, MAX_JITTER) * min(max(jitter, 0.0), 1.0)
    return Plan(now + timedelta(seconds=delay), interval, delay, reason)


def resume_at(
    *,
    next_poll_at: datetime | None,
    last_polled_at: datetime | None,
    error_count: int,
    explicit_interval: float | None,
    now: datetime,
) -> datetime:
    """When to poll a feed on start or after a config change: never polled -> now.

    A stored next poll time is kept (no burst of re-polls after a restart), except that
    a healthy feed whose `interval:` was shortened in feeds.yaml is polled at the new
    pace from its last poll. A feed in backoff keeps its backoff.
    """
    if next_poll_at is None:
        return now
    due = next_poll_at
    if explicit_interval is not None and last_polled_at is not None and error_count == 0:
        due = min(due, last_polled_at + timedelta(seconds=explicit_interval))
    return max(due, now)
