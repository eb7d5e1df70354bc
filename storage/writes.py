"""Writing articles: insert, rewrite in place, add a source, record a skip, write files.

The decisions (which of these an entry gets) are the pipeline's dedup step
(ingest/pipeline/deduplicate.py); this module carries them out, each in one
transaction, and looks up what the decision needs (a URL's article, the same story).

Write order, for crash safety: the article row is committed first, with a row in
`unwritten_files` in the same transaction, then the file is written atomically, then that
row is deleted. A crash in between leaves an unwritten mark whose file is missing or
stale; `repair_files()` rewrites it from the database at the start of the next run. A
file never exists without its article row, and is only written while it is marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ingest.core import dedup
from ingest.core.dates import month_of
from ingest.core.errors import StorageError
from ingest.core.text import site_noise_candidates
from ingest.core.types import ArticleDraft
from ingest.core.urls import site_of
from storage import files, fingerprints, site_memory
from storage.fingerprints import SameStory
from storage.models import Article, ArticleSource, SkippedEntry, UnwrittenFile, to_utc
from storage.session import ArticleFile, StoreBase

_SAVE_RETRIES = 8
# pg_advisory_xact_lock key of lock_dedup (no colon: text() would read a bind parameter)
_PG_DEDUP_LOCK = "hashtextextended(current_schema() || ' news-ingest dedup', 0)"
NEXT_SEQ = select(func.coalesce(func.max(Article.seq), -1) + 1)
# Core, built once: through the ORM session, an UPDATE of an entity is its bulk-update
# path (statement built, compiled from the cache, synchronize_session evaluated), which
# cost more CPU than the write itself, once for every stored article.
_ARTICLES = Article.__table__  # type: ignore[attr-defined]
_UNWRITTEN = UnwrittenFile.__table__  # type: ignore[attr-defined]
_MARK_NEW_UNWRITTEN = insert(_UNWRITTEN)
_MARK_WRITTEN = delete(_UNWRITTEN).where(
    _UNWRITTEN.c.article_id.in_(bindparam("ids", expanding=True))
)
BY_URL = select(_ARTICLES).where(_ARTICLES.c.canonical_url == bindparam("url"))
_URL_TAKEN = select(_ARTICLES.c.id).where(_ARTICLES.c.canonical_url == bindparam("url"))
_SOURCES = ArticleSource.__table__  # type: ignore[attr-defined]
# bind names unlike the columns': an UPDATE reserves the column names for its SET clause
_THIS_SOURCE = (_SOURCES.c.feed == bindparam("b_feed")) & (
    _SOURCES.c.entry_key == bindparam("b_entry_key")
)
_SOURCE_ID = select(_SOURCES.c.id).where(_THIS_SOURCE)
_MOVE_VERSION = update(_SOURCES).where(_THIS_SOURCE).values(entry_version=bindparam("b_version"))
# A new article's row and a new source's, from plain dicts: an SQLModel object costs an
# instrumented attribute set per column to build and a getattr per column to insert, more
# CPU than the INSERT itself (a fifth of storing an article). Built once.
_INSERT_ARTICLE = insert(_ARTICLES)
_INSERT_SOURCE = insert(_SOURCES)


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article just inserted (`insert_new`): what its file and the caller need of it."""

    id: str
    seq: int
    path: str
    month: str
    title: str
    lead: str | None
    body: str

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p for p in self.body.split("\n") if p)  # as Article.paragraphs


