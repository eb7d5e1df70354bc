"""Articles stored together (storage/batch.py, deduplicate.store_together): one durable
transaction and one mark delete for several articles, each decided as it would be alone,
a failed batch stored one by one, unwritten files repaired; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from ingest.config import load_config
from ingest.core import dedup
from ingest.core.errors import StorageError
from ingest.core.types import ArticleDraft
from ingest.pipeline import runtime
from ingest.pipeline.deduplicate import (
    Composed,
    SaveResult,
    deduplicate,
    store_article,
    store_together,
)
from storage import batch as batch_module
from storage import files, writes
from storage.models import Article, ArticleSource
from storage.store import Store
from tests.test_store import NOW, draft, unwritten


def composed(d: ArticleDraft, dedup_on: bool = True) -> Composed:
    return Composed(d, dedup.fingerprint(d.paragraphs) if d.paragraphs else None, NOW, dedup_on)


def mixed() -> list[Composed]:
    """New stories, and copies of them that the dedup step merges or updates in place."""
    one, two = draft(1), draft(2)
    longer = (*two.paragraphs[:1], "A paragraph added to the story later.", *two.paragraphs[1:])
    return [
        composed(one),
        composed(draft(1, url="https://mirror.example/1", feed="g", key="m1")),  # exact copy
        composed(draft(1, feed="h", key="again")),  # the same URL from another feed
        composed(two),
        composed(replace(two, paragraphs=longer, entry_key="edited")),  # its page changed
        composed(draft(3, url="https://mirror.example/1b", key="off"), dedup_on=False),
        composed(draft(4)),
    ]


def snapshot(store: Store) -> list[tuple[Any, ...]]:
    """Every article with its sources and its file, as stored."""
    rows = []
    for a in sorted(store.latest(100), key=lambda a: a.seq):
        sources = [(s.feed, s.entry_key, s.match_rule, s.similarity) for s in store.sources(a.id)]
        text = store.path_of(a).read_bytes()
        rows.append((a.id, a.seq, a.path, a.body, a.update_count, a.text_hash, sources, text))
    return rows


@contextmanager
def commits(store: Store) -> Iterator[list[str]]:
    """The commits made on the store's writing engines meanwhile."""
    seen: list[str] = []
    engines = {id(e): e for e in (store.engine, store.durable_engine)}.values()

    def on_commit(conn: Any) -> None:
        seen.append("commit")

    for engine in engines:
        event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "commit", on_commit)


def test_a_batch_decides_and_stores_as_one_by_one(store: Store, tmp_path: Path) -> None:
    alone = Store(f"sqlite:///{tmp_path / 'alone' / 'ingest.db'}", tmp_path / "alone")
    one_by_one: list[SaveResult | None] = []
    for e in mixed():
        decision = deduplicate(alone, e.draft, e.fp, e.dedup_on)
        one_by_one.append(store_article(alone, decision, e.draft, e.fp, NOW, dedup_on=e.dedup_on))
    together = store_together(store, mixed())
    assert together == one_by_one
    reasons = [r.reason for r in together if isinstance(r, SaveResult)]
    assert reasons == [
        "new", "known:exact", "known:canonical_url", "new", "updated", "new", "new"
    ]  # fmt: skip
    assert snapshot(store) == snapshot(alone)
    assert unwritten(store) == []
    alone.close()


def test_a_batch_is_one_commit_of_rows_and_one_of_marks(store: Store) -> None:
    entries = [composed(draft(n)) for n in range(5)]
    with commits(store) as seen:
        results = store_together(store, entries)
    assert all(isinstance(r, SaveResult) and r.created for r in results)
    assert len(seen) == 2  # the rows (durable), then the delete of the five marks
    assert unwritten(store) == [] and len(list(store.root.rglob("*.txt"))) == 5


def test_files_a_batch_could_not_write_stay_marked_and_are_repaired(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: Path, content: str | bytes, mode: int = 0o644, **_: Any) -> None:
        raise OSError(28, "No space left on device")

    real = files.write_atomic
    monkeypatch.setattr(files, "write_atomic", full_disk)
    results = store_together(store, [composed(draft(n)) for n in range(3)])
    errors = [r.file_error for r in results if isinstance(r, SaveResult)]
    assert len(errors) == 3 and all(e and "No space left" in e for e in errors)
    assert len(unwritten(store)) == 3  # rows stored, files not: marked for the next start
    monkeypatch.setattr(files, "write_atomic", real)
    assert store.repair_files() == 3
    assert unwritten(store) == [] and len(list(store.root.rglob("*.txt"))) == 3


