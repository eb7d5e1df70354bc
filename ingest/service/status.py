"""What `ingest status`, the API's /feeds and the daemon's metrics say about feeds and sites.

The judgement over the store's raw numbers (storage/queries.py): each feed's state
(failing, removed, disabled, never polled), the totals, and which sites look like their
extraction broke. The counts are storage's; the thresholds and the words are ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ingest.core.redact import redact
from ingest.core.types import FeedState
from ingest.pipeline.schedule import WEEK, is_failing
from storage import queries
from storage.models import to_utc
from storage.store import Store

# A site is flagged when at least this share of its recent articles has no page text,
# over at least HEALTH_MIN_ARTICLES articles (two bad pages are not a broken layout).
HEALTH_WARN_SHARE = 0.5
HEALTH_MIN_ARTICLES = 3


class FeedLike(Protocol):
    """A configured feed (ingest.config.FeedSpec), read only."""

    @property
    def name(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def enabled(self) -> bool: ...


@dataclass(frozen=True)
class FeedStatus:
    name: str
    url: str
    state: str  # ok | not_modified | error | blocked | gone | failing | never | disabled | removed
    articles: int
    error_count: int = 0
    last_polled_at: datetime | None = None
    last_status: str | None = None
    last_http_status: int | None = None
    next_poll_at: datetime | None = None
    interval_seconds: float | None = None
    last_error: str | None = None
    permanent_redirect: str | None = None
    pending_entries: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("last_polled_at", "next_poll_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True)
class SiteHealth:
    domain: str
    articles: int
    empty: int  # stored with no body text at all
    feed_only: int  # the page gave nothing; the feed's text was stored instead

    @property
    def share(self) -> float:
        """Share of recent articles whose page extraction gave nothing."""
        return (self.empty + self.feed_only) / self.articles if self.articles else 0.0

    @property
    def suspect(self) -> bool:
        return self.articles >= HEALTH_MIN_ARTICLES and self.share >= HEALTH_WARN_SHARE

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "share": round(self.share, 4), "suspect": self.suspect}


def feed_statuses(store: Store, feeds: Iterable[FeedLike]) -> list[FeedStatus]:
    """Every configured feed, then stored feeds no longer in feeds.yaml (state removed)."""
    states = store.feed_states()
    counts = queries.article_counts(store)
    rows = [_status(f.name, f.url, f.enabled, states.get(f.name), counts) for f in feeds]
    configured = {row.name for row in rows}
    rows += [
        _status(name, state.url, True, state, counts, removed=True)
        for name, state in sorted(states.items())
        if name not in configured
    ]
    return rows


def _status(
    name: str,
    url: str,
    enabled: bool,
    state: FeedState | None,
    counts: dict[str, int],
    removed: bool = False,
) -> FeedStatus:
    if state is None:
        return FeedStatus(name, url, "disabled" if not enabled else "never", counts.get(name, 0))
    return FeedStatus(
        name=name,
        url=url,
        state=_state(state, enabled, removed),
        articles=counts.get(name, 0),
        error_count=state.error_count,
        last_polled_at=to_utc(state.last_polled_at),
        last_status=state.last_status,
        last_http_status=state.last_http_status,
        next_poll_at=to_utc(state.next_poll_at) if enabled and not removed else None,
        interval_seconds=state.interval_seconds,
        last_error=clean_error(state.last_error),
        permanent_redirect=state.permanent_redirect,
        pending_entries=state.pending_entries,
    )


def _state(state: FeedState, enabled: bool, removed: bool) -> str:
    if removed:
        return "removed"
    if not enabled:
        return "disabled"
    if is_failing(state.last_status, state.last_http_status, state.error_count):
        return "failing"
    return state.last_status or "never"


def clean_error(error: str | None) -> str | None:
    """The stored error as people read it: no password, no doubled class prefix
    ('FetchError: ConnectError: cannot resolve' -> 'ConnectError: cannot resolve')."""
    if not error:
        return error
    return _DOUBLE_PREFIX_RE.sub("", redact(error), count=1)


_DOUBLE_PREFIX_RE = re.compile(r"^\w+Error: (?=\w+: )")


def totals(rows: Iterable[FeedStatus], articles: int | None = None) -> dict[str, int]:
    """Counts per state, with the same words as the rows. `articles`: stored articles in
    all (an article seen in two feeds counts once); default: the sum over the rows."""
    rows = list(rows)
    return {
        "feeds": len(rows),
        "ok": sum(r.state in ("ok", "not_modified") for r in rows),
        "error": sum(r.state in ("error", "blocked", "gone") for r in rows),
        "failing": sum(r.state == "failing" for r in rows),
        "disabled": sum(r.state == "disabled" for r in rows),
        "removed": sum(r.state == "removed" for r in rows),
        "never_polled": sum(r.state == "never" for r in rows),
        "articles": sum(r.articles for r in rows) if articles is None else articles,
    }


def weekly_count(store: Store, feed: str, now: datetime) -> int:
    """Articles seen in `feed` published in the week before `now`: the adaptive interval's
    input (ingest/pipeline/schedule.py)."""
    return queries.published_count(store, feed, now - timedelta(seconds=WEEK))


def site_health(store: Store, since: datetime) -> list[SiteHealth]:
    """Per domain, articles fetched since `since` and how many lack page text; worst first."""
    sites = [SiteHealth(*counts) for counts in queries.site_counts(store, since)]
    return sorted(sites, key=lambda h: (-h.share, -h.articles, h.domain))
