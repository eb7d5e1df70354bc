"""Site memory: which short paragraphs recur word for word across a site's articles.

Every stored article adds its short paragraphs' keys to its site's counts, in the same
transaction as its row; `noise` gives the keys found in at least SITE_NOISE_MIN_ARTICLES
articles, which the pipeline leaves out of the site's new articles (ingest/compose.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, text
from sqlmodel import Session

from ingest.core.text import SITE_NOISE_MIN_ARTICLES
from storage.models import SiteParagraph

# One statement, the keys as one array: an executemany is one upsert per row on the
# server (about 35 per article), each started and logged on its own. Sorted keys: two
# transactions counting the same paragraphs lock their rows in the same order.
_PG_REMEMBER = text(
    "INSERT INTO site_paragraphs (site, key, articles) "
    "SELECT :site, unnest(CAST(:keys AS BIGINT[])), 1 "
    "ON CONFLICT (site, key) DO UPDATE SET articles = site_paragraphs.articles + 1"
)

_SQLITE_REMEMBER = (
    "INSERT INTO site_paragraphs (site, key, articles) VALUES (?, ?, 1) "
    "ON CONFLICT (site, key) DO UPDATE SET articles = site_paragraphs.articles + 1"
)


def remember(s: Session, site: str, keys: Iterable[int]) -> None:
    """Count one more article of `site` for each of `keys` (the article's distinct ones)."""
    distinct = sorted(set(keys))
    if not site or not distinct:
        return
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_REMEMBER, {"site": site, "keys": distinct})
        return
    # SQLite: executemany runs in-process, one prepared statement for all the rows. The
    # driver's own SQL and tuples: a Core executemany builds a parameter dict per row
    # (about 20 per article), which cost more CPU than the upserts themselves.
    conn.exec_driver_sql(_SQLITE_REMEMBER, [(site, key) for key in distinct])


def noise(s: Session, site: str) -> frozenset[int]:
    """Keys of the paragraphs that are `site`'s boilerplate by now."""
    table = SiteParagraph.__table__  # type: ignore[attr-defined]
    query = select(table.c.key).where(
        table.c.site == site, table.c.articles >= SITE_NOISE_MIN_ARTICLES
    )
    return frozenset(s.connection().execute(query).scalars())