def test_a_batch_that_fails_is_stored_one_by_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value the database refuses, a full disk: nothing of the batch is kept, and each
    entry is stored on its own, so only the one at fault fails."""
    real = batch_module.insert_new

    def refuse_the_second(*args: Any, **kwargs: Any) -> Any:
        if args[1].canonical_url.endswith("/2"):
            raise StorageError("database error while trying to store articles: refused")
        return real(*args, **kwargs)

    monkeypatch.setattr(batch_module, "insert_new", refuse_the_second)
    results = store_together(store, [composed(draft(n)) for n in range(1, 4)])
    assert [r.reason for r in results if isinstance(r, SaveResult)] == ["new"] * 3
    assert [a.seq for a in sorted(store.latest(10), key=lambda a: a.seq)] == [0, 1, 2]
    assert unwritten(store) == []


def test_the_pipeline_stores_the_articles_composed_together_in_one_transaction(
    store: Store, write_config: Any
) -> None:
    config = load_config(write_config([{"name": "f", "url": "https://site.example/feed"}]))

    async def store_all(entries: list[Composed]) -> list[SaveResult]:
        ctx = await runtime.open_context(config, store)
        try:
            return list(await asyncio.gather(*(ctx.store_article(e) for e in entries)))
        finally:
            await runtime.close_context(ctx, close_store=False)

    many = runtime.MAX_ARTICLES_PER_COMMIT + 2
    with commits(store) as seen:
        results = asyncio.run(store_all([composed(draft(n)) for n in range(many)]))
    assert [r.created for r in results] == [True] * many
    assert len(seen) == 4  # two batches: the first full, the rest within the window
    assert store.count_articles() == many and unwritten(store) == []


def test_a_story_new_and_rewritten_in_one_batch_is_marked_once_until_its_file_is_written(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new articles' marks are inserted together before the commit; one that a rewrite
    in the same batch marked already stays marked once (no duplicate-key failure)."""

    def full_disk(path: Path, content: str | bytes, mode: int = 0o644, **_: Any) -> None:
        raise OSError(28, "No space left on device")

    two = draft(2)
    longer = (*two.paragraphs, "A paragraph added to the story later.")
    entries = [composed(draft(1)), composed(two), composed(replace(two, paragraphs=longer))]
    monkeypatch.setattr(files, "write_atomic", full_disk)
    results = store_together(store, entries)
    assert [r.reason for r in results if isinstance(r, SaveResult)] == ["new", "new", "updated"]
    assert sorted(unwritten(store)) == sorted({r.article_id for r in results})  # type: ignore[union-attr]


def test_a_new_article_and_its_source_are_inserted_with_every_column() -> None:
    """The rows are plain dicts (storage/writes.py): a column added to the models must be
    given a value there too, as the ORM objects did."""
    article = writes._article(draft(1), "0123456789abcdef", 0, NOW)  # noqa: SLF001
    assert set(article) == {c.name for c in Article.__table__.columns}  # type: ignore[attr-defined]
    source = writes._source("0123456789abcdef", "f", "k", None, "https://s.example/", NOW)  # noqa: SLF001
    columns = {c.name for c in ArticleSource.__table__.columns}  # type: ignore[attr-defined]
    assert set(source) == columns - {"id"}


def test_a_batch_syncs_each_folder_once_after_its_files_and_before_their_marks_go(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renames are made durable by one fsync of each folder (not one per file), and
    only then are the marks deleted: a crash before leaves them for `repair_files`."""
    synced: list[tuple[Path, int, list[str]]] = []
    real = files._fsync_dir  # noqa: SLF001

    def fsync_dir(folder: Path) -> None:
        synced.append((folder, len(list(folder.glob("*.txt"))), unwritten(store)))
        real(folder)

    monkeypatch.setattr(files, "_fsync_dir", fsync_dir)
    may = replace(draft(9), published=draft(9).published.replace(month=5))
    results = store_together(store, [composed(draft(n)) for n in range(1, 4)] + [composed(may)])
    assert [r.reason for r in results if isinstance(r, SaveResult)] == ["new"] * 4
    assert sorted((f.name, n, len(marks)) for f, n, marks in synced) == [
        ("2022-05", 1, 4), ("2022-11", 3, 4)
    ]  # fmt: skip
    assert unwritten(store) == []
