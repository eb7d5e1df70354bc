"""Search over a store filled by the real pipeline, on SQLite and on PostgreSQL.

Every test that takes `filled` runs once per backend; the PostgreSQL run is skipped,
with the reason printed, when no server answers at 127.0.0.1:5432.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from search_fixture import (
    ALL,
    CAFE_EN,
    CAFFE,
    PUTIN_EN,
    PUTIN_IT,
    ROMA,
    FilledStore,
    filled_store,
    pg_schema,
    titles,
)
from sqlalchemy import delete, text
from sqlmodel import Session, SQLModel, col

from ingest.core.errors import QueryError
from ingest.core.types import ArticleDraft
from ingest.pipeline.deduplicate import save_article
from storage import fulltext
from storage.models import Article
from storage.search import (
    QueryOptions,
    count,
    iter_articles,
    iter_batches,
    make_query,
    resolve_feeds,
    search,
)
from storage.store import Store


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def filled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[FilledStore]:  # fmt: skip
    with filled_store(tmp_path_factory.mktemp(request.param), request.param) as env:
        yield env


def found(env: FilledStore, text: str | None = None, **filters: object) -> set[str]:
    return titles(search(env.store, text, **filters))


# -- words, accents, phrases, operators --------------------------------------------------


@pytest.mark.parametrize("query", ["citta", "CITTÀ", "città", "Città"])
def test_accents_and_case_do_not_matter(filled: FilledStore, query: str) -> None:
    # ROMA has it in the title, the other two in the body.
    assert found(filled, query) == {ROMA, CAFFE, PUTIN_IT}


def test_words_match_whole_words_in_title_lead_and_body(filled: FilledStore) -> None:
    assert found(filled, "putin") == {PUTIN_IT, PUTIN_EN}
    assert found(filled, "cafe") == {CAFE_EN}  # café; not the Italian caffè
    assert found(filled, "caffe") == {CAFFE}
    assert found(filled, "portici") == {CAFFE}  # only in the lead
    assert found(filled, "putin presidente") == {PUTIN_IT}  # both words must be there
    assert found(filled, "putin president") == {PUTIN_EN}
    assert found(filled, "putin natale") == set()
    assert found(filled, "zanzibar") == set()


def test_phrases(filled: FilledStore) -> None:
    assert found(filled, '"madri dei soldati"') == {PUTIN_IT}
    assert found(filled, '"soldati dei madri"') == set()
    assert found(filled, '"MADRI DEI SOLDATI" kazakistan') == {PUTIN_IT}
    # Punctuated words are phrases of their parts, not syntax errors.
    assert found(filled, "Mosca-Astana") == {PUTIN_IT}
    assert found(filled, "l'Ucraina") == {PUTIN_IT}


def test_or_and_exclusion(filled: FilledStore) -> None:
    assert found(filled, "putin OR natale") == {PUTIN_IT, PUTIN_EN, ROMA}
    assert found(filled, "putin or natale") == {PUTIN_IT, PUTIN_EN, ROMA}
    assert found(filled, "putin -tokayev") == {PUTIN_IT}
    assert found(filled, 'milano -"cento anni"') == {ROMA}
    assert found(filled, "citta OR cafe -putin") == {ROMA, CAFFE, CAFE_EN}


def test_prefix_search(filled: FilledStore) -> None:
    # issue 16: `put*` found nothing
    assert found(filled, "put*") == {PUTIN_IT, PUTIN_EN}
    assert found(filled, "PUT*") == {PUTIN_IT, PUTIN_EN}
    assert found(filled, "citt* -put*") == {ROMA, CAFFE}
    assert found(filled, '"put*"') == set()  # in quotes, a star is not an operator


def test_relevance_puts_title_matches_first_and_date_sort_is_newest_first(
    filled: FilledStore,
) -> None:
    # "Milano": in CAFFE's title, in ROMA's body; ROMA is newer.
    by_rank = [a.title for a in search(filled.store, "milano")]
    by_date = [a.title for a in search(filled.store, "milano", sort="date")]
    assert by_rank == [CAFFE, ROMA]
    assert by_date == [ROMA, CAFFE]


# -- filters -------------------------------------------------------------------------------


def test_feed_filter_counts_every_source_of_a_story(filled: FilledStore) -> None:
    # PUTIN_IT was first stored from gazzetta; wire linked to it later.
    assert found(filled, "putin", feeds=["gazzetta"]) == {PUTIN_IT}
    assert found(filled, "putin", feeds=["wire"]) == {PUTIN_IT, PUTIN_EN}
    assert found(filled, feeds=["wire"]) == {PUTIN_IT, PUTIN_EN, CAFE_EN}
    assert found(filled, feeds=[]) == set()  # an empty selection is not "any feed"


def test_filters_combine(filled: FilledStore) -> None:
    assert found(filled, "putin", since="2022-11-26") == {PUTIN_EN}
    assert found(filled, "putin", feeds=["wire"], lang="en") == {PUTIN_EN}
    assert found(filled, "putin", feeds=["wire"], lang="IT") == {PUTIN_IT}
    assert found(filled, lang="it", until="2022-11-30") == {PUTIN_IT, CAFFE}
    assert found(filled, "citta", feeds=["gazzetta"], since="2022-11-02", lang="it") == {
        ROMA, PUTIN_IT}  # fmt: skip
    assert found(filled, since="2022-10-01", until="2022-10-31") == {CAFE_EN}


def test_dates_are_days_on_the_publishers_calendar(filled: FilledStore) -> None:
    # CAFFE: 2022-11-01 00:30 in Milan (+01:00), which is 2022-10-31 23:30 UTC.
    assert found(filled, since="2022-11-01", until="2022-11-01") == {CAFFE}
    assert CAFFE not in found(filled, until="2022-10-31")
    # A datetime is an instant.
    assert found(filled, since="2022-10-31T23:00:00Z", until="2022-10-31T23:59:00Z") == {CAFFE}
    instant = datetime(2022, 11, 1, 0, 0, tzinfo=UTC)
    assert CAFFE not in found(filled, since=instant)


def test_tags_resolve_to_feeds(filled: FilledStore) -> None:
    tags = {spec.name: spec.tags for spec in filled.config.feeds}
    assert found(filled, feeds=resolve_feeds((), ["italia"], tags)) == {PUTIN_IT, ROMA, CAFFE}
    assert found(filled, feeds=resolve_feeds((), ["world"], tags)) == {
        PUTIN_IT, PUTIN_EN, CAFE_EN}  # fmt: skip
    assert found(filled, feeds=resolve_feeds((), ["news"], tags)) == ALL
    assert resolve_feeds(["gazzetta"], ["world"], tags) == frozenset()  # both must hold
    with pytest.raises(QueryError, match="no feed has the tag 'sport'"):
        resolve_feeds((), ["sport"], tags)


def test_query_options_resolve_tags_against_the_configured_feeds(filled: FilledStore) -> None:
    def query(**options: object) -> frozenset[str] | None:
        return make_query(QueryOptions(**options), filled.config.feeds).feeds  # type: ignore[arg-type]

    assert query() is None  # no feed, no tag: any feed
    assert query(feeds=[]) == frozenset()  # an empty list of feeds: none
    assert query(feeds="gazzetta") == {"gazzetta"}  # one name, not its letters
    italia = resolve_feeds((), ["italia"], {s.name: s.tags for s in filled.config.feeds})
    assert query(tags=["italia"]) == italia
    assert query(feeds=["gazzetta"], tags=["world"]) == frozenset()  # both must hold


def test_limit_offset_and_count(filled: FilledStore) -> None:
    newest = [a.title for a in search(filled.store, limit=None)]
    assert newest == [ROMA, PUTIN_EN, PUTIN_IT, CAFFE, CAFE_EN]
    assert [a.title for a in search(filled.store, limit=2, offset=1)] == newest[1:3]
    assert count(filled.store, make_query(QueryOptions(limit=1))) == 5
    # Streaming: the same order, without a limit, in batches from one cursor.
    assert [a.title for a in iter_articles(filled.store)] == newest
    batches = list(iter_batches(filled.store, make_query(QueryOptions(limit=None)), size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [a.title for b in batches for a in b] == newest
    assert count(filled.store, make_query(QueryOptions("putin", limit=1))) == 2


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"madri dei', "unclosed double quote"),
        ("-putin", "only excluded words"),
        ("putin OR", "OR needs a word on each side"),
        ("OR putin", "OR needs a word on each side"),
        ("putin OR -natale", "cannot be part of an OR"),
        ("?? !!", "no words"),
    ],
)
def test_malformed_queries_say_what_is_wrong(filled: FilledStore, query: str, message: str
                                             ) -> None:  # fmt: skip
    with pytest.raises(QueryError, match=message):
        search(filled.store, query)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"since": "yesterday"}, "since: expected a date"),
        ({"until": "2022-13-01"}, "until: expected a date"),
        ({"sort": "random"}, "sort must be one of"),
        ({"sort": "relevance"}, "needs a search text"),
        ({"limit": -1}, "limit must be"),
    ],
)
def test_bad_filters_say_what_is_wrong(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        make_query(QueryOptions(**kwargs))  # type: ignore[arg-type]


# -- the index follows the table -----------------------------------------------------------


def _draft(n: int, title: str, body: str) -> ArticleDraft:
    return ArticleDraft(
        canonical_url=f"https://example.org/{n}", url=f"https://example.org/{n}",
        title=title, lead=None, paragraphs=(body,),
        published=datetime(2022, 11, n, 12, tzinfo=UTC), date_inferred=False, language="it",
        text_source="page", feed_name="unit", entry_key=f"e{n}", guid=None,
    )  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        with Store(f"sqlite:///{tmp_path / 'ingest.db'}", tmp_path) as store:
            yield store
        return
    with pg_schema() as url, Store(url, tmp_path) as store:
        yield store


def test_index_follows_inserts_updates_and_deletes(empty_store: Store) -> None:
    now = datetime(2022, 12, 1, tzinfo=UTC)
    first = save_article(
        empty_store, _draft(1, "Perché la città dorme", "Un racconto notturno."), now
    )
    save_article(empty_store, _draft(2, "Un altro titolo", "Niente da vedere qui."), now)
    assert titles(search(empty_store, "perche citta")) == {"Perché la città dorme"}

    with Session(empty_store.engine) as s:  # a plain write through the ORM
        row = s.get(Article, first.article_id)
        assert row is not None
        row.title, row.body = "Il mercato del pesce", "Racconto del mattino."
        s.add(row)
        s.commit()
    assert search(empty_store, "citta") == []
    assert titles(search(empty_store, "pesce mattino")) == {"Il mercato del pesce"}

    with empty_store.engine.begin() as conn:  # rows that point at it go first (FKs)
        for table in SQLModel.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table.name == "articles":
                    conn.execute(table.delete().where(fk.parent == first.article_id))
        conn.execute(delete(Article).where(col(Article.id) == first.article_id))
    assert search(empty_store, "pesce") == []
    assert titles(search(empty_store, "vedere")) == {"Un altro titolo"}


def test_an_older_store_gets_its_index_built_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    with Store(url, tmp_path) as store:
        save_article(
            store, _draft(3, "Notizie da Brescia", "Il sindaco è soddisfatto."), datetime.now(UTC)
        )
        with store.engine.begin() as conn:  # what a store made before the index looks like
            for name in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(f"DROP TABLE {fulltext.FTS_TABLE}"))
            conn.execute(text("DROP TABLE alembic_version"))  # made before Alembic too
    with Store(url, tmp_path) as store:  # opening installs and fills the index
        assert titles(search(store, "sindaco")) == {"Notizie da Brescia"}
    with Store(url, tmp_path) as store:  # and opening again changes nothing
        fulltext.install(store.engine)
        assert titles(search(store, "sindaco")) == {"Notizie da Brescia"}
        with store.engine.connect() as conn:
            rows = conn.execute(text(f"SELECT count(*) FROM {fulltext.FTS_TABLE}")).scalar()
        assert rows == 1


# -- the query syntax, without a database ----------------------------------------------


def test_parsed_query_renders_to_fts5_with_every_term_quoted() -> None:
    parsed = fulltext.parse_query('putin "madri dei soldati" ucraina OR russia -kremlin')
    assert fulltext.to_fts5(parsed) == (
        '(("putin") AND ("madri dei soldati") AND ("ucraina" OR "russia")) NOT "kremlin"'
    )
    tricky = fulltext.parse_query('say"hi" NEAR(a b) title:x')
    assert '""' in fulltext.to_fts5(tricky)  # a quote inside a word is escaped, not live


@pytest.mark.parametrize("bound", ["9999-12-31", "0001-01-01"])
def test_dates_outside_the_calendar_window_are_query_errors(bound: str) -> None:
    from storage.search import parse_bound

    with pytest.raises(QueryError, match="year"):
        parse_bound(bound, "--until")
