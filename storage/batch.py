"""Articles stored together: the dedup look-ups and writes of several articles in one
durable transaction, then their files, then one statement that marks them all written.

Stored one by one, each new article paid two transactions of its own (its row, with a
synced commit, then the delete of its unwritten-file mark), about as much CPU as its
rows; and it looked for the same story twice, once to decide and once more under the
dedup lock before its INSERT, since another process could store one in between. In a
batch (`article_batch`) the lock is taken before the first look-up and held until the
commit: every look-up sees all that is stored (by any process, and earlier in the
batch), nobody else can store an article in between, so each decision is final and is
looked up once. The group commit of feed rows (ingest/pipeline/runtime.py save_state)
is the model.

The write order of storage/writes.py holds for every article of a batch: its row and
its unwritten mark are durable before its file is written, and the mark is deleted
only once the file is written; a crash in between leaves marks that `repair_files`
follows at the next start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ingest.core import dedup
from ingest.core.errors import StorageError
from ingest.core.types import ArticleDraft
from storage import fingerprints
from storage.fingerprints import SameStory
from storage.models import Article
from storage.session import ArticleFile
from storage.writes import (
    BY_URL,
    NEXT_SEQ,
    ArticleWrites,
    NewArticle,
    insert_new,
    lock_dedup,
    mark_unwritten,
    merge_source_in,
    rewrite,
)


class ArticleBatch:
    """The dedup look-ups and the writes of `ArticleWrites`, all in one transaction."""

    def __init__(self, s: Session, thresholds: dedup.Thresholds, max_updates: int) -> None:
        self._s = s
        self.thresholds = thresholds
        self.max_updates = max_updates
        self._next_seq: int | None = None
        # The articles whose files are written after the commit: the last state of each.
        self.to_write: dict[str, ArticleFile] = {}
        # The new articles, their files marked unwritten together before the commit (one
        # statement for the batch, not one each: the marks are only read after a crash).
        self._new_ids: list[str] = []
        # After the batch: the file errors by article id (`ArticleWrites.write_files`).
        self.file_errors: dict[str, str] = {}

    def article_by_url(self, canonical_url: str) -> Article | None:
        found = self._s.connection().execute(BY_URL, {"url": canonical_url}).first()
        return Article(**found._mapping) if found is not None else None

    def find_same_story(
        self, fp: dedup.Fingerprint, published: datetime | None = None
    ) -> SameStory | None:
        return fingerprints.find_same_story(self._s, fp, self.thresholds, published)

    def insert_article(
        self,
        draft: ArticleDraft,
        fp: dedup.Fingerprint | None,
        now: datetime,
        *,
        dedup_on: bool = True,
        entry_version: datetime | None = None,
        veto: str | None = None,
    ) -> NewArticle:
        """A new article, its URL and story looked up already in this batch."""
        if self._next_seq is None:  # nobody else inserts until the commit: counted here on
            self._next_seq = int(self._s.connection().execute(NEXT_SEQ).scalar_one())
        article = insert_new(
            self._s, draft, fp, now, self._next_seq, dedup_on, entry_version, veto, mark=False
        )
        self._next_seq += 1
        self._new_ids.append(article.id)
        self.to_write[article.id] = article
        return article

    def mark_new_unwritten(self) -> None:
        """Mark the new articles' files unwritten, in the batch's transaction (before its
        commit, so a row is never durable without its mark); a mark that a rewrite in
        the batch made already stays."""
        if self._new_ids:
            mark_unwritten(self._s, self._new_ids)

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
        article = rewrite(self._s, article_id, draft, fp, now, entry_version, rule, similarity)
        self.to_write[article.id] = article
        return article

    def merge_source(
        self,
        article_id: str,
        draft: ArticleDraft,
        rule: str,
        similarity: float | None,
        now: datetime,
        entry_version: datetime | None = None,
    ) -> None:
        merge_source_in(self._s, article_id, draft, rule, similarity, now, entry_version)


class BatchWrites(ArticleWrites):
    @contextmanager
    def article_batch(self) -> Iterator[ArticleBatch]:
        """`with store.article_batch() as batch:` look up and write articles through
        `batch`; on leaving, the transaction is committed (durably), the files written
        and their marks deleted, and `batch.file_errors` says which files failed.

        A StorageError when the transaction fails, nothing of it stored: a concurrent
        writer recorded one of its sources first (PostgreSQL), the disk is full, the
        database refuses a value. The caller stores the articles one by one then."""
        try:
            with self._write("store articles", durable=True) as s:
                lock_dedup(s)
                batch = ArticleBatch(s, self.thresholds, self.max_updates)
                yield batch
                batch.mark_new_unwritten()
        except IntegrityError as exc:
            raise StorageError(f"a concurrent writer got in first: {exc.orig}") from exc
        batch.file_errors = self.write_files(list(batch.to_write.values()))