class ArticleWrites(StoreBase):
    # -- what the dedup step looks up -----------------------------------------------

    def article_by_url(self, canonical_url: str) -> Article | None:
        # Core, and the row built by hand: this runs for every new article, where the ORM's
        # session and identity map cost more than the indexed lookup.
        with self.read_engine.connect() as conn:
            found = conn.execute(BY_URL, {"url": canonical_url}).first()
        return Article(**found._mapping) if found is not None else None

    def find_same_story(
        self, fp: dedup.Fingerprint, published: datetime | None = None
    ) -> SameStory | None:
        """A stored article whose body is the same story as `fp`'s (ingest/core/dedup.py),
        or the closest one a veto keeps apart (`veto` set)."""
        with self.session() as s:
            return fingerprints.find_same_story(s, fp, self.thresholds, published)

    def site_noise(self, site: str) -> frozenset[int]:
        """Keys of the short paragraphs that are `site`'s boilerplate (storage/site_memory.py)."""
        with self.session() as s:
            return site_memory.noise(s, site)

    # -- writes ----------------------------------------------------------------------

    def insert_article(
        self,
        draft: ArticleDraft,
        fp: dedup.Fingerprint | None,
        now: datetime,
        *,
        dedup_on: bool = True,
        entry_version: datetime | None = None,
        veto: str | None = None,
    ) -> NewArticle | None:
        """Store a new article: its row, band rows and first source, in one transaction.

        `veto`: why the closest stored story was not merged, recorded on the source.

        None when its canonical URL, or the same story (by content: the caller's lookup
        ran before this transaction), was stored meanwhile by another process: the caller
        decides again. The check and the INSERT run under the dedup lock (`lock_dedup`),
        so two processes storing one syndicated story under two URLs store it once.
        The file is written by `write_file`, after the commit.
        """
        for _ in range(_SAVE_RETRIES):
            try:
                with self._write("store an article", durable=True) as s:
                    lock_dedup(s)
                    url = {"url": draft.canonical_url}
                    if s.connection().execute(_URL_TAKEN, url).scalar() is not None:
                        return None
                    if dedup_on and fp is not None and self._stored_meanwhile(s, fp, draft):
                        return None
                    seq = s.connection().execute(NEXT_SEQ).scalar_one()
                    return insert_new(s, draft, fp, now, seq, dedup_on, entry_version, veto)
            except IntegrityError:
                continue  # a concurrent writer took the seq or the URL: look again
        raise StorageError(f"could not store {draft.canonical_url} after retries")

    def _stored_meanwhile(self, s: Session, fp: dedup.Fingerprint, draft: ArticleDraft) -> bool:
        """The same story, stored by another process since the caller looked (under the
        dedup lock now, so nobody else can store one until this transaction ends)."""
        same = fingerprints.find_same_story(s, fp, self.thresholds, draft.published)
        return same is not None and same.merges

    def rewrite_article(
        self,
        article_id: str,
        draft: ArticleDraft,
        fp: dedup.Fingerprint | None,
        now: datetime,
        entry_version: datetime | None = None,
        rule: str = "canonical_url",
        similarity: float | None = None,
    ) -> Article:
        """Update an article in place with a changed body: same id, seq, month and path.

        `rule`: "canonical_url" (the page changed), or the content rule by which a longer
        copy at another URL replaces the body (nothing lost: ingest/core/dedup.py). Its
        file is rewritten by `write_file`, atomically, after the commit.
        """
        with self._write("update an article", durable=True) as s:
            return rewrite(s, article_id, draft, fp, now, entry_version, rule, similarity)

    def merge_source(
        self,
        article_id: str,
        draft: ArticleDraft,
        rule: str,
        similarity: float | None,
        now: datetime,
        entry_version: datetime | None = None,
    ) -> None:
        """Record the draft's (feed, entry) as a source of a stored article, with the
        rule that matched; a source recorded already gets its entry version moved on."""
        for _ in range(_SAVE_RETRIES):
            try:
                with self._write("record a source") as s:
                    merge_source_in(s, article_id, draft, rule, similarity, now, entry_version)
                return
            except IntegrityError:
                continue  # a concurrent poll recorded it first: it is now an update

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
        """Record a known URL seen under another entry; False if recorded already."""
        try:
            with self._write("add a source") as s:
                this = {"b_feed": feed, "b_entry_key": entry_key}
                if s.connection().execute(_SOURCE_ID, this).first():
                    return False
                version = to_utc(entry_version) if entry_version else None
                row = _source(article_id, feed, entry_key, guid, url, now)
                row.update(match_rule="canonical_url", entry_version=version)
                s.connection().execute(_INSERT_SOURCE, row)
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

    def write_file(self, article: ArticleFile) -> str | None:
        """Write the article's file and mark it written; return the error text on failure."""
        return self.write_files([article]).get(article.id)

    def write_files(self, articles: Sequence[ArticleFile]) -> dict[str, str]:
        """Write these articles' files, then mark those written in one statement; return
        the error text by article id, for the files that could not be written or marked."""
        errors: dict[str, str] = {}
        written: list[str] = []
        paths: list[Path] = []
        for article in articles:
            path = self.path_of(article)
            try:
                files.write_atomic(path, self.render(article), sync_folder=False)
                written.append(article.id)
                paths.append(path)
            except OSError as exc:
                errors[article.id] = f"cannot write {path}: {exc.strerror or exc}"
        if not written:
            return errors
        # The renames made durable, once for each folder, before any mark is deleted.
        files.sync_folders(paths)
        try:
            with self._write_core("mark files written") as conn:
                # one DELETE, no SELECT, no ORM session: this runs for every stored article
                conn.execute(_MARK_WRITTEN, {"ids": written})
        except StorageError as exc:
            errors.update(dict.fromkeys(written, str(exc)))
        return errors


def insert_new(
    s: Session,
    draft: ArticleDraft,
    fp: dedup.Fingerprint | None,
    now: datetime,
    seq: int,
    dedup_on: bool,
    entry_version: datetime | None,
    veto: str | None,
    mark: bool = True,
) -> NewArticle:
    """A new article's row, band rows, site memory and first source, in `s`'s transaction,
    with its file marked unwritten (`mark` False: the caller marks it, before the commit);
    the caller holds the dedup lock and has looked."""
    id_ = files.article_id(draft.canonical_url)
    row = _article(draft, id_, seq, now)
    row.update(
        update_count=0,
        text_hash=fp.text_hash if fp else None,
        dedup_version=dedup.SCHEME_VERSION if dedup_on else 0,
    )  # as fingerprints.set_columns
    s.connection().execute(_INSERT_ARTICLE, row)  # the row first: band rows refer to it
    if mark:
        s.connection().execute(_MARK_NEW_UNWRITTEN, {"article_id": id_})
    fingerprints.insert_bands(s, id_, fp, on=dedup_on)
    site = site_of(draft.canonical_url)
    site_memory.remember(s, site, site_noise_candidates(draft.paragraphs))
    merge_source_in(s, id_, draft, "new", None, now, entry_version, veto)
    return NewArticle(id_, seq, row["path"], row["month"], row["title"], row["lead"], row["body"])


