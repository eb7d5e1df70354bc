"""Reading a SQLite store with the standard library alone: the read commands' fast path.

`ingest list`, `query` and `show` should answer at once. SQLAlchemy and SQLModel take a
third of a second to import, more than the rest of such a command, so on a SQLite store
these commands read through `sqlite3` here instead. This module is the same reads as
`storage.store` (resolve, sources) and `storage.search` (the SELECT of a Query), written
as SQL text for SQLite only, and it returns plain records with the names and types of the
ORM rows (`LiteArticle` for `Article`, `LiteSource` for `ArticleSource`), so rendering
and JSON come out byte for byte the same. tests/test_lite.py runs every query of the
search tests both ways and compares.

`open_lite` returns None whenever this path does not apply (PostgreSQL, no database file
yet, a store from a version without the full-text index): the caller then opens the
`Store`, which creates or upgrades what is missing. Nothing here writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ingest.core.errors import QueryError, StorageError
from storage import document, fulltext
from storage.migrations import HEAD
from storage.query import MAX_AHEAD, MAX_BEHIND, Query, check_known_feeds, parse_ref

_BATCH = 500
_BUSY_TIMEOUT_S = 30.0  # as storage.db: wait for a writer's commit, never fail on it


def _timestamp(value: str | None) -> datetime | None:
    """A DATETIME column as SQLModel's UTCDateTime reads it on SQLite: the text is UTC
    without an offset; the value is aware UTC."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value is not None else None


def _bind(when: datetime) -> str:
    """An instant as UTCDateTime binds it on SQLite: in UTC, as text without an offset
    (a naive value is taken to be UTC, as storage.models.to_utc does)."""
    when = when.astimezone(UTC) if when.tzinfo else when
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass(frozen=True, slots=True)
class LiteArticle:
    """An `articles` row: storage.models.Article's fields, types and properties."""

    id: str
    seq: int
    canonical_url: str
    url: str
    feed: str
    title: str
    lead: str | None
    body: str
    published: datetime
    utc_offset_minutes: int
    month: str
    date_inferred: bool
    language: str | None
    text_source: str
    path: str
    fetched_at: datetime
    updated_at: datetime | None = None
    text_hash: str | None = None
    dedup_version: int | None = None
    update_count: int | None = None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(p for p in self.body.split("\n") if p)

    @property
    def published_local(self) -> datetime:
        offset = timezone(timedelta(minutes=self.utc_offset_minutes))
        return self.published.astimezone(offset)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> LiteArticle:
        have = row.keys()
        values: dict[str, Any] = {f: row[f] for f in _ARTICLE_FIELDS if f in have}
        for name in ("published", "fetched_at", "updated_at"):
            if name in values:
                values[name] = _timestamp(values[name])
        values["date_inferred"] = bool(values.get("date_inferred"))
        return cls(**values)


@dataclass(frozen=True, slots=True)
class LiteSource:
    """An `article_sources` row: storage.models.ArticleSource's fields and types."""

    id: int
    article_id: str
    feed: str
    entry_key: str
    guid: str | None
    url: str
    seen_at: datetime
    match_rule: str | None = None
    similarity: float | None = None
    veto: str | None = None
    entry_version: datetime | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> LiteSource:
        have = row.keys()
        values: dict[str, Any] = {f: row[f] for f in _SOURCE_FIELDS if f in have}
        for name in ("seen_at", "entry_version"):
            if name in values:
                values[name] = _timestamp(values[name])
        return cls(**values)


_ARTICLE_FIELDS = tuple(f.name for f in fields(LiteArticle))
_SOURCE_FIELDS = tuple(f.name for f in fields(LiteSource))


def sqlite_path(database_url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL; None for anything else."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or "?" in database_url:
        return None
    path = database_url[len(prefix) :]
    return Path(path) if path and path != ":memory:" else None


def open_lite(database_url: str, root: Path, title_max_chars: int = 80) -> LiteReader | None:
    """A reader of the store, or None when the fast path does not apply (see above)."""
    path = sqlite_path(database_url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path))}?mode=rw", uri=True, timeout=_BUSY_TIMEOUT_S
        )
    except sqlite3.Error:
        return None  # the Store says why, in its words
    try:
        tables = {
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?, ?)",
                ("articles", "article_sources", fulltext.FTS_TABLE),
            )
        }
    except sqlite3.Error:
        conn.close()
        return None
    if len(tables) < 3 or _revision(conn) != HEAD:
        conn.close()  # an older version's store: the Store upgrades it first
        return None
    conn.row_factory = sqlite3.Row
    return LiteReader(conn, root, title_max_chars)


