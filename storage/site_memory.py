"""Site memory: which short paragraphs recur word for word across a site's articles.

Every stored article adds its short paragraphs' keys to its site's counts, in the same
transaction as its row; `noise` gives the keys found in at least SITE_NOISE_MIN_ARTICLES
articles, which the pipeline leaves out of the site's new articles (ingest/compose.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from ingest.core.text import SITE_NOISE_MIN_ARTICLES
from storage.models import SiteParagraph


def remember(s: Session, site: str, keys: Iterable[int]) -> None:
    """Count one more article of `site` for each of `keys` (the article's distinct ones)."""
    rows = [{"site": site, "key": key, "articles": 1} for key in set(keys)]
    if not site or not rows:
        return
    conn = s.connection()
    conn.execute(_upsert(conn.dialect.name), rows)


@cache
def _upsert(dialect: str) -> Insert:
    """The counting upsert, built once per dialect: this runs for every stored article,
    and building the statement (and its cache key) cost more than running it."""
    table = SiteParagraph.__table__  # type: ignore[attr-defined]
    upsert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    stmt: Insert = upsert.on_conflict_do_update(
        index_elements=["site", "key"], set_={"articles": table.c.articles + 1}
    )
    return stmt


def noise(s: Session, site: str) -> frozenset[int]:
    """Keys of the paragraphs that are `site`'s boilerplate by now."""
    table = SiteParagraph.__table__  # type: ignore[attr-defined]
    query = select(table.c.key).where(
        table.c.site == site, table.c.articles >= SITE_NOISE_MIN_ARTICLES
    )
    return frozenset(s.connection().execute(query).scalars())