def rewrite(
    s: Session,
    article_id: str,
    draft: ArticleDraft,
    fp: dedup.Fingerprint | None,
    now: datetime,
    entry_version: datetime | None,
    rule: str,
    similarity: float | None,
) -> Article:
    """`rewrite_article` in `s`'s transaction, flushed: later look-ups in it see the new body."""
    article = s.get(Article, article_id)
    if article is None:
        raise StorageError(f"article {article_id} vanished while it was updated")
    article.title, article.lead = draft.title, draft.lead
    article.body = "\n".join(draft.paragraphs)
    article.text_source = draft.text_source
    article.updated_at = to_utc(now)
    article.update_count = (article.update_count or 0) + 1
    mark_unwritten(s, [article_id])
    fingerprints.index_article(s, article, fp, on=article.dedup_version != 0)
    s.add(article)
    s.flush()
    merge_source_in(s, article_id, draft, rule, similarity, now, entry_version)
    return article


def mark_unwritten(s: Session, article_ids: list[str]) -> None:
    """Mark these stored articles' files unwritten, in `s`'s transaction (a mark there
    already stays): their files are about to be rewritten or removed."""
    conn = s.connection()
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows = [{"article_id": id_} for id_ in article_ids]
    conn.execute(dialect.insert(_UNWRITTEN).on_conflict_do_nothing(), rows)


def lock_dedup(s: Session) -> None:
    """Take the dedup lock for the rest of `s`'s transaction: the same-story check and the
    INSERT of a new article become one step for every process on the store.

    Deduplication is global (any story may match any other), so the lock is one key per
    store: on PostgreSQL a transaction-scoped advisory lock, per schema so stores in other
    schemas of the database never wait for it; released by COMMIT or ROLLBACK, so a killed
    process never leaves it held. SQLite needs none: a write transaction already holds
    the database's one write lock (BEGIN IMMEDIATE, storage/db.py).
    """
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_DEDUP_LOCK})"))


def merge_source_in(
    s: Session,
    article_id: str,
    draft: ArticleDraft,
    rule: str,
    similarity: float | None,
    now: datetime,
    entry_version: datetime | None,
    veto: str | None = None,
) -> None:
    """Record the draft's (feed, entry) as a source, or move its entry version on."""
    version = to_utc(entry_version) if entry_version else None
    # Core statements built once: this runs for every stored entry, and the ORM's unit of
    # work cost more than the SQL itself.
    this = {"b_feed": draft.feed_name, "b_entry_key": draft.entry_key}
    existing = s.connection().execute(_SOURCE_ID, this).first()
    if existing is not None:
        if version is not None:
            s.connection().execute(_MOVE_VERSION, {**this, "b_version": version})
        return
    row = _source(article_id, draft.feed_name, draft.entry_key, draft.guid, draft.url, now)
    row.update(match_rule=rule, similarity=similarity, entry_version=version)
    row["veto"] = veto[:500] if veto else None
    s.connection().execute(_INSERT_SOURCE, row)


def _source(
    article_id: str, feed: str, entry_key: str, guid: str | None, url: str, now: datetime
) -> dict[str, Any]:
    """A new source's row, every column but the database-made id."""
    return {
        "article_id": article_id, "feed": feed, "entry_key": entry_key, "guid": guid,
        "url": url, "seen_at": to_utc(now), "match_rule": None, "similarity": None,
        "veto": None, "entry_version": None,
    }  # fmt: skip


def _article(draft: ArticleDraft, id_: str, seq: int, now: datetime) -> dict[str, Any]:
    """A new article's row, every column (those of dedup set by the caller)."""
    offset = draft.published.utcoffset()
    month = month_of(draft.published)
    return {
        "id": id_,
        "seq": seq,
        "canonical_url": draft.canonical_url,
        "url": draft.url,
        "feed": draft.feed_name,
        "title": draft.title,
        "lead": draft.lead,
        "body": "\n".join(draft.paragraphs),
        "published": to_utc(draft.published),
        "utc_offset_minutes": int(offset.total_seconds() // 60) if offset else 0,
        "month": month,
        "date_inferred": draft.date_inferred,
        "language": draft.language,
        "text_source": draft.text_source,
        "path": files.relative_path(month, seq, id_),
        "fetched_at": to_utc(now),
        "updated_at": None,
        "text_hash": None,
        "dedup_version": None,
        "update_count": None,
    }
