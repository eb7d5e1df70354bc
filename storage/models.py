"""SQLModel tables: feeds (with schedule state), articles, article sources, skips.

Times are aware UTC (SQLModel stores them as UTC on every backend); the publisher's UTC
offset is kept next to the publication time so the local month and the ISO date with
offset can be rebuilt exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import overload

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


@overload
def to_utc(when: datetime) -> datetime: ...
@overload
def to_utc(when: None) -> None: ...
def to_utc(when: datetime | None) -> datetime | None:
    """Aware UTC; a naive value is taken to be UTC already; None stays None."""
    if when is None:
        return None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


class Feed(SQLModel, table=True):
    __tablename__ = "feeds"

    name: str = Field(primary_key=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_status: str | None = None  # ok | not_modified | error | blocked | gone
    last_http_status: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    error_count: int = 0
    next_poll_at: datetime | None = None
    interval_seconds: float | None = None  # the adaptive interval currently in force
    permanent_redirect: str | None = Field(default=None, sa_column=Column(Text))
    pending_entries: int = 0  # items left for later polls by max_pages_per_poll
    max_age_seconds: float | None = None  # the max_age in force at the last poll
    # feeds.yaml reconciled into the table (`ingest sync`, revision 0002): whether the
    # feed is enabled there and its entry as JSON, which workers on other machines poll
    # from. None: never synced (a row made by `ingest poll` or `ingest run`).
    enabled: bool | None = None
    spec: str | None = Field(default=None, sa_column=Column(Text))


class Article(SQLModel, table=True):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_published", "published"),)

    id: str = Field(primary_key=True, max_length=16)
    seq: int = Field(unique=True)
    canonical_url: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    url: str = Field(sa_column=Column(Text, nullable=False))
    feed: str = Field(index=True)  # the feed it was first stored from
    title: str = Field(sa_column=Column(Text, nullable=False))
    lead: str | None = Field(default=None, sa_column=Column(Text))
    body: str = Field(sa_column=Column(Text, nullable=False))  # paragraphs joined by "\n"
    published: datetime  # UTC
    utc_offset_minutes: int = 0
    month: str = Field(max_length=7, index=True)  # YYYY-MM, publisher's local month
    date_inferred: bool = False
    language: str | None = Field(default=None, index=True)
    text_source: str = "page"  # page | feed
    path: str = Field(sa_column=Column(Text, nullable=False))  # relative to the store
    fetched_at: datetime = Field(index=True)  # status --sites reads recent articles
    updated_at: datetime | None = None
    # Dedup (ingest/core/dedup.py). text_hash: the exact rule; dedup_version: the fingerprint
    # scheme of the row's article_bands (None: not fingerprinted yet, 0: dedup off).
    text_hash: str | None = Field(default=None, index=True, max_length=64)
    dedup_version: int | None = Field(default=None, index=True)  # backfill finds stale rows
    update_count: int | None = None  # in-place rewrites so far, capped by max_updates

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p for p in self.body.split("\n") if p)

    @property
    def published_local(self) -> datetime:
        offset = timezone(timedelta(minutes=self.utc_offset_minutes))
        return to_utc(self.published).astimezone(offset)


class ArticleSource(SQLModel, table=True):
    """Every (feed, entry) under which an article was seen: URL and GUID included."""

    __tablename__ = "article_sources"
    __table_args__ = (UniqueConstraint("feed", "entry_key", name="uq_source_feed_entry"),)

    id: int | None = Field(default=None, primary_key=True)
    article_id: str = Field(foreign_key="articles.id", index=True, max_length=16)
    feed: str = Field(index=True)
    entry_key: str = Field(sa_column=Column(Text, nullable=False))
    guid: str | None = Field(default=None, sa_column=Column(Text))
    url: str = Field(sa_column=Column(Text, nullable=False))
    seen_at: datetime
    # Why this source belongs to the article: new | canonical_url | exact | near |
    # near:short (ingest/core/dedup.py), and the body similarity that merged it.
    match_rule: str | None = None
    similarity: float | None = None
    # On a "new" source: why the closest stored story was not merged (a veto of
    # ingest/core/dedup.py: "figures: 3.1 / 2.4 (near 0.82 to <id>)"); None otherwise.
    # Added after match_rule: older stores got the column on open (the
    # baseline revision, storage/migrations/).
    veto: str | None = Field(default=None, sa_column=Column(Text))
    # The entry's updated (else published) date when last fetched: a later one means
    # the publisher edited it, and the page is fetched again for an in-place update.
    entry_version: datetime | None = None


class SiteParagraph(SQLModel, table=True):
    """How many stored articles of a site carry a short paragraph: the site memory
    (storage/site_memory.py). Only short paragraphs are counted (ingest/core/text.py)."""

    __tablename__ = "site_paragraphs"
    __table_args__ = (Index("ix_site_paragraphs_site_articles", "site", "articles"),)

    site: str = Field(primary_key=True)
    key: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    articles: int = 1


class ArticleBand(SQLModel, table=True):
    """One MinHash band key of an article (ingest/core/dedup.py): the near-duplicate index."""

    __tablename__ = "article_bands"

    key: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    article_id: str = Field(foreign_key="articles.id", primary_key=True, max_length=16, index=True)


class UnwrittenFile(SQLModel, table=True):
    """An article whose file is not written yet (storage/writes.py): inserted in the
    transaction that stores or changes the article, deleted once its file is written.

    A table of its own, not a flag on the article (revision 0003): the article row is
    then never updated after its INSERT just to say its file exists. On PostgreSQL that
    UPDATE of an indexed flag could not be HOT, so it rewrote a row version and every
    index entry of the article, the full-text one included (about as much work as the
    INSERT). The table stays small (empty on a healthy store), so finding the files to
    repair is one look at it.
    """

    __tablename__ = "unwritten_files"

    article_id: str = Field(foreign_key="articles.id", primary_key=True, max_length=16)


class SkippedEntry(SQLModel, table=True):
    """An entry that was not stored, with the reason; permanent ones are not retried."""

    __tablename__ = "skipped_entries"

    feed: str = Field(primary_key=True)
    entry_key: str = Field(primary_key=True)
    url: str | None = Field(default=None, sa_column=Column(Text))
    reason: str
    detail: str | None = Field(default=None, sa_column=Column(Text))
    permanent: bool = False
    attempts: int = 1
    last_at: datetime