class LiteReader:
    """The reads of `ingest list`, `query` and `show` over one sqlite3 connection."""

    def __init__(self, conn: sqlite3.Connection, root: Path, title_max_chars: int) -> None:
        self.conn = conn
        self.root = root
        self.title_max_chars = title_max_chars

    def __enter__(self) -> LiteReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- as storage.session.StoreBase --------------------------------------------------

    def render(self, article: LiteArticle) -> str:
        return document.render(document.of_stored(article), self.title_max_chars)

    def path_of(self, article: LiteArticle) -> Path:
        return self.root / article.path

    # -- as storage.store.Store --------------------------------------------------------

    def resolve(self, ref: str) -> LiteArticle:
        """As Store.resolve: an id or a unique start of it, a sequence number, a file."""
        wanted = parse_ref(ref)
        if wanted.seq is not None:
            row = self._one("SELECT * FROM articles WHERE seq = ?", (wanted.seq,))
            if row is not None:
                return LiteArticle.from_row(row)
        if wanted.id_prefix is not None:
            # the start of an id: hex digits only, so LIKE needs no escaping
            rows = self._all(
                "SELECT * FROM articles WHERE id LIKE ? LIMIT 6", (wanted.id_prefix + "%",)
            )
            if len(rows) == 1:
                return LiteArticle.from_row(rows[0])
            if rows:
                raise wanted.ambiguous([r["id"] for r in rows])
        raise wanted.unknown()

    def sources(self, article_id: str) -> list[LiteSource]:
        return self.sources_for([article_id])[article_id]

    def sources_for(self, article_ids: Sequence[str]) -> dict[str, list[LiteSource]]:
        """article id -> its sources, in the order they were recorded."""
        found: dict[str, list[LiteSource]] = {id_: [] for id_ in article_ids}
        for start in range(0, len(article_ids), _BATCH):
            chunk = list(article_ids[start : start + _BATCH])
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT * FROM article_sources WHERE article_id IN ({marks}) ORDER BY id"
            for row in self._all(sql, chunk):
                found[row["article_id"]].append(LiteSource.from_row(row))
        return found

    # -- as storage.search -------------------------------------------------------------

    def check_feeds(self, query: Query, configured: Sequence[str]) -> None:
        def stored() -> set[str]:
            return {r[0] for r in self._all("SELECT DISTINCT feed FROM article_sources", ())}

        check_known_feeds(query, configured, stored)

    def run(self, query: Query) -> list[LiteArticle]:
        sql, params = select_sql(query)
        return [LiteArticle.from_row(r) for r in self._all(sql, params, query)]

    def count(self, query: Query) -> int:
        """How many articles match, ignoring limit and offset."""
        sql, params = select_sql(query, ordered=False, paged=False)
        row = self._one(f"SELECT count(*) FROM ({sql})", params, query)
        return int(row[0]) if row is not None else 0

    def iter_batches(self, query: Query, size: int = _BATCH) -> Iterator[list[LiteArticle]]:
        """The matching articles in lists of up to `size`, from one streaming cursor."""
        sql, params = select_sql(query)
        with _errors(query):
            cursor = self.conn.execute(sql, params)
            while rows := cursor.fetchmany(size):
                yield [LiteArticle.from_row(r) for r in rows]

    # -- plumbing ----------------------------------------------------------------------

    def _all(
        self, sql: str, params: Sequence[Any], query: Query | None = None
    ) -> list[sqlite3.Row]:
        with _errors(query):
            return self.conn.execute(sql, params).fetchall()

    def _one(
        self, sql: str, params: Sequence[Any], query: Query | None = None
    ) -> sqlite3.Row | None:
        with _errors(query):
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row


@contextmanager
def _errors(query: Query | None) -> Iterator[None]:
    """sqlite3 errors -> QueryError (FTS5 refused the text) or StorageError, in the words
    of storage.search._errors."""
    try:
        yield
    except sqlite3.Error as exc:
        message = str(exc)
        if query is not None and query.text and "fts5" in message:
            raise QueryError(f"cannot search for {query.text!r}: {message}") from exc
        raise StorageError(f"database error while searching: {message}") from exc


def select_sql(query: Query, ordered: bool = True, paged: bool = True) -> tuple[str, list[Any]]:
    """The SELECT of storage.search.statement for SQLite, as SQL text and parameters."""
    params: list[Any] = []
    sql = "SELECT articles.* FROM articles"
    where: list[str] = []
    rank = None
    if query.text:
        fts = fulltext.FTS_TABLE
        sql += f" JOIN {fts} ON {fts}.rowid = articles.seq"
        where.append(f"{fts} MATCH ?")
        params.append(fulltext.to_fts5(fulltext.parse_query(query.text)))
        # bm25: lower is better; a word in the title counts more than one in the body.
        rank = f"bm25({fts}, 10.0, 4.0, 1.0) ASC"
    if query.feeds is not None:
        names = sorted(query.feeds)
        marks = ", ".join("?" * len(names))
        where.append(
            f"(articles.feed IN ({marks}) OR articles.id IN "
            f"(SELECT article_sources.article_id FROM article_sources "
            f"WHERE article_sources.feed IN ({marks})))"
        )
        params += names + names
    if query.lang:
        where.append("lower(articles.language) = ?")
        params.append(query.lang)
    for value, after in ((query.since, True), (query.until, False)):
        if value is not None:
            condition, values = _bound(value, after)
            where.append(condition)
            params += values
    if where:
        sql += " WHERE " + " AND ".join(where)
    if ordered:
        order = ["articles.published DESC", "articles.seq DESC"]
        if rank is not None and query.sort != "date":
            order.insert(0, rank)
        sql += " ORDER BY " + ", ".join(order)
    if paged and (query.limit is not None or query.offset):
        sql += " LIMIT ? OFFSET ?"
        params += [query.limit if query.limit is not None else -1, query.offset]
    return sql, params


_LOCAL_DATE = "date(articles.published, printf('%+d minutes', articles.utc_offset_minutes))"


def _bound(value: date | datetime, after: bool) -> tuple[str, list[Any]]:
    """As storage.search._bound: an instant, or a day on the publisher's calendar."""
    if isinstance(value, datetime):
        return f"articles.published {'>=' if after else '<='} ?", [_bind(value)]
    day = value.isoformat()
    midnight = datetime(value.year, value.month, value.day, tzinfo=UTC)
    # The exact test is on the local date; the UTC range around it lets an index help.
    if after:
        return (
            f"(articles.published >= ? AND {_LOCAL_DATE} >= ?)",
            [_bind(midnight - MAX_AHEAD), day],
        )
    return (
        f"(articles.published < ? AND {_LOCAL_DATE} <= ?)",
        [_bind(midnight + timedelta(days=1) + MAX_BEHIND), day],
    )


def _revision(conn: sqlite3.Connection) -> str | None:
    """The store's schema revision (storage/migrations), None before Alembic."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None
