"""Frozen values passed between the stages of the pipeline.

Third-party shapes (feedparser dicts, trafilatura documents, httpx responses) stop at
the module that calls the library; everything downstream sees only these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class FetchResult:
    """One HTTP exchange after redirects, with the body already capped and read."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content: bytes
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # Permanent (301/308) redirect target seen on the way, so the user can be told to
    # update feeds.yaml.
    permanent_redirect: str | None = None
    retry_after: float | None = None  # seconds, from a Retry-After header
    cache_max_age: float | None = None  # seconds, from Cache-Control: max-age

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class EntryData:
    """One feed item, normalized. `key` is the entry's identity within its feed."""

    key: str
    guid: str | None
    link: str | None
    title: str | None
    summary: str | None  # description, HTML stripped later by clean.py
    content: str | None  # full content (HTML) if the feed carries it
    published: datetime | None  # aware; the publisher's offset is kept
    updated: datetime | None
    author: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class FeedData:
    """A parsed feed: its metadata and entries, in document order."""

    format: str  # "rss20", "rss10", "rss09x", "atom10", "atom03", "json10", "json11"
    title: str | None
    link: str | None
    language: str | None
    entries: tuple[EntryData, ...]
    ttl: float | None = None  # seconds, from <ttl> or sy:updatePeriod/sy:updateFrequency
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageContent:
    """What extraction found in one article page (see ingest/extract/)."""

    title: str | None
    lead: str | None  # meta description / subtitle, cleaned text
    paragraphs: tuple[str, ...]  # body paragraphs, in-body subheadings included
    published: datetime | None = None  # aware when the page gave an offset, else naive
    language: str | None = None
    canonical_url: str | None = None  # rel=canonical / og:url as the page states it
    site_name: str | None = None
    is_error_page: bool = False  # "page not found" shells served with 200


@dataclass(frozen=True)
class ArticleDraft:
    """An article ready to store: decided title, lead, body, date and provenance."""

    canonical_url: str
    url: str  # the URL it was reached under (the entry link)
    title: str
    lead: str | None
    paragraphs: tuple[str, ...]
    published: datetime  # aware
    date_inferred: bool  # True when the fetch time stands in for a missing date
    language: str | None
    text_source: str  # "page" or "feed"
    feed_name: str
    entry_key: str
    guid: str | None
    tags: tuple[str, ...] = field(default_factory=tuple)


class PollStatus(StrEnum):
    """How a feed's last poll ended (stored in feeds.last_status as its value)."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"
    ERROR = "error"
    BLOCKED = "blocked"  # a bot wall answered instead of the feed
    GONE = "gone"  # HTTP 410

    @property
    def failed(self) -> bool:
        return self in (PollStatus.ERROR, PollStatus.BLOCKED, PollStatus.GONE)


@dataclass(frozen=True)
class FeedState:
    """A feed's polling state: read before a poll, saved once after it (with the plan).

    The pipeline's own type; storage maps it to and from the `feeds` row.
    """

    name: str
    url: str
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: PollStatus | None = None
    last_http_status: int | None = None
    last_error: str | None = None
    error_count: int = 0
    next_poll_at: datetime | None = None
    interval_seconds: float | None = None  # the adaptive interval currently in force
    permanent_redirect: str | None = None
    pending_entries: int = 0  # items left for later polls by max_pages_per_poll
    # The max_age (seconds) in force when the validators were saved; None: no cut. A
    # later config that admits older items forgets the validators, so they come.
    max_age_seconds: float | None = None


class EntryKind(StrEnum):
    """What became of one feed entry in a poll."""

    NEW = "new"  # stored as a new article
    UPDATED = "updated"  # its article rewritten in place (same URL, changed body)
    # the same story as a stored article (its canonical URL, or its text): a source of it;
    # an entry that reaches the pipeline is new to its feed, so a known URL merges too
    MERGED = "merged"
    SEEN = "seen"  # nothing to do: a known article whose updates reached max_updates
    SKIPPED = "skipped"  # not stored, for a reason (permanent or to retry)
    FAILED = "failed"  # could not be extracted or stored: retried on a later poll


@dataclass(frozen=True)
class EntryOutcome:
    """One entry's result: counted by the report, and read by the validator decision
    (a transient outcome means the feed's ETag is not kept, so the entry comes again)."""

    kind: EntryKind
    reason: str | None = None  # skip reason, merge rule ("known:near"), error class
    transient: bool = False
    article_id: str | None = None
    file_error: str | None = None  # stored, but its text file could not be written
