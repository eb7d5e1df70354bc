"""CPU of storing alone: the pipeline's storage-thread steps for N articles, in-process.

    .venv/bin/python bench/store_bench.py SOURCE.db [--profile] [--batch N]

Reads the articles of a store a first poll made (bench/run.py --keep, or any store),
makes each a draft again, and stores them into a fresh SQLite store as the pipeline's
storage thread does (find_urls, deduplicate, store_article: rows, bands, site memory,
source, durable commit, file, mark written). Prints CPU seconds per article; with
--profile, the top of cProfile's cumulative listing. Fingerprints are computed before
the clock starts (the workers' share, not the storage thread's). `--batch N`: stored N at
a time as the pipeline does (deduplicate.store_together, one transaction each); without
it, one by one (deduplicate, store_article), which a tree before batches can run too.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT))  # after PYTHONPATH: another tree can be measured

from ingest.core import dedup  # noqa: E402
from ingest.core.types import ArticleDraft  # noqa: E402
from ingest.pipeline.deduplicate import deduplicate, store_article  # noqa: E402
from storage.store import Store  # noqa: E402


def drafts(source: Path) -> list[ArticleDraft]:
    with sqlite3.connect(source) as db:
        rows = db.execute(
            "select canonical_url, url, title, lead, body, published, language, feed, id "
            "from articles order by seq"
        ).fetchall()
    return [
        ArticleDraft(
            canonical_url=r[0],
            url=r[1],
            title=r[2],
            lead=r[3],
            paragraphs=tuple(p for p in r[4].split("\n") if p),
            published=datetime.fromisoformat(r[5]).replace(tzinfo=UTC),
            date_inferred=False,
            language=r[6],
            text_source="page",
            feed_name=r[7],
            entry_key=f"key-{r[8]}",
            guid=None,
        )  # fmt: skip
        for r in rows
    ]


def run(items: list[ArticleDraft], root: Path, batch: int = 0) -> float:
    fps = [dedup.fingerprint(d.paragraphs) if d.paragraphs else None for d in items]
    store = Store(f"sqlite:///{root / 'ingest.db'}", root)
    now = datetime.now(UTC)
    start = time.process_time()
    if batch:
        from ingest.pipeline.deduplicate import Composed, store_together

        for i in range(0, len(items), batch):
            pairs = zip(items[i : i + batch], fps[i : i + batch], strict=True)
            group = [Composed(draft, fp, now) for draft, fp in pairs]
            for entry in group:
                store.find_urls([entry.draft.canonical_url])
            store_together(store, group)
    else:
        for draft, fp in zip(items, fps, strict=True):
            store.find_urls([draft.canonical_url])
            decision = deduplicate(store, draft, fp)
            store_article(store, decision, draft, fp, now)
    cpu = time.process_time() - start
    store.close()
    return cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("source", type=Path)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--batch", type=int, default=0, help="articles per transaction (0: one by one)")
    args = p.parse_args()
    items = drafts(args.source)
    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            cpu = run(items, Path(tmp), args.batch)
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        else:
            cpu = run(items, Path(tmp), args.batch)
    print(f"{len(items)} articles: {cpu:.2f} s CPU, {1000 * cpu / len(items):.2f} ms per article")


if __name__ == "__main__":
    main()
