"""The dedup step with the store (save_article): the corpus grouped by story on SQLite and
PostgreSQL, updates in place with their cap, `dedup: false`, an old store upgraded, and `ingest
show --json`."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlmodel import select

from ingest.cli import main
from ingest.core import dedup
from ingest.pipeline.deduplicate import save_article
from storage.models import ArticleBand
from storage.store import Store
from tests.dedup_corpus import Doc, load_corpus

NOW = datetime(2024, 11, 12, 12, 0, tzinfo=UTC)
CORPUS = load_corpus()


def store_all(store: Store, docs: list[Doc]) -> dict[str, str]:
    """doc id -> article id it was stored as or merged into."""
    return {d.id: save_article(store, d.draft(), NOW).article_id for d in docs}


def assert_grouped_by_story(placed: dict[str, str]) -> None:
    by_story: dict[str, set[str]] = {}
    for doc in CORPUS:
        by_story.setdefault(doc.story, set()).add(placed[doc.id])
    assert all(len(ids) == 1 for ids in by_story.values()), by_story
    assert len(set(placed.values())) == len(by_story)  # no two stories share an article


def check_corpus(store: Store) -> None:
    placed = store_all(store, CORPUS)
    assert_grouped_by_story(placed)
    assert store.count_articles() == len({d.story for d in CORPUS})
    base = next(d for d in CORPUS if d.id == "ai-act")
    rules = {s.entry_key: (s.match_rule, s.similarity) for s in store.sources(placed["ai-act"])}
    assert rules["ai-act"] == ("new", None)
    assert rules["ai-act.headline"] == ("exact", 1.0)
    rule, similarity = rules["ai-act.cut"]
    assert rule == "near" and similarity is not None and 0.5 < similarity < 1.0
    assert len(rules) == 1 + sum(1 for d in CORPUS if d.story == base.story and d is not base)


def test_corpus_is_stored_once_per_story_sqlite(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as store:
        check_corpus(store)


def test_corpus_is_stored_once_per_story_postgres(pg_url: str, tmp_path: Path) -> None:
    with Store(pg_url, tmp_path) as store:
        check_corpus(store)


def story(doc_id: str) -> Doc:
    return next(d for d in CORPUS if d.id == doc_id)


def test_dedup_off_neither_merges_nor_is_merged_into(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as store:
        off = save_article(store, story("rate-hike").draft(), NOW, dedup_on=False)
        copy = save_article(store, story("rate-hike.headline").draft(), NOW)  # exact copy, dedup on
        assert copy.created and copy.article_id != off.article_id
        again = save_article(store, story("rate-hike.repost").draft(), NOW, dedup_on=False)
        assert again.created
        with store.session() as s:
            # (it looked up band key 0, which never occurs: it could not fail)
            def bands_of(article_id: str) -> int:
                query = select(func.count()).where(ArticleBand.article_id == article_id)
                return int(s.exec(query).one())

            assert bands_of(off.article_id) == 0  # dedup off: not indexed, never a candidate
            assert bands_of(copy.article_id) > 0
        assert save_article(store, story("rate-hike.cut").draft(), NOW).reason == "known:near"


def updated_draft(doc: Doc, paragraphs: tuple[str, ...], title: str | None = None) -> Doc:
    return dataclasses.replace(doc, paragraphs=paragraphs, title=title or doc.title)


def test_same_url_with_changed_body_is_updated_in_place_and_capped(tmp_path: Path) -> None:
    base = story("treno-bologna")
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, max_updates=2) as store:
        first = save_article(store, base.draft(), NOW, entry_version=NOW)
        path = tmp_path / str(first.path)
        before = path.read_text("utf-8")
        # A counter in a short line changed: not an update.
        counter = updated_draft(base, (*base.paragraphs, "Letto 1.234 volte"))
        save_article(store, counter.draft(), NOW)
        more = updated_draft(base, (*base.paragraphs, "Letto 2.345 volte"))
        assert save_article(store, more.draft(), NOW).reason == "known:canonical_url"
        assert path.read_text("utf-8") != before  # the first counter line was a real change
        edits = [
            (*base.paragraphs, "La linea riaprirà domani mattina, ha annunciato RFI."),
            (*base.paragraphs[:-1], "La Procura ha iscritto due tecnici nel registro."),
            (*base.paragraphs, "Terza modifica, oltre il limite."),
        ]
        results = [
            save_article(store, updated_draft(base, body).draft(), NOW + timedelta(hours=i + 1))
            for i, body in enumerate(edits)
        ]
        assert [r.reason for r in results] == ["updated", "known:update_capped",
                                               "known:update_capped"]  # fmt: skip
        article = store.get(first.article_id)
        assert article is not None
        assert (article.id, article.seq, article.path) == (first.article_id, 0, first.path)
        assert article.update_count == 2 and article.updated_at is not None
        assert path.read_text("utf-8") == store.render(article)
        assert "La linea riaprirà domani mattina" in path.read_text("utf-8")
        assert store.count_articles() == 1
        assert len(store.sources(first.article_id)) == 1
        assert list(path.parent.glob("*.tmp")) == []


def test_changed_entries_are_those_with_a_newer_date_below_the_cap(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, max_updates=1) as store:
        a = save_article(store, story("ai-act").draft("desk"), NOW, entry_version=NOW)
        save_article(store, story("rhodes-fires").draft("desk"), NOW, entry_version=NOW)
        save_article(store, story("rate-hike").draft("desk"), NOW)  # no date: never re-fetched
        later = NOW + timedelta(hours=1)
        versions = {"ai-act": later, "rhodes-fires": NOW, "rate-hike": later}
        assert store.changed_entries("desk", versions) == {"ai-act"}
        edited = updated_draft(story("ai-act"), (*story("ai-act").paragraphs, "An addendum."))
        assert (
            save_article(store, edited.draft("desk"), later, entry_version=later).reason
            == "updated"
        )
        assert a.article_id == store.get(a.article_id).id  # type: ignore[union-attr]
        # At the cap: a newer date no longer causes a fetch.
        assert store.changed_entries("desk", {"ai-act": later + timedelta(hours=1)}) == set()


def test_a_store_from_before_dedup_is_upgraded_and_backfilled(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    with Store(f"sqlite:///{db}", tmp_path) as store:
        first = save_article(store, story("maltempo-liguria").draft(), NOW)
    # Play an old store: drop the columns and table dedup added.
    con = sqlite3.connect(db)
    con.execute("DROP TABLE alembic_version")  # made before Alembic (storage/migrate.py)
    con.execute("DROP TABLE article_bands")
    for column in ("text_hash", "dedup_version", "update_count"):
        con.execute(f"DROP INDEX IF EXISTS ix_articles_{column}")
        con.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    for column in ("match_rule", "similarity", "entry_version", "veto"):
        con.execute(f"ALTER TABLE article_sources DROP COLUMN {column}")
    con.commit()
    con.close()
    with Store(f"sqlite:///{db}", tmp_path) as store:
        assert store.backfill_fingerprints(batch=1) == 1
        assert store.backfill_fingerprints() == 0
        copy = save_article(store, story("maltempo-liguria.cut").draft(), NOW)
        assert (copy.article_id, copy.reason) == (first.article_id, "known:near")


def test_articles_indexed_by_an_older_scheme_are_reindexed(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    with Store(f"sqlite:///{db}", tmp_path) as store:
        first = save_article(store, story("maltempo-liguria").draft(), NOW)
    # Play a store indexed by an older fingerprint scheme: bands that match nothing new.
    con = sqlite3.connect(db)
    con.execute("UPDATE article_bands SET key = key + 1")
    con.execute("UPDATE articles SET dedup_version = ?", (dedup.SCHEME_VERSION - 1,))
    con.commit()
    con.close()
    with Store(f"sqlite:///{db}", tmp_path) as store:
        assert store.backfill_fingerprints() == 1
        assert store.backfill_fingerprints() == 0
        copy = save_article(store, story("maltempo-liguria.cut").draft(), NOW)
        assert (copy.article_id, copy.reason) == (first.article_id, "known:near")


def test_an_older_store_gets_the_indexes_added_since(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    Store(f"sqlite:///{db}", tmp_path).close()
    con = sqlite3.connect(db)
    con.execute("DROP TABLE alembic_version")  # made before Alembic (storage/migrate.py)
    con.execute("DROP INDEX ix_articles_dedup_version")
    con.commit()
    con.close()
    Store(f"sqlite:///{db}", tmp_path).close()
    con = sqlite3.connect(db)
    plan = con.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE dedup_version IS NULL"
    ).fetchall()
    con.close()
    assert any("ix_articles_dedup_version" in row[-1] for row in plan), plan


def test_show_json_lists_sources_with_rule_and_similarity(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("settings:\n  store: store\nfeeds: []\n", "utf-8")
    with Store(f"sqlite:///{tmp_path / 'store' / 'ingest.db'}", tmp_path / "store") as store:
        first = save_article(store, story("rhodes-fires").draft("wire"), NOW)
        save_article(store, story("rhodes-fires.byline").draft("courier"), NOW)
    result = CliRunner().invoke(
        main, ["show", first.article_id, "--json", "--config", str(tmp_path / "feeds.yaml")]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    sources = {s["feed"]: s for s in record["sources"]}
    assert sources["wire"]["match_rule"] == "new"
    assert sources["courier"]["match_rule"] == "near"
    assert 0.9 < sources["courier"]["similarity"] < 1.0
    assert sources["courier"]["url"] == "https://rhodes-fires.byline.example.org/story"


@pytest.mark.parametrize("doc_id", ["brief-ponte", "porto-genova"])
def test_short_bodies_merge_only_by_their_strict_rules(tmp_path: Path, doc_id: str) -> None:
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path) as store:
        save_article(store, story(doc_id).draft(), NOW)
        reasons = {d.id: save_article(store, d.draft(), NOW).reason for d in CORPUS
                   if d.story == doc_id and d.id != doc_id}  # fmt: skip
    expected = (
        {"brief-ponte.repost": "known:exact"}
        if doc_id == "brief-ponte"
        else {"porto-genova.repost": "known:exact", "porto-genova.edits": "known:near:short"}
    )
    assert reasons == expected
