"""The dedup index in the database: exact and near-duplicate lookups, band rows.

The decisions are ingest/core/dedup.py's; this module only finds candidates with a fixed
number of indexed queries and hands their bodies to `dedup.best_match`:

    exact   1 query on the indexed `articles.text_hash` (at most `max_candidates` rows)
    near    1 query: for each of the 40 band keys, at most PER_BAND_LIMIT rows of the
            primary-key index of `article_bands` (UNION ALL of limited subqueries)
            + 1 query by primary key for the bodies of at most `max_candidates` articles

None of them reads more rows when the store grows (bench/dedup_bench.py measures it).
Every candidate is verified by `dedup.compare` against its stored body and publication
date: a candidate a veto keeps apart is returned only when nothing merges, so that the
new article's source records why it was not merged.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, TextClause, bindparam, delete, or_, text
from sqlmodel import Session, col, select

from ingest.core import dedup
from storage.models import Article, ArticleBand, to_utc

_PG_INSERT_BANDS = text(
    "INSERT INTO article_bands (key, article_id) "
    "SELECT unnest(CAST(:keys AS BIGINT[])), :article_id"
)

_SQLITE_INSERT_BANDS = "INSERT INTO article_bands (key, article_id) VALUES (?, ?)"


@dataclass(frozen=True)
class SameStory:
    """A stored article the draft is a copy of and why; or, with `veto` set, the closest
    one it is *not* a copy of, and why not."""

    article_id: str
    rule: str  # "exact" | "near" | "near:short"
    similarity: float
    veto: str | None = None  # set: a different story (dedup.py, Vetoes); nothing merges
    longer: bool = False  # the draft contains the stored body and adds to it
    update_count: int = 0  # the stored article's in-place rewrites so far

    @property
    def merges(self) -> bool:
        return self.veto is None


def _verified(
    fp: dedup.Fingerprint,
    rows: Sequence[Article],
    t: dedup.Thresholds,
    published: datetime | None,
    exact: bool = False,
) -> SameStory | None:
    """`dedup.best_match` over stored rows (`exact`: their text hash is the draft's, so the
    draft's own tokens stand for theirs, and no body is re-tokenised)."""
    by_id = {a.id: a for a in rows}
    candidates = [
        (
            a.id,
            fp if exact else _stored_fingerprint(a.body),
            dedup.days_between(to_utc(published), to_utc(a.published)) if published else None,
        )
        for a in rows
    ]
    best = dedup.best_match(fp, candidates, t)
    if best is None:
        return None
    article_id, v = best
    updates = by_id[article_id].update_count or 0
    return SameStory(article_id, v.rule, v.similarity, v.veto, v.longer, updates)


# 16, not more: a fingerprint with its words and shingles is about 150 KB, and the cache
# fills as a growing store gives new articles more near candidates (at 64 it was the main
# process's growth from 1k to 8k stored articles, +10 MB).
@functools.lru_cache(maxsize=16)
def _stored_fingerprint(body: str) -> dedup.Fingerprint:
    """A stored body's fingerprint (no bands), kept for the bodies seen last: a new
    article's near candidates are looked up twice when it is stored one by one (the dedup
    step, then again under the dedup lock before its INSERT), and a story syndicated many
    times is the candidate of each copy. Keyed by the body's text, so a rewritten body is
    never served stale; the value is frozen and a pure function of the key."""
    return dedup.fingerprint(tuple(p for p in body.split("\n") if p), with_bands=False)


# The candidates' queries, built once and run through Core: they run twice for every new
# article (the dedup step, then under the dedup lock), and the ORM's select of an entity
# (statement built, compiled from the cache, rows through the identity map) cost several
# times the indexed lookup. The rows are made by hand, as storage/writes.py's
# article_by_url does: the same SQL, the same rows in the same order.
_TABLE = Article.__table__  # type: ignore[attr-defined]
_EXACT = (
    select(_TABLE)
    .where(_TABLE.c.text_hash == bindparam("text_hash"), _TABLE.c.dedup_version > 0)
    .order_by(_TABLE.c.seq)
    .limit(bindparam("limit"))
)
_BY_IDS = select(_TABLE).where(_TABLE.c.id.in_(bindparam("ids", expanding=True)))


def _articles(s: Session, query: Select[Any], params: dict[str, Any]) -> list[Article]:
    return [Article(**row._mapping) for row in s.connection().execute(query, params)]


def find_exact(
    s: Session, fp: dedup.Fingerprint, t: dedup.Thresholds, published: datetime | None = None
) -> SameStory | None:
    if not fp.tokens:
        return None
    params = {"text_hash": fp.text_hash, "limit": t.max_candidates}
    return _verified(fp, _articles(s, _EXACT, params), t, published, exact=True)


@functools.cache
def _band_query(n: int) -> TextClause:
    """UNION ALL of n limited index probes, one per band key; plain SQL because building
    it with 32 SQLAlchemy subqueries cost more than running it."""
    part = "SELECT article_id FROM (SELECT article_id FROM article_bands WHERE key = :k{i} LIMIT {limit}) AS b{i}"  # noqa: E501
    sql = " UNION ALL ".join(part.format(i=i, limit=dedup.PER_BAND_LIMIT) for i in range(n))
    return text(sql)


def candidate_ids(s: Session, band_keys: Sequence[int], limit: int) -> list[str]:
    """The `limit` article ids sharing the most bands with `band_keys`."""
    keys = sorted(set(band_keys))
    if not keys:
        return []
    params = {f"k{i}": key for i, key in enumerate(keys)}
    hits = Counter(row[0] for row in s.connection().execute(_band_query(len(keys)), params))
    ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    return [article_id for article_id, _ in ranked[:limit]]


def find_near(
    s: Session, fp: dedup.Fingerprint, t: dedup.Thresholds, published: datetime | None = None
) -> SameStory | None:
    ids = candidate_ids(s, fp.bands, t.max_candidates)
    if not ids:
        return None
    return _verified(fp, _articles(s, _BY_IDS, {"ids": ids}), t, published)


def find_same_story(
    s: Session, fp: dedup.Fingerprint, t: dedup.Thresholds, published: datetime | None = None
) -> SameStory | None:
    """Exact first (cheap), then near: the article the body is a copy of; else the
    closest vetoed candidate (`veto` set); None when nothing even looks alike.

    `published`: the draft's date, for the dated veto (short texts far apart).
    """
    exact = find_exact(s, fp, t, published)
    if exact is not None and exact.merges:
        return exact
    near = find_near(s, fp, t, published)
    if near is not None and near.merges:
        return near
    return exact or near


def set_columns(article: Article, fp: dedup.Fingerprint | None, on: bool) -> None:
    """The row's own dedup columns; set before a new row's INSERT, they save an UPDATE."""
    article.text_hash = fp.text_hash if fp else None
    article.dedup_version = dedup.SCHEME_VERSION if on else 0


def index_article(s: Session, article: Article, fp: dedup.Fingerprint | None, on: bool) -> None:
    """Set the row's dedup columns and replace its band rows (`on`: dedup enabled)."""
    s.exec(delete(ArticleBand).where(col(ArticleBand.article_id) == article.id))
    set_columns(article, fp, on)
    insert_bands(s, article.id, fp, on)


def insert_bands(s: Session, article_id: str, fp: dedup.Fingerprint | None, on: bool) -> None:
    """The band rows of an article that has none (a new row, or after the delete above)."""
    if on and fp:
        conn = s.connection()
        keys = sorted(set(fp.bands))
        if conn.dialect.name == "postgresql":
            # One statement, the keys as one array: an executemany is one INSERT per row
            # on the server (about 40 per article), each started and logged on its own.
            conn.execute(_PG_INSERT_BANDS, {"keys": keys, "article_id": article_id})
            return
        # SQLite: executemany runs in-process, one prepared statement for all the rows.
        # The driver's own SQL and tuples: a Core executemany builds a parameter dict per
        # row (about 40 per article), which cost more CPU than the inserts themselves.
        conn.exec_driver_sql(_SQLITE_INSERT_BANDS, [(key, article_id) for key in keys])


def backfill(s: Session, batch: int) -> int:
    """Fingerprint up to `batch` rows stored before dedup existed, or indexed by an older
    fingerprint scheme (their bands would never match new ones); return how many."""
    version = col(Article.dedup_version)
    # indexed, so a poll of a large, current store does not scan its articles
    stale = or_(version.is_(None), version.between(1, dedup.SCHEME_VERSION - 1))
    rows = list(s.exec(select(Article).where(stale).limit(batch)))
    for article in rows:
        body = article.paragraphs
        index_article(s, article, dedup.fingerprint(body) if body else None, on=True)
        article.update_count = article.update_count or 0
        s.add(article)
    return len(rows)
