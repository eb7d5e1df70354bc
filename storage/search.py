"""Find stored articles: full text, feeds, dates, language; a plain function to import.

    from ingest.config import load_config
    from ingest.pipeline import open_store
    from storage.search import search

    with open_store(load_config("feeds.yaml")) as store:
        for article in search(store, '"madri dei soldati" putin', since="2022-11-01"):
            print(article.published_local.date(), article.title, store.path_of(article))

Filters combine (all must hold). `feeds` matches every article seen in any of those
feeds, under any of its recorded sources, not only the feed it was first stored from.
Dates: a bare date (2022-11-01) is a day on the publisher's own calendar, the date that
listings and files show, and `until` includes that whole day; a datetime is an instant
(UTC when it has no offset). The text syntax is in `storage.fulltext`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, column, func, literal_column, or_, table
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from ingest.core.errors import QueryError, StorageError
from storage import fulltext
from storage.models import Article, ArticleSource, to_utc
from storage.query import DEFAULT_LIMIT as DEFAULT_LIMIT
from storage.query import MAX_AHEAD as _MAX_AHEAD
from storage.query import MAX_BEHIND as _MAX_BEHIND
from storage.query import SORTS as SORTS
from storage.query import Query as Query
from storage.query import QueryOptions as QueryOptions
from storage.query import Sort as Sort
from storage.query import Tagged as Tagged
from storage.query import check_known_feeds
from storage.query import make_query as make_query
from storage.query import parse_bound as parse_bound
from storage.query import resolve_feeds as resolve_feeds
from storage.query import snippet as snippet
from storage.store import Store

_BATCH = 500

_fts = table(fulltext.FTS_TABLE, column("rowid"))


def check_feeds(store: Store, query: Query, configured: Iterable[str]) -> None:
    """QueryError naming the known feeds when `query` asks for a feed that is neither
    configured nor in the store: a typo must not silently find nothing."""
    check_known_feeds(query, configured, lambda: _stored_feeds(store))


def _stored_feeds(store: Store) -> set[str]:
    with store.session() as s:
        return set(s.exec(select(ArticleSource.feed).distinct()))


# -- running a query ----------------------------------------------------------------


def search(store: Store, text: str | None = None, **filters: Any) -> list[Article]:
    """The matching articles, best first (or newest first without a text).

    `filters`: the other fields of QueryOptions (feeds, since, until, lang, sort, limit,
    offset), such as `search(store, "putin", since="2022-11-01", feeds=["wire"])`.
    """
    return run(store, make_query(QueryOptions(text, **filters)))


def iter_articles(store: Store, text: str | None = None, **filters: Any) -> Iterator[Article]:
    """Every matching article, streamed in constant memory (no limit); filters as `search`."""
    query = make_query(replace(QueryOptions(text, **filters), limit=None))
    for batch in iter_batches(store, query):
        yield from batch


def run(store: Store, query: Query) -> list[Article]:
    with store.session() as s, _errors(query):
        return list(s.exec(statement(store, query)))


def count(store: Store, query: Query) -> int:
    """How many articles match, ignoring limit and offset."""
    inner = statement(store, query, ordered=False).limit(None).offset(None).subquery()
    with store.session() as s, _errors(query):
        return int(s.exec(select(func.count()).select_from(inner)).one())


def iter_batches(store: Store, query: Query, size: int = _BATCH) -> Iterator[list[Article]]:
    """The matching articles in lists of up to `size`, read from one streaming cursor."""
    with store.session(streaming=True) as s, _errors(query):
        result = s.exec(statement(store, query).execution_options(yield_per=size))
        for batch in result.partitions(size):
            yield list(batch)


def sources_for(store: Store, article_ids: Sequence[str]) -> dict[str, list[ArticleSource]]:
    """article id -> its sources, in the order they were recorded."""
    found: dict[str, list[ArticleSource]] = {id_: [] for id_ in article_ids}
    with store.session() as s:
        for start in range(0, len(article_ids), _BATCH):
            chunk = article_ids[start : start + _BATCH]
            rows = s.exec(
                select(ArticleSource)
                .where(col(ArticleSource.article_id).in_(chunk))
                .order_by(col(ArticleSource.id))
            )
            for source in rows:
                found[source.article_id].append(source)
    return found


def statement(store: Store, query: Query, ordered: bool = True) -> SelectOfScalar[Article]:
    """The SELECT for `query` on the store's backend."""
    dialect = store.engine.dialect.name
    stmt = select(Article)
    rank: ColumnElement[Any] | None = None
    if query.text:
        parsed = fulltext.parse_query(query.text)
        if dialect == "postgresql":
            vector: ColumnElement[Any] = literal_column(fulltext.pg_vector_sql("articles"))
            tsquery = fulltext.to_tsquery(parsed)
            stmt = stmt.where(vector.op("@@")(tsquery))
            rank = func.ts_rank(vector, tsquery).desc()
        else:
            match = literal_column(fulltext.FTS_TABLE).op("MATCH")(fulltext.to_fts5(parsed))
            stmt = stmt.join(_fts, _fts.c.rowid == col(Article.seq)).where(match)
            # bm25: lower is better; a word in the title counts more than one in the body.
            rank = func.bm25(literal_column(fulltext.FTS_TABLE), 10.0, 4.0, 1.0).asc()
    for condition in _filters(query, dialect):
        stmt = stmt.where(condition)
    if ordered:
        order: list[ColumnElement[Any]] = [col(Article.published).desc(), col(Article.seq).desc()]
        if rank is not None and query.sort != "date":
            order.insert(0, rank)
        stmt = stmt.order_by(*order)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return stmt.offset(query.offset) if query.offset else stmt


