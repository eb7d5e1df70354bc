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

import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, and_, column, func, literal_column, or_, table
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from ingest.core.errors import QueryError, StorageError
from storage import fulltext
from storage.models import Article, ArticleSource, to_utc
from storage.store import Store

Sort = Literal["relevance", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "date")
DEFAULT_LIMIT = 50
# UTC offsets in use span -12:00 to +14:00: a local day lies within these bounds in UTC.
_MAX_AHEAD, _MAX_BEHIND = timedelta(hours=14), timedelta(hours=12)
_BATCH = 500

_fts = table(fulltext.FTS_TABLE, column("rowid"))


@dataclass(frozen=True)
class Query:
    """What to find. `feeds=None`: any feed; an empty set matches nothing."""

    text: str | None = None
    feeds: frozenset[str] | None = None
    since: date | datetime | None = None
    until: date | datetime | None = None
    lang: str | None = None
    sort: Sort | None = None  # default: relevance with a text, else date
    limit: int | None = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True)
class QueryOptions:
    """What to find as loose values, from a CLI, a URL or a notebook; `make_query` checks
    them. Built once where the values arrive; `dataclasses.replace` adds the rest."""

    text: str | None = None
    feeds: Iterable[str] | None = None  # None: any feed; empty: none
    tags: Sequence[str] = ()  # narrow to feeds with any of these tags (see make_query)
    since: date | datetime | str | None = None
    until: date | datetime | str | None = None
    lang: str | None = None
    sort: str | None = None
    limit: int | None = DEFAULT_LIMIT
    offset: int = 0


class Tagged(Protocol):
    """A configured feed, as far as tags are concerned (ingest.config.FeedSpec)."""

    @property
    def name(self) -> str: ...

    @property
    def tags(self) -> Sequence[str]: ...


def make_query(options: QueryOptions | None = None, configured: Iterable[Tagged] = ()) -> Query:
    """A validated Query from loose values; `configured` feeds resolve `options.tags`."""
    o = options or QueryOptions()
    if o.sort is not None and o.sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {o.sort!r}")
    if o.sort == "relevance" and not (o.text and o.text.strip()):
        raise QueryError("sorting by relevance needs a search text")
    if o.limit is not None and o.limit < 0:
        raise QueryError(f"limit must be zero or more, not {o.limit}")
    if o.offset < 0:
        raise QueryError(f"offset must be zero or more, not {o.offset}")
    # feeds="wire" means the feed, not its letters
    feeds = [o.feeds] if isinstance(o.feeds, str) else o.feeds
    if o.tags:
        feed_tags = {f.name: f.tags for f in configured}
        feeds = resolve_feeds(list(feeds or ()), o.tags, feed_tags)
    query = Query(
        text=o.text.strip() if o.text and o.text.strip() else None,
        feeds=frozenset(feeds) if feeds is not None else None,
        since=parse_bound(o.since, "since"),
        until=parse_bound(o.until, "until"),
        lang=o.lang.strip().lower() if o.lang and o.lang.strip() else None,
        sort=o.sort,  # narrowed to Sort by the check against SORTS above
        limit=o.limit,
        offset=o.offset,
    )
    if query.text:
        fulltext.parse_query(query.text)  # fail early, before any database work
    return query


_AGO_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$", re.IGNORECASE)
_AGO_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_bound(
    value: date | datetime | str | None, name: str, now: datetime | None = None
) -> date | datetime | None:
    """A date (YYYY-MM-DD), an ISO 8601 datetime, or a duration back from `now` (7d,
    12h, 2w: the units of feeds.yaml); QueryError otherwise."""
    if value is None:
        return None
    if isinstance(value, str):
        raw = value.strip()
        if not raw:
            return None
        if m := _AGO_RE.match(raw):
            seconds = float(m[1]) * _AGO_UNITS[m[2].lower()]
            try:
                return (now or datetime.now(UTC)) - timedelta(seconds=seconds)
            except OverflowError:
                raise QueryError(f"{name}: {raw!r} reaches back before year 1") from None
        try:
            value = (
                date.fromisoformat(raw)
                if len(raw) == 10
                else datetime.fromisoformat(raw.replace("Z", "+00:00"))
            )
        except ValueError:
            raise QueryError(
                f"{name}: expected a date such as 2022-11-01, a datetime such as "
                f"2022-11-01T08:00:00+01:00 or a duration back from now such as 7d, "
                f"not {value!r}"
            ) from None
    # The date window arithmetic needs room on both sides of the calendar.
    if not 1000 <= value.year <= 9000:
        raise QueryError(f"{name}: the year must be between 1000 and 9000, not {value.year}")
    return value


def check_feeds(store: Store, query: Query, configured: Iterable[str]) -> None:
    """QueryError naming the known feeds when `query` asks for a feed that is neither
    configured nor in the store: a typo must not silently find nothing."""
    if not query.feeds:
        return
    configured = list(configured)
    unknown = sorted(set(query.feeds) - set(configured))
    if unknown:
        unknown = sorted(set(unknown) - _stored_feeds(store))
    if unknown:
        known = ", ".join(configured) or "none"
        which = ", ".join(repr(u) for u in unknown)
        raise QueryError(f"no feed named {which} (feeds: {known})")


def _stored_feeds(store: Store) -> set[str]:
    with store.session() as s:
        return set(s.exec(select(ArticleSource.feed).distinct()))


def resolve_feeds(
    feeds: Collection[str], tags: Collection[str], feed_tags: Mapping[str, Sequence[str]]
) -> frozenset[str] | None:
    """The feeds to search: named ones, narrowed to those with any of `tags`.

    None when neither is given (any feed). `feed_tags` maps each configured feed to its
    tags; an unknown tag is an error, so a typo does not silently find nothing.
    """
    if not tags:
        return frozenset(feeds) if feeds else None
    known = sorted({t for ts in feed_tags.values() for t in ts})
    for tag in tags:
        if tag not in known:
            raise QueryError(f"no feed has the tag {tag!r} (tags: {', '.join(known) or 'none'})")
    tagged = {name for name, ts in feed_tags.items() if set(ts) & set(tags)}
    return frozenset(tagged & set(feeds)) if feeds else frozenset(tagged)


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
    with store.session() as s, _errors(query):
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


# -- what people see of a match ------------------------------------------------------


def snippet(article: Article, text: str | None, width: int = 90) -> str:
    """The part of the lead or body around the first word of `text` found (case and
    accents ignored, as in the index); the lead's start when no word is found there."""
    body = " ".join(filter(None, [article.lead, article.body]))
    body = " ".join(body.split())
    if not body:
        return ""
    at = -1
    if text:
        folded = _fold(body)
        words = [t for clause in fulltext.parse_query(text).required for t in clause]
        hits = [folded.find(_fold(w.text)) for w in words]
        at = min((h for h in hits if h >= 0), default=-1)
    start = max(0, at - width // 3) if at >= 0 else 0
    piece = body[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(body) else "")


def _fold(value: str) -> str:
    """Lower case without accents, one character for one: positions stay the same."""
    return "".join((unicodedata.normalize("NFKD", ch)[:1] or ch).lower()[:1] or ch for ch in value)
