"""What to find in the store, as values: the query, its checks, and what a match shows.

Pure (no database): `storage.search` runs a Query through SQLAlchemy on any backend,
`storage.lite` through the standard library's sqlite3 (the read commands' fast path);
both take the Query made here, so they agree on what a query means. The text syntax is
in `storage.fulltext`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from ingest.core.errors import QueryError
from storage import fulltext

Sort = Literal["relevance", "date"]
SORTS: tuple[Sort, ...] = ("relevance", "date")
DEFAULT_LIMIT = 50
# UTC offsets in use span -12:00 to +14:00: a local day lies within these bounds in UTC.
MAX_AHEAD, MAX_BEHIND = timedelta(hours=14), timedelta(hours=12)


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


class HasText(Protocol):
    """A stored article, as far as its snippet is concerned."""

    @property
    def lead(self) -> str | None: ...

    @property
    def body(self) -> str: ...


def check_known_feeds(
    query: Query, configured: Iterable[str], stored_feeds: Callable[[], set[str]]
) -> None:
    """QueryError naming the known feeds when `query` asks for a feed that is neither
    configured nor in the store (`stored_feeds()`, asked only then): a typo must not
    silently find nothing."""
    if not query.feeds:
        return
    configured = list(configured)
    unknown = sorted(set(query.feeds) - set(configured))
    if unknown:
        unknown = sorted(set(unknown) - stored_feeds())
    if unknown:
        known = ", ".join(configured) or "none"
        which = ", ".join(repr(u) for u in unknown)
        raise QueryError(f"no feed named {which} (feeds: {known})")


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


# -- what people see of a match ------------------------------------------------------


def snippet(article: HasText, text: str | None, width: int = 90) -> str:
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


# -- article references (`ingest show REF`): Store.resolve and storage.lite --------------

_FILE_RE = re.compile(r"^(\d+)_([0-9a-f]{16})(\.txt)?$")
_HEX_RE = re.compile(r"^[0-9a-f]{1,16}$")


@dataclass(frozen=True)
class ArticleRef:
    """What a reference may be: a sequence number, and/or the start of an id."""

    seq: int | None
    id_prefix: str | None
    ref: str

    def ambiguous(self, ids: Sequence[str]) -> QueryError:
        shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
        return QueryError(
            f"{self.ref!r} is the start of several article ids ({shown}): give more characters"
        )

    def unknown(self) -> QueryError:
        return QueryError(
            f"no article {self.ref!r}: give an id or its first characters, a sequence "
            "number such as 9, or a file name or path (see `ingest list`)"
        )


def parse_ref(ref: str) -> ArticleRef:
    """An id or its start, a sequence number (9 or 009), a file name or path."""
    text = ref.strip()
    if m := _FILE_RE.match(Path(text).name):
        text = m[2]
    seq = int(text) if text.isdigit() and len(text) < 16 else None  # longer: an id
    prefix = text.lower() if _HEX_RE.match(text.lower()) else None
    return ArticleRef(seq, prefix, ref)