def _filters(query: Query, dialect: str) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if query.feeds is not None:
        names = sorted(query.feeds)
        seen_in = select(ArticleSource.article_id).where(col(ArticleSource.feed).in_(names))
        found.append(or_(col(Article.feed).in_(names), col(Article.id).in_(seen_in)))
    if query.lang:
        found.append(func.lower(col(Article.language)) == query.lang)
    if query.since is not None:
        found.append(_bound(query.since, dialect, after=True))
    if query.until is not None:
        found.append(_bound(query.until, dialect, after=False))
    return found


def _bound(value: date | datetime, dialect: str, after: bool) -> ColumnElement[bool]:
    published = col(Article.published)
    if isinstance(value, datetime):
        instant = to_utc(value)
        return published >= instant if after else published <= instant
    day = value.isoformat()
    local = _local_date(dialect)
    # The exact test is on the local date; the UTC range around it lets an index help.
    midnight = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if after:
        return and_(published >= midnight - _MAX_AHEAD, local >= day)
    return and_(published < midnight + timedelta(days=1) + _MAX_BEHIND, local <= day)


def _local_date(dialect: str) -> ColumnElement[Any]:
    """The publication date on the publisher's calendar, as YYYY-MM-DD text."""
    if dialect == "postgresql":
        return literal_column(
            "to_char((articles.published AT TIME ZONE 'UTC') "
            "+ articles.utc_offset_minutes * interval '1 minute', 'YYYY-MM-DD')"
        )
    return func.date(
        col(Article.published), func.printf("%+d minutes", col(Article.utc_offset_minutes))
    )


@contextmanager
def _errors(query: Query) -> Iterator[None]:
    """Database errors while searching -> QueryError (the engine refused the text) or
    StorageError. The query is parsed before, so the first should not happen."""
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        message = str(exc.orig) if exc.orig else str(exc)
        if query.text and ("fts5" in message or "tsquery" in message):
            raise QueryError(f"cannot search for {query.text!r}: {message}") from exc
        raise StorageError(f"database error while searching: {message}") from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"database error while searching: {exc}") from exc
