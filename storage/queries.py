"""Read-only counts over the store: raw numbers for status pages and the scheduler.

No judgement here (what is failing, which site looks broken, how often to poll): that is
policy and lives in ingest/service/status.py. These read through `Store.session()` (on
SQLite a WAL reader), so they work while the daemon writes, and without it.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func
from sqlmodel import col, select

from ingest.core.urls import site_of
from storage.models import Article, ArticleSource, to_utc
from storage.store import Store


class SiteCounts(NamedTuple):
    """Articles of one site (domain) fetched in a window, and how many lack page text."""

    domain: str
    articles: int
    empty: int  # stored with no body text at all
    feed_only: int  # the page gave nothing; the feed's text was stored instead


def article_counts(store: Store) -> dict[str, int]:
    """Articles per feed they were seen in (first or not): what `--feed NAME` finds."""
    with store.session() as s:
        rows = s.exec(
            select(
                ArticleSource.feed, func.count(func.distinct(ArticleSource.article_id))
            ).group_by(ArticleSource.feed)
        )
        return {feed: int(n) for feed, n in rows}


def published_count(store: Store, feed: str, since: datetime) -> int:
    """Articles seen in `feed` that were published at or after `since`.

    Counted through the feed's sources, so a story first stored from another feed still
    counts as published by this one.
    """
    with store.session() as s:
        query = (
            select(func.count())
            .select_from(ArticleSource)
            .join(Article, col(Article.id) == col(ArticleSource.article_id))
            .where(ArticleSource.feed == feed, col(Article.published) >= to_utc(since))
        )
        return int(s.exec(query).one())


def site_counts(store: Store, since: datetime) -> list[SiteCounts]:
    """Per domain, articles fetched since `since` and how many lack page text."""
    counts: dict[str, list[int]] = {}
    with store.session() as s:
        rows = s.exec(
            select(Article.url, Article.text_source, func.length(Article.body)).where(
                col(Article.fetched_at) >= to_utc(since)
            )
        )
        for url, source, length in rows:
            tally = counts.setdefault(site_of(url) or "?", [0, 0, 0])
            tally[0] += 1
            if not length:
                tally[1] += 1
            elif source == "feed":
                tally[2] += 1
    return [SiteCounts(d, n, empty, feed) for d, (n, empty, feed) in counts.items()]
