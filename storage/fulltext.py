"""Full-text index over title, lead and body, kept in sync by the database itself.

SQLite: an FTS5 external-content table `articles_fts` (rowid = `articles.seq`, which is
stable, unlike the implicit rowid of a table with a text primary key, which VACUUM may
renumber) filled by triggers on insert, update and delete. The tokenizer is
`unicode61 remove_diacritics 2`: case and accents do not matter, so `citta` finds `città`.

PostgreSQL: a GIN index on a weighted tsvector expression (no extra column, so the table
has the same shape on both backends) in a text search configuration `ingest_fts`: a copy
of `simple` (no stemming, no stop words: the store mixes languages, and SQLite does not
stem either) with `unaccent` in front when the extension is available.

`install(engine)` creates whatever is missing; it is idempotent, runs from the
baseline migration (storage/migrations/baseline.py), and indexes the articles already
stored when the index is new.

One query syntax on both backends, the web-search style people type into a search box:

    putin ucraina           both words
    "madri dei soldati"     the exact phrase
    putin OR zelensky       either; OR binds tighter than the implicit AND, as on the
                            big web search engines: `a b OR c` is a AND (b OR c)
    putin -kremlin          without the word
    put*                    words starting with put (putin, puts)

It is parsed here, once, so both engines get the same structure and a malformed query
fails the same way, with a `QueryError` that says what is wrong.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any

from ingest.core.errors import QueryError

if TYPE_CHECKING:
    # SQLAlchemy is imported where it is used: the query syntax (parse_query, to_fts5)
    # also serves the read commands' SQLite fast path (storage/lite.py), which must not
    # pay SQLAlchemy's import (a sixth of a second).
    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("ingest")

FTS_TABLE = "articles_fts"
PG_CONFIG = "ingest_fts"
PG_INDEX = "ix_articles_fulltext"
# tsvector values are limited to 1 MB; positions past 16383 are not kept anyway. Bodies
# are indexed up to this many characters so one giant page cannot fail an insert.
PG_MAX_BODY_CHARS = 300_000

_SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, lead, body, content='articles', "
    "content_rowid='seq', tokenize='unicode61 remove_diacritics 2')"
)
_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN
  INSERT INTO {FTS_TABLE}(rowid, title, lead, body)
  VALUES (new.seq, new.title, new.lead, new.body);
END""",
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, lead, body)
  VALUES ('delete', old.seq, old.title, old.lead, old.body);
END""",
    # Only the indexed columns: marking a file written must not touch the index.
    f"""CREATE TRIGGER IF NOT EXISTS articles_fts_update
AFTER UPDATE OF title, lead, body, seq ON articles BEGIN
  INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, lead, body)
  VALUES ('delete', old.seq, old.title, old.lead, old.body);
  INSERT INTO {FTS_TABLE}(rowid, title, lead, body)
  VALUES (new.seq, new.title, new.lead, new.body);
END""",
)
_SQLITE_TRIGGER_NAMES = ("articles_fts_insert", "articles_fts_delete", "articles_fts_update")


def pg_vector_sql(table: str = "") -> str:
    """The weighted tsvector; queries must use exactly the indexed expression."""
    prefix = f"{table}." if table else ""

    def part(column: str, weight: str) -> str:
        return f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, {column}), '{weight}')"

    return (
        f"({part(f'coalesce({prefix}title, {chr(39) * 2})', 'A')}"
        f" || {part(f'coalesce({prefix}lead, {chr(39) * 2})', 'B')}"
        f" || {part(f'left({prefix}body, {PG_MAX_BODY_CHARS})', 'C')})"
    )


# -- installing the index ------------------------------------------------------------


def install(engine: Engine) -> None:
    """Create the full-text index and its sync machinery where missing (idempotent)."""
    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE, concurrent installers queue up
        install_on(conn)


def install_on(conn: Connection) -> None:
    """`install` in the caller's transaction (a migration's)."""
    if conn.dialect.name == "sqlite":
        _install_sqlite(conn)
    elif conn.dialect.name == "postgresql":
        _install_postgresql(conn)


def _install_sqlite(conn: Connection) -> None:
    stored = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)
    ).scalar()
    if stored == _SQLITE_TABLE:
        for trigger in _SQLITE_TRIGGERS:
            conn.exec_driver_sql(trigger)
        return
    if stored is not None:  # an index of another definition: replace it
        for name in _SQLITE_TRIGGER_NAMES:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(f"DROP TABLE {FTS_TABLE}")
    conn.exec_driver_sql(_SQLITE_TABLE)
    for trigger in _SQLITE_TRIGGERS:
        conn.exec_driver_sql(trigger)
    # Articles stored before the index existed (an older store) are indexed now, once.
    conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def _install_postgresql(conn: Connection) -> None:
    from sqlalchemy import text

    # Two processes opening a new store at once must not both create the configuration.
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('news-ingest fulltext'))"))
    exists = conn.execute(
        text(
            "SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace "
            "WHERE c.cfgname = :name AND n.nspname = current_schema()"
        ),
        {"name": PG_CONFIG},
    ).scalar()
    if not exists:
        copy = f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = pg_catalog.simple)"
        conn.execute(text(copy))
        schema = _unaccent_schema(conn)
        if schema:
            conn.execute(
                text(
                    f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} ALTER MAPPING FOR "
                    f'hword, hword_part, word WITH "{schema}".unaccent, simple'
                )
            )
        else:
            log.warning(
                "PostgreSQL has no unaccent extension: full-text search will match accents "
                "exactly (install postgresql-contrib to fix)"
            )
    conn.execute(
        text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON articles USING gin ({pg_vector_sql()})")
    )


def _unaccent_schema(conn: Connection) -> str | None:
    """The schema of the `unaccent` dictionary, creating the extension if we may."""
    from sqlalchemy import text

    find = text(
        "SELECT n.nspname FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace "
        "WHERE d.dictname = 'unaccent' LIMIT 1"
    )
    schema = conn.execute(find).scalar()
    if schema:
        return str(schema)
    # In `public` when it exists: an extension lives once per database, and one created in
    # a per-test or per-app schema would vanish with that schema.
    for statement in (
        "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
        "CREATE EXTENSION IF NOT EXISTS unaccent",
    ):
        savepoint = conn.begin_nested()
        try:
            conn.execute(text(statement))
            savepoint.commit()
            break
        except Exception:  # not available, or not allowed: fall back to plain `simple`
            savepoint.rollback()
    found = conn.execute(find).scalar()
    return str(found) if found else None


# -- the query syntax ------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word or a phrase (several words that must stand together)."""

    text: str
    phrase: bool = False
    prefix: bool = False  # `put*`: any word starting with it


