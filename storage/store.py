"""The store: the database (source of truth) plus one text file per article.

`Store` is one facade over parts, one concept each:

    session.py      engines, read and write sessions, the document render
    feed_states.py  FeedState <-> feeds row, saved once per poll
    writes.py       articles inserted, rewritten in place, sources, skips, files
    batch.py        several articles looked up and written in one transaction
    maintenance.py  start-of-pass repair of files and of the dedup index
    store.py        reads (this file)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func
from sqlmodel import col, select

from storage.batch import BatchWrites
from storage.feed_states import FeedStates
from storage.maintenance import Maintenance
from storage.models import Article, ArticleSource, SkippedEntry, to_utc
from storage.query import parse_ref
from storage.session import chunks

_ARTICLES = Article.__table__  # type: ignore[attr-defined]
_URLS_STORED = select(_ARTICLES.c.canonical_url, _ARTICLES.c.id).where(
    _ARTICLES.c.canonical_url.in_(bindparam("urls", expanding=True))
)
# A transient skip (timeout, 5xx) is retried on later polls up to this many times.
MAX_SKIP_ATTEMPTS = 3


class Store(Maintenance, BatchWrites, FeedStates):
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------

    def known_entries(self, feed: str, keys: Sequence[str]) -> set[str]:
        """Entry keys of `feed` that are stored, or skipped for good (not to fetch again)."""
        known: set[str] = set()
        with self.session() as s:
            for chunk in chunks(list(keys)):
                known.update(
                    s.exec(
                        select(ArticleSource.entry_key).where(
                            ArticleSource.feed == feed, col(ArticleSource.entry_key).in_(chunk)
                        )
                    )
                )
                known.update(
                    s.exec(
                        select(SkippedEntry.entry_key).where(
                            SkippedEntry.feed == feed,
                            col(SkippedEntry.entry_key).in_(chunk),
                            (col(SkippedEntry.permanent))
                            | (col(SkippedEntry.attempts) >= MAX_SKIP_ATTEMPTS),
                        )
                    )
                )
        return known

    def find_urls(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        """canonical URL -> article id, for the URLs already stored."""
        found: dict[str, str] = {}
        # Core on the read engine, the statement built once: the poll asks this for every
        # new entry, and an ORM session plus a select built per call cost several times
        # the indexed lookup (0.7 ms of CPU per entry).
        with self.read_engine.connect() as conn:
            for chunk in chunks(list(set(canonical_urls))):
                rows = conn.execute(_URLS_STORED, {"urls": list(chunk)})
                found.update({url: id_ for url, id_ in rows})
        return found

    def get(self, article_id: str) -> Article | None:
        with self.session() as s:
            return s.get(Article, article_id)

    def resolve(self, ref: str) -> Article:
        """The article `ref` names: its id or a unique start of it, its sequence number
        (9 or 009), its file name or path. QueryError saying what to give otherwise."""
        wanted = parse_ref(ref)
        with self.session() as s:
            if wanted.seq is not None:
                found = s.exec(select(Article).where(Article.seq == wanted.seq)).first()
                if found is not None:
                    return found
            if wanted.id_prefix is not None:
                matches = list(
                    s.exec(
                        select(Article)
                        .where(col(Article.id).startswith(wanted.id_prefix, autoescape=True))
                        .limit(6)
                    )
                )
                if len(matches) == 1:
                    return matches[0]
                if matches:
                    raise wanted.ambiguous([a.id for a in matches])
        raise wanted.unknown()

    def sources(self, article_id: str) -> list[ArticleSource]:
        with self.session() as s:
            return list(
                s.exec(
                    select(ArticleSource)
                    .where(ArticleSource.article_id == article_id)
                    .order_by(col(ArticleSource.id))
                )
            )

    def latest(self, limit: int = 20, feed: str | None = None) -> list[Article]:
        with self.session() as s:
            query = select(Article)
            if feed:
                query = query.where(Article.feed == feed)
            order = (col(Article.published).desc(), col(Article.seq).desc())
            return list(s.exec(query.order_by(*order).limit(limit)))

    def count_articles(self) -> int:
        with self.session() as s:
            return int(s.exec(select(func.count()).select_from(Article)).one())

    def changed_entries(self, feed: str, versions: dict[str, datetime]) -> set[str]:
        """Keys of `feed`'s stored entries whose date moved past the one last fetched.

        These are fetched again for an in-place update, unless the article reached
        `max_updates`. Sources recorded without a date are never re-fetched.
        """
        changed: set[str] = set()
        with self.session() as s:
            for chunk in chunks(list(versions)):
                rows = s.exec(
                    select(
                        ArticleSource.entry_key, ArticleSource.entry_version, Article.update_count
                    )
                    .join(Article, col(Article.id) == col(ArticleSource.article_id))
                    .where(
                        ArticleSource.feed == feed,
                        col(ArticleSource.entry_key).in_(chunk),
                        col(ArticleSource.entry_version).is_not(None),
                    )
                )
                for key, seen, updates in rows:
                    if (updates or 0) >= self.max_updates or seen is None:
                        continue
                    if to_utc(versions[key]) > to_utc(seen):
                        changed.add(key)
        return changed
