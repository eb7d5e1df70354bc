"""Frozen values passed between the stages of the pipeline.

Third-party shapes (feedparser dicts, trafilatura documents, httpx responses) stop at
the module that calls the library; everything downstream sees only these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
    """What extraction found in one article page (see ingest/extract.py)."""

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
