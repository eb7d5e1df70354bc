"""The store: the database (source of truth) plus one text file per article.

Write order, for crash safety: the article row is committed first (with
`file_written = false`), then the file is written atomically, then the flag is set.
A crash in between leaves a row whose file is missing; `repair_files()` rewrites it
from the database at the start of the next run. A file never exists without its row.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, insert, inspect, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel, col, select

from ingest.core import dedup as _dedup
from ingest.core.dates import month_of
from ingest.core.errors import StorageError
from ingest.core.types import ArticleDraft
from storage import document, files, fingerprints
from storage.db import create_schema, make_engine
from storage.models import Article, ArticleSource, Feed, SkippedEntry, to_utc

T = TypeVar("T")
_CHUNK = 500  # bound the size of IN (...) lists
_SAVE_RETRIES = 8
# A transient skip (timeout, 5xx) is retried on later polls up to this many times.
MAX_SKIP_ATTEMPTS = 3


@dataclass(frozen=True)
class SaveResult:
    article_id: str
    created: bool
    # "new", "updated" (same URL, changed body, rewritten in place), "known:canonical_url",
    # "known:exact", "known:near", "known:near:short", "known:update_capped"
    reason: str
    path: str | None = None
    file_error: str | None = None  # the row is stored; the file will be repaired later


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class Store:
    def __init__(
        self,
        database_url: str,
        root: Path,
        *,
        title_max_chars: int = 80,
        thresholds: _dedup.Thresholds | None = None,
        max_updates: int = _dedup.MAX_UPDATES,
    ) -> None:
        self.root = root
        self.title_max_chars = title_max_chars
        self.thresholds = thresholds or _dedup.Thresholds()
        self.max_updates = max_updates
        try:
            self.engine: Engine = make_engine(database_url)
            create_schema(self.engine)
            sqlite = self.engine.dialect.name == "sqlite"
            self.read_engine = make_engine(database_url, writer=False) if sqlite else self.engine
        except SQLAlchemyError as exc:
            hint = _store_hint(root)
            raise StorageError(f"cannot open the database {database_url}{hint}: {exc}") from exc

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session(self) -> Session:
        """A read session: on SQLite it never blocks, nor is blocked by, a writer."""
        return Session(self.read_engine, expire_on_commit=False)

    # -- reading ------------------------------------------------------------------

    def known_entries(self, feed: str, keys: Sequence[str]) -> set[str]:
        """Entry keys of `feed` that are stored, or skipped for good (not to fetch again)."""
        known: set[str] = set()
        with self.session() as s:
            for chunk in _chunks(list(keys)):
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
        with self.session() as s:
            for chunk in _chunks(list(set(canonical_urls))):
                rows = s.exec(
                    select(Article.canonical_url, Article.id).where(
                        col(Article.canonical_url).in_(chunk)
                    )
                )
                found.update({url: id_ for url, id_ in rows})
        return found

    def get(self, article_id: str) -> Article | None:
        with self.session() as s:
            return s.get(Article, article_id)

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

    def render(self, article: Article) -> str:
        """The article's document text, rebuilt from the database."""
        return document.render(
            document.Document(
                month=article.month,
                title=article.title,
                lead=article.lead,
                paragraphs=article.paragraphs,
            ),
            self.title_max_chars,
        )

    def path_of(self, article: Article) -> Path:
        return self.root / article.path

    # -- feeds ----------------------------------------------------------------------

    def feed_state(self, name: str) -> Feed | None:
        with self.session() as s:
            return s.get(Feed, name)

    def feed_states(self) -> dict[str, Feed]:
        with self.session() as s:
            return {f.name: f for f in s.exec(select(Feed))}

    def save_feed_state(self, feed: Feed) -> None:
        self.save_feed_states([feed])

    def save_feed_states(self, feeds: Sequence[Feed]) -> None:
        """Save the rows of distinct feeds in one transaction: one commit for many.

        A row read from the database gets an UPDATE of the columns changed since (no
        SELECT; columns that others write, such as the daemon's next poll, are left
        alone); a new feed is merged. `feeds` are not attached to the session: after a
        failed transaction they are as they were, to be saved again (one by one).
        """
        updates: dict[frozenset[str], list[dict[str, Any]]] = {}
        with self._write("save feed state") as s:
            for feed in feeds:
                state = inspect(feed)
                if not state.detached:
                    s.merge(feed)
                    continue
                changed = {a.key: a.value for a in state.attrs if a.history.has_changes()}
                if changed:
                    updates.setdefault(frozenset(changed), []).append(
                        {"_feed_name": feed.name, **changed}
                    )
            # Rows that changed the same columns (all 304s of a pass) share one statement:
            # Core executemany, a fraction of the ORM's per-row cost.
            table = Feed.__table__  # type: ignore[attr-defined]
            stmt = update(table).where(table.c.name == bindparam("_feed_name"))
            for rows in updates.values():
                s.connection().execute(stmt, rows)

    # -- writing --------------------------------------------------------------------

    def _write(self, what: str) -> _WriteSession:
        return _WriteSession(self, what)

    def add_source(
        self,
        article_id: str,
        feed: str,
        entry_key: str,
        guid: str | None,
        url: str,
        now: datetime,
        entry_version: datetime | None = None,
    ) -> bool:
        """Record another place an article was seen; False if it was recorded already."""
        try:
            with self._write("add a source") as s:
                if self._has_source(s, feed, entry_key):
                    return False
                source = self._source(article_id, feed, entry_key, guid, url, now)
                source.match_rule = "canonical_url"
                source.entry_version = to_utc(entry_version) if entry_version else None
                s.add(source)
            return True
        except IntegrityError:
            return False  # a concurrent poll recorded it first

    def record_skip(
        self,
        feed: str,
        entry_key: str,
        url: str | None,
        reason: str,
        detail: str,
        permanent: bool,
        now: datetime,
    ) -> None:
        for _ in range(_SAVE_RETRIES):
            try:
                with self._write("record a skipped entry") as s:
                    row = s.get(SkippedEntry, (feed, entry_key))
                    if row is None:
                        row = SkippedEntry(
                            feed=feed, entry_key=entry_key, reason=reason, last_at=to_utc(now)
                        )
                    else:
                        row.attempts += 1
                    row.url, row.reason, row.detail = url, reason, detail[:2000]
                    row.permanent, row.last_at = permanent, to_utc(now)
                    s.add(row)
                return
            except IntegrityError:
                continue

    def save(
        self,
        draft: ArticleDraft,
        now: datetime,
        *,
        dedup: bool = True,
        entry_version: datetime | None = None,
        fingerprint: _dedup.Fingerprint | None = None,
    ) -> SaveResult:
        """Store a new article (row, source, file), update it in place (same canonical URL,
        changed stable body), or record the draft as another source of the article it
        duplicates (ingest/dedup.py). `dedup=False`: content rules neither apply nor match.
        `fingerprint`: the draft's, when the caller computed it off this thread already.
        """
        id_ = files.article_id(draft.canonical_url)
        fp = fingerprint
        if fp is None and draft.paragraphs:
            fp = _dedup.fingerprint(draft.paragraphs)
        for _ in range(_SAVE_RETRIES):
            try:
                with self._write("store an article") as s:
                    # the id first (Core, cheap): a known URL is the rare case here
                    known_id = (
                        s.connection()
                        .execute(
                            select(Article.id).where(Article.canonical_url == draft.canonical_url)
                        )
                        .scalar()
                    )
                    known = s.get(Article, known_id) if known_id is not None else None
                    if known is not None:
                        reason = self._update(s, known, draft, fp, now)
                        self._merge_source(
                            s, known.id, draft, "canonical_url", None, now, entry_version
                        )
                        if reason != "updated":
                            return SaveResult(known.id, created=False, reason=reason)
                        article = known
                        break
                    reason = "new"
                    same = (
                        fingerprints.find_same_story(s, fp, self.thresholds)
                        if (dedup and fp)
                        else None
                    )
                    if same is not None:
                        self._merge_source(
                            s,
                            same.article_id,
                            draft,
                            same.rule,
                            same.similarity,
                            now,
                            entry_version,
                        )
                        return SaveResult(
                            same.article_id, created=False, reason=f"known:{same.rule}"
                        )
                    seq = s.connection().execute(_NEXT_SEQ).scalar_one()
                    article = self._article(draft, id_, seq, now)
                    article.update_count = 0
                    fingerprints.set_columns(article, fp, on=dedup)
                    _insert(s, article)  # the row first: band rows refer to it
                    fingerprints.insert_bands(s, id_, fp, on=dedup)
                    self._merge_source(s, id_, draft, "new", None, now, entry_version)
                break
            except IntegrityError:
                continue  # a concurrent writer took the seq or the URL: look again
        else:
            raise StorageError(f"could not store {draft.canonical_url} after retries")
        error = self.write_file(article)
        return SaveResult(
            article.id, created=reason == "new", reason=reason, path=article.path, file_error=error
        )

    def _update(
        self,
        s: Session,
        article: Article,
        draft: ArticleDraft,
        fp: _dedup.Fingerprint | None,
        now: datetime,
    ) -> str:
        """Rewrite a known URL's row in place when its stable body changed (capped).

        Same id, seq, month and path: the file is rewritten by the caller, atomically.
        """
        if not draft.paragraphs or not _dedup.is_update(article.paragraphs, draft.paragraphs):
            return "known:canonical_url"
        if (article.update_count or 0) >= self.max_updates:
            return "known:update_capped"
        article.title, article.lead = draft.title, draft.lead
        article.body = "\n".join(draft.paragraphs)
        article.text_source = draft.text_source
        article.updated_at = to_utc(now)
        article.update_count = (article.update_count or 0) + 1
        article.file_written = False
        fingerprints.index_article(s, article, fp, on=article.dedup_version != 0)
        s.add(article)
        return "updated"

    def _merge_source(
        self,
        s: Session,
        article_id: str,
        draft: ArticleDraft,
        rule: str,
        similarity: float | None,
        now: datetime,
        entry_version: datetime | None,
    ) -> None:
        """Record the draft's (feed, entry) as a source, or move its entry version on."""
        version = to_utc(entry_version) if entry_version else None
        # Core statements: this runs for every stored entry, and the ORM's unit of work
        # cost more than the SQL itself.
        table = ArticleSource.__table__  # type: ignore[attr-defined]
        where = (table.c.feed == draft.feed_name) & (table.c.entry_key == draft.entry_key)
        existing = s.connection().execute(select(table.c.id).where(where)).first()
        if existing is not None:
            if version is not None:
                s.connection().execute(update(table).where(where).values(entry_version=version))
            return
        source = self._source(
            article_id, draft.feed_name, draft.entry_key, draft.guid, draft.url, now
        )
        source.match_rule, source.similarity, source.entry_version = rule, similarity, version
        _insert(s, source)

    def changed_entries(self, feed: str, versions: dict[str, datetime]) -> set[str]:
        """Keys of `feed`'s stored entries whose date moved past the one last fetched.

        These are fetched again for an in-place update, unless the article reached
        `max_updates`. Sources recorded without a date are never re-fetched.
        """
        changed: set[str] = set()
        with self.session() as s:
            for chunk in _chunks(list(versions)):
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

    def backfill_fingerprints(self, batch: int = 1000) -> int:
        """Fingerprint articles stored before dedup existed (a no-op once done)."""
        total = 0
        while True:
            with self._write("fingerprint stored articles") as s:
                done = fingerprints.backfill(s, batch)
            total += done
            if done < batch:
                return total

    def write_file(self, article: Article) -> str | None:
        """Write the article's file and mark it written; return the error text on failure."""
        try:
            files.write_atomic(self.path_of(article), self.render(article))
        except OSError as exc:
            return f"cannot write {self.path_of(article)}: {exc.strerror or exc}"
        try:
            with self._write("mark a file written") as s:
                # one UPDATE, no SELECT: this runs for every stored article
                s.execute(
                    update(Article).where(col(Article.id) == article.id).values(file_written=True)
                )
        except StorageError as exc:
            return str(exc)
        return None

    def repair_files(self, verify: bool = False) -> int:
        """Rewrite article files that are missing, or that a crash left unwritten.

        Run at the start of every pass: rows flagged unwritten are rewritten, and every
        other row's file is checked to exist (one stat each, paths streamed in batches).
        `verify` also compares each file's bytes with what the database renders.
        """
        files.remove_stale_temp_files(self.root)
        repaired = 0
        with self.session() as s:
            rows = s.exec(
                select(Article.id, Article.path, Article.file_written).order_by(col(Article.seq))
            )
            suspects = [
                id_
                for id_, path, written in rows
                if not written or verify or not (self.root / path).is_file()
            ]
        for id_ in suspects:
            article = self.get(id_)
            if article is None:
                continue
            path = self.path_of(article)
            if article.file_written and path.is_file():
                if not verify or path.read_bytes() == self.render(article).encode("utf-8"):
                    continue
            if self.write_file(article) is None:
                repaired += 1
        return repaired

    # -- helpers --------------------------------------------------------------------

    @staticmethod
    def _has_source(s: Session, feed: str, entry_key: str) -> bool:
        return (
            s.exec(
                select(ArticleSource.id).where(
                    ArticleSource.feed == feed, ArticleSource.entry_key == entry_key
                )
            ).first()
            is not None
        )

    @staticmethod
    def _source(
        article_id: str, feed: str, entry_key: str, guid: str | None, url: str, now: datetime
    ) -> ArticleSource:
        return ArticleSource(
            article_id=article_id,
            feed=feed,
            entry_key=entry_key,
            guid=guid,
            url=url,
            seen_at=to_utc(now),
        )

    @staticmethod
    def _article(draft: ArticleDraft, id_: str, seq: int, now: datetime) -> Article:
        offset = draft.published.utcoffset()
        month = month_of(draft.published)
        return Article(
            id=id_,
            seq=seq,
            canonical_url=draft.canonical_url,
            url=draft.url,
            feed=draft.feed_name,
            title=draft.title,
            lead=draft.lead,
            body="\n".join(draft.paragraphs),
            published=to_utc(draft.published),
            utc_offset_minutes=int(offset.total_seconds() // 60) if offset else 0,
            month=month,
            date_inferred=draft.date_inferred,
            language=draft.language,
            text_source=draft.text_source,
            path=files.relative_path(month, seq, id_),
            fetched_at=to_utc(now),
        )


_NEXT_SEQ = select(func.coalesce(func.max(Article.seq), -1) + 1)


def _insert(s: Session, row: SQLModel) -> None:
    """INSERT a new row through Core, in the session's transaction (a database-made key,
    left None, is left to the database). The object stays out of the session."""
    table = type(row).__table__  # type: ignore[attr-defined]
    values = {c.name: getattr(row, c.name) for c in table.columns}
    values = {k: v for k, v in values.items() if v is not None or not table.c[k].primary_key}
    s.connection().execute(insert(table), values)


class _WriteSession:
    """`with store._write(what) as s:` commits on success, maps DB errors to StorageError.

    IntegrityError passes through unchanged: callers retry on it.
    """

    def __init__(self, store: Store, what: str) -> None:
        self._session = Session(store.engine, expire_on_commit=False)
        self._what = what

    def __enter__(self) -> Session:
        return self._session

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            if exc_type is None:
                self._session.commit()
            else:
                self._session.rollback()
        except IntegrityError:
            self._session.close()
            raise
        except SQLAlchemyError as err:
            self._session.close()
            raise StorageError(f"database error while trying to {self._what}: {err}") from err
        self._session.close()
        if isinstance(exc, SQLAlchemyError) and not isinstance(exc, IntegrityError):
            # A full disk, a lock held too long, a value PostgreSQL refuses: one article
            # or feed fails with a clear error, the pass goes on.
            raise StorageError(f"database error while trying to {self._what}: {exc}") from exc
        return False


def _store_hint(root: Path) -> str:
    """Why a store may not open, in words: read-only or full (statvfs, no write attempt)."""
    try:
        st = os.statvfs(root)
    except OSError:
        return ""
    if st.f_flag & os.ST_RDONLY:
        return f" (the store folder {root} is on a read-only file system)"
    if st.f_bavail == 0:
        return f" (the disk holding {root} is full)"
    return ""