@dataclass(frozen=True)
class SearchQuery:
    """All `required` clauses match (each clause: any of its terms); no `excluded` term."""

    required: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()


_TOKEN_RE = re.compile(r'\s*(-?)(?:"([^"]*)("?)|(\S+))')


def parse_query(query: str) -> SearchQuery:
    """Parse the web-search syntax (see the module docstring); QueryError when malformed."""
    required: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for match in _TOKEN_RE.finditer(query.strip()):
        negated, quoted, closing, word = match.groups()
        if quoted is not None and not closing:
            raise QueryError(f"unclosed double quote in the query: {query!r}")
        if word is not None and word.upper() == "OR" and not negated:
            if not required or pending_or:
                raise QueryError(f"OR needs a word on each side: {query!r}")
            pending_or = True
            continue
        term = _term(quoted if quoted is not None else word, quoted is not None)
        if term is None:  # punctuation only: nothing a search engine could match
            continue
        if negated:
            if pending_or:
                raise QueryError(f"an excluded word (-{term.text}) cannot be part of an OR")
            excluded.append(term)
        elif pending_or:
            required[-1].append(term)
            pending_or = False
        else:
            required.append([term])
    if pending_or:
        raise QueryError(f"OR needs a word on each side: {query!r}")
    if not required:
        what = "only excluded words" if excluded else "no words"
        raise QueryError(
            f"the query has {what} to look for: {query!r}; add a word to find, such as "
            "'ucraina -putin'"
        )
    return SearchQuery(tuple(tuple(c) for c in required), tuple(excluded))


def _term(raw: str, quoted: bool) -> Term | None:
    if not any(ch.isalnum() for ch in raw):
        return None
    if not quoted and raw.endswith("*"):
        return Term(raw.rstrip("*"), prefix=True)
    return Term(" ".join(raw.split()), phrase=quoted)


def to_fts5(query: SearchQuery) -> str:
    """The FTS5 MATCH expression. Every term is quoted: FTS5 tokenizes it like the text,
    so `Mosca-Astana` or `l'Ucraina` are phrases, never syntax errors."""

    def quote(term: Term) -> str:
        return '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "")

    clauses = ["(" + " OR ".join(map(quote, clause)) + ")" for clause in query.required]
    expression = " AND ".join(clauses)
    for term in query.excluded:  # FTS5's NOT is binary: "a NOT b"
        expression = f"({expression}) NOT {quote(term)}"
    return expression


def to_tsquery(query: SearchQuery) -> ColumnElement[Any]:
    """The same structure as a PostgreSQL tsquery, built with explicit operators.

    Each term goes through `phraseto_tsquery`, which tokenizes it like the text (a word
    is one lexeme, a phrase or `Mosca-Astana` a <-> chain). `websearch_to_tsquery` is not
    used: it gives AND precedence over OR, the opposite of this syntax.
    """
    from sqlalchemy import Text, cast, func, literal_column
    from sqlalchemy.dialects.postgresql import TSQUERY

    config: ColumnElement[Any] = literal_column(f"'{PG_CONFIG}'::regconfig")

    def term(t: Term) -> ColumnElement[Any]:
        words = func.phraseto_tsquery(config, t.text)
        if not t.prefix:
            return words
        # 'put' -> 'put':* (the last lexeme as a prefix), still tokenized like the text
        return cast(func.concat(cast(words, Text), ":*"), TSQUERY)

    expression = reduce(
        func.tsquery_and,
        (reduce(func.tsquery_or, map(term, clause)) for clause in query.required),
    )
    for t in query.excluded:
        expression = func.tsquery_and(expression, func.tsquery_not(term(t)))
    return expression
