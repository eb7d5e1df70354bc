"""Take articles out of the store: JSON records, and document files rebuilt from the DB.

`record()` is the one JSON shape of an article (the CLI's json/jsonl, `export --format
jsonl` and the HTTP API all use it). `export_txt()` writes each matching article's
document under a folder, at the same relative path as under the store's `articles/`,
from the database alone: the files come out byte-identical to the store's, which is the
proof that the database is the source of truth. Both stream in batches: constant memory
whatever the size of the store.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ingest.core.errors import StorageError
from storage import files

if TYPE_CHECKING:
    # Imported where used: `record` also serves the read commands' fast path
    # (storage/lite.py), whose articles are not ORM rows and which must not load SQLAlchemy.
    from storage.models import Article, ArticleSource
    from storage.search import Query
    from storage.store import Store

Progress = Callable[[int], None]  # called with the number of articles just done


def record(article: Article, sources: list[ArticleSource]) -> dict[str, Any]:
    """An article as a JSON-ready dict; times are ISO 8601 with their offset."""
    return {
        "id": article.id,
        "url": article.canonical_url,
        "feed": article.feed,
        "sources": [
            {
                "feed": s.feed,
                "url": s.url,
                "guid": s.guid,
                "seen_at": _iso(s.seen_at),
                "match_rule": s.match_rule,  # why it counts as this article (ingest/core/dedup.py)
                "similarity": s.similarity,
                "veto": s.veto,  # why the closest look-alike was not merged, if one was near
            }
            for s in sources
        ],
        "title": article.title,
        "lead": article.lead,
        "paragraphs": list(article.paragraphs),
        "published": article.published_local.isoformat(),
        "date_inferred": article.date_inferred,
        "fetched_at": _iso(article.fetched_at),
        "updated_at": _iso(article.updated_at),
        "language": article.language,
        "text_source": article.text_source,  # page, or feed when the page gave nothing
        "path": article.path,
    }


def _iso(when: Any) -> str | None:
    return when.isoformat() if when is not None else None


def to_json_line(rec: dict[str, Any]) -> str:
    """One line of JSON: UTF-8 text kept readable, no newline inside."""
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def iter_records(store: Store, query: Query) -> Iterator[dict[str, Any]]:
    """The records of the matching articles, with their sources, streamed."""
    from storage.search import iter_batches, sources_for

    for batch in iter_batches(store, query):
        sources = sources_for(store, [a.id for a in batch])
        for article in batch:
            yield record(article, sources[article.id])


def export_jsonl(store: Store, query: Query, out: TextIO, progress: Progress | None = None) -> int:
    """Write one JSON object per line to `out`; return how many."""
    written = 0
    for rec in iter_records(store, query):
        out.write(to_json_line(rec) + "\n")
        written += 1
        if progress:
            progress(1)
    return written


def export_txt(store: Store, query: Query, folder: Path, progress: Progress | None = None) -> int:
    """Write each matching article's document under `folder`; return how many.

    `folder/2022-11/000_<id>.txt` for the store's `articles/2022-11/000_<id>.txt`.
    """
    from storage.search import iter_batches

    written = 0
    for batch in iter_batches(store, query):
        for article in batch:
            target = folder / _relative(article)
            try:
                _write(target, store.render(article))
            except OSError as exc:
                raise StorageError(f"cannot write {target}: {exc.strerror or exc}") from exc
            written += 1
            if progress:
                progress(1)
    return written


def _relative(article: Article) -> Path:
    """The article's path relative to the store's articles/ folder (never outside it)."""
    path = Path(article.path)
    if path.parts and path.parts[0] == files.ARTICLES_DIR:
        path = Path(*path.parts[1:])
    if path.is_absolute() or ".." in path.parts:
        raise StorageError(f"article {article.id} has an unsafe path: {article.path!r}")
    return path


def _write(target: Path, text: str) -> None:
    # The same bytes as files.write_atomic (UTF-8, no newline translation), without the
    # per-file fsync: an export is re-run, not recovered, and fsync would dominate its time.
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}{files.TMP_SUFFIX}")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, target)
