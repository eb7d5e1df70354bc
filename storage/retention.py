"""Retention: `ingest prune` removes old articles, their rows and their files together.

A store polled around the clock only grows (Miniflux has CLEANUP_ARCHIVE_*_DAYS for
that). An article is old when it was published before the cut-off. Order of the work,
so that a crash at any point leaves a consistent store:

  1. its file is marked unwritten: should the process die after 2, the next start's
     repair rewrites the file from the row, and the prune is simply not done yet;
  2. its file is removed;
  3. its row, its mark, its sources and its dedup keys are deleted in one transaction, and each
     source is remembered as a permanently skipped entry ("pruned"), so a feed that
     still lists the item does not bring it back on the next poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select

from storage.models import Article, ArticleBand, ArticleSource, SkippedEntry, UnwrittenFile, to_utc
from storage.session import chunks
from storage.store import Store
from storage.writes import mark_unwritten

PRUNED = "pruned"


def old_articles(store: Store, before: datetime) -> list[tuple[str, str]]:
    """(id, path) of the articles published before `before`, oldest first."""
    with store.session() as s:
        rows = s.exec(
            select(Article.id, Article.path)
            .where(col(Article.published) < to_utc(before))
            .order_by(col(Article.published))
        )
        return [(id_, path) for id_, path in rows]


def prune(store: Store, before: datetime, now: datetime, *, dry_run: bool = False) -> int:
    """Remove the articles published before `before` (rows and files); return how many."""
    old = old_articles(store, before)
    if dry_run:
        return len(old)
    for batch in chunks(old):
        _prune_batch(store, batch, now)
    return len(old)


def _prune_batch(store: Store, batch: Sequence[tuple[str, str]], now: datetime) -> None:
    ids = [id_ for id_, _ in batch]
    with store._write("flag articles to prune") as s:
        mark_unwritten(s, ids)
    for _, path in batch:
        (store.root / path).unlink(missing_ok=True)
    with store._write("prune articles") as s:
        sources = s.exec(
            select(ArticleSource.feed, ArticleSource.entry_key, ArticleSource.url).where(
                col(ArticleSource.article_id).in_(ids)
            )
        ).all()
        for feed, key, url in sources:
            s.merge(
                SkippedEntry(
                    feed=feed, entry_key=key, url=url, reason=PRUNED, permanent=True,
                    detail="removed by ingest prune", last_at=to_utc(now),
                )
            )  # fmt: skip
        s.exec(delete(ArticleBand).where(col(ArticleBand.article_id).in_(ids)))
        s.exec(delete(ArticleSource).where(col(ArticleSource.article_id).in_(ids)))
        s.exec(delete(UnwrittenFile).where(col(UnwrittenFile.article_id).in_(ids)))
        s.exec(delete(Article).where(col(Article.id).in_(ids)))
