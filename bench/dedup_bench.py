"""Dedup benchmark: precision/recall on the fixture corpus, and lookup cost vs store size.

    .venv/bin/python bench/dedup_bench.py [--database-url URL] [--sizes 10000 100000]

1. Pairs (pure ingest/dedup.py): every variant against its base is a positive, every
   hard negative against every document of another story is a negative.
2. Store: the corpus saved in order (bases, variants, negatives) into a fresh store;
   a merge into the right article is a true positive.
3. Candidate recall of the band index for the positive pairs: MinHash 32 x 4 (ours)
   against a 64-bit SimHash cut into 4 x 16-bit bands (trafilatura's), the rejected one.
4. Lookup cost: the corpus bases are stored, the store is filled up to N filler articles
   (random band keys, which is what distinct bodies give), then each other document is
   looked up (exact + near, verification included). Reported per lookup: mean time,
   SQL statements and band rows read, at each size, with the ratio to the first size.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import event, insert  # noqa: E402
from trafilatura.deduplication import Simhash  # noqa: E402

from ingest.core import dedup  # noqa: E402
from ingest.pipeline.deduplicate import save_article  # noqa: E402
from storage import fingerprints  # noqa: E402
from storage.models import Article, ArticleBand  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.dedup_corpus import Doc, load_corpus  # noqa: E402

NOW = datetime(2024, 11, 12, 12, 0, tzinfo=UTC)


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def pair_scores(docs: list[Doc]) -> tuple[float, float, int, int]:
    fps = {d.id: dedup.fingerprint(d.paragraphs) for d in docs}
    base = {d.story: d.id for d in docs if d.is_base}
    tp = fn = fp = tn = 0
    for d in docs:
        if not d.is_base and not d.is_negative:
            hit = dedup.match(fps[d.id], fps[base[d.story]]) is not None
            tp, fn = tp + hit, fn + (not hit)
        if d.is_negative:
            for other in docs:
                if other.story != d.story:
                    hit = dedup.match(fps[d.id], fps[other.id]) is not None
                    fp, tn = fp + hit, tn + (not hit)
    return ratio(tp, tp + fp), ratio(tp, tp + fn), tp + fn, fp + tn


def store_scores(docs: list[Doc]) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{tmp}/b.db", Path(tmp)) as store:
        placed = {d.id: save_article(store, d.draft(), NOW) for d in docs}
    article_of = {d.story: placed[d.id].article_id for d in docs if d.is_base}
    tp = fp = fn = 0
    for d in docs:
        result = placed[d.id]
        if d.is_base or d.is_negative:
            fp += not result.created
        elif not result.created and result.article_id == article_of[d.story]:
            tp += 1
        else:
            fn += 1
    return ratio(tp, tp + fp), ratio(tp, tp + fn)


def simhash_bands(text: str) -> set[tuple[int, int]]:
    value = Simhash(text).hash
    return {(i, (value >> (16 * i)) & 0xFFFF) for i in range(4)}


def candidate_recall(docs: list[Doc]) -> tuple[float, float]:
    base = {d.story: d for d in docs if d.is_base}
    pos = [d for d in docs if not d.is_base and not d.is_negative]
    mh = sh = 0
    for d in pos:
        b = base[d.story]
        mh += bool(set(dedup.fingerprint(d.paragraphs).bands)
                   & set(dedup.fingerprint(b.paragraphs).bands))  # fmt: skip
        sh += bool(simhash_bands("\n".join(d.paragraphs)) & simhash_bands("\n".join(b.paragraphs)))
    return mh / len(pos), sh / len(pos)


def fill(store: Store, start: int, stop: int, rng: random.Random) -> None:
    """Filler articles with random band keys, in bulk (the lookup cost does not care how
    they were written)."""
    words = ["alfa", "beta", "gamma", "delta", "eco", "foxtrot", "golf", "hotel", "india"]
    batch = 5000
    with store.engine.begin() as conn:
        for lo in range(start, stop, batch):
            articles: list[dict[str, Any]] = []
            bands: list[dict[str, Any]] = []
            for n in range(lo, min(stop, lo + batch)):
                id_ = f"{n:016x}"
                articles.append(dict(
                    id=id_, seq=n, canonical_url=f"https://filler.example/{n}", url="-",
                    feed="filler", title=f"filler {n}", lead=None,
                    body=" ".join(rng.choice(words) for _ in range(30)), published=NOW,
                    utc_offset_minutes=0, month="2024-11", date_inferred=False,
                    language=None, text_source="page",
                    path=f"articles/2024-11/{n:03d}_{id_}.txt", file_written=True,
                    fetched_at=NOW, text_hash=f"{n:064x}", dedup_version=1, update_count=0,
                ))  # fmt: skip
                bands += [{"key": rng.getrandbits(64) - (1 << 63), "article_id": id_}
                          for _ in range(dedup.BANDS)]  # fmt: skip
            conn.execute(insert(Article.__table__), articles)  # type: ignore[attr-defined]
            conn.execute(insert(ArticleBand.__table__), bands)  # type: ignore[attr-defined]


def measure(store: Store, queries: list[dedup.Fingerprint], rounds: int = 3) -> dict[str, float]:
    """Best of `rounds` mean lookup times; statements and band rows per lookup."""
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    with store._write("bench lookup") as s:
        band_rows = sum(len(fingerprints.candidate_ids(s, fp.bands, 10**6)) for fp in queries)
        s.rollback()
    best = float("inf")
    event.listen(store.engine, "before_cursor_execute", count)
    try:
        for _ in range(rounds):
            statements = 0
            with store._write("bench lookup") as s:
                started = time.perf_counter()
                for fp in queries:
                    fingerprints.find_same_story(s, fp, store.thresholds)
                best = min(best, (time.perf_counter() - started) / len(queries))
                s.rollback()
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    return {"ms": best * 1000, "statements": statements / len(queries),
            "band_rows": band_rows / len(queries)}  # fmt: skip


def lookup_cost(url: str | None, sizes: list[int], docs: list[Doc]) -> list[dict[str, float]]:
    rng = random.Random(42)
    queries = [dedup.fingerprint(d.paragraphs) for d in docs if not d.is_base]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        with Store(url or f"sqlite:///{tmp}/cost.db", Path(tmp)) as store:
            for d in docs:
                if d.is_base:  # what the variants will find
                    save_article(store, d.draft(), NOW)
            filled = 0
            for n in sorted(sizes):
                fill(store, filled + 1_000_000, n + 1_000_000, rng)
                filled = n
                rows.append({"stored": n, **measure(store, queries)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    docs = load_corpus()
    p, r, npos, nneg = pair_scores(docs)
    print(f"corpus: {len(docs)} documents, {npos} positive pairs, {nneg} negative pairs")
    print(f"pairs:  precision {p:.3f}  recall {r:.3f}")
    sp, sr = store_scores(docs)
    print(f"store:  precision {sp:.3f}  recall {sr:.3f}")
    mh, sh = candidate_recall(docs)
    print(f"band candidate recall on positives: minhash 32x4 {mh:.3f}, simhash 4x16 {sh:.3f}")
    rows = lookup_cost(args.database_url, args.sizes, docs)
    first = rows[0]["ms"]
    print("lookup per new article (exact + near + verification):")
    for row in rows:
        print(f"  {int(row['stored']):>7} stored: {row['ms']:.2f} ms "
              f"(x{row['ms'] / first:.2f} vs {int(rows[0]['stored'])}), "
              f"{row['statements']:.1f} SQL statements, "
              f"{row['band_rows']:.2f} band rows read")  # fmt: skip


if __name__ == "__main__":
    main()
