"""The vetoes and "nothing lost" inside the store, on SQLite and PostgreSQL: templated
briefs stay apart with the veto on their source, an edited wire story is one article
with a source per outlet, a longer copy replaces a brief in place, a live page is one
article per URL."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.pipeline.deduplicate import save_article
from storage.store import Store
from tests.dedup_corpus import Doc, load_corpus
from tests.dedup_texts import TEMPLATES

NOW = datetime(2024, 11, 12, 12, 0, tzinfo=UTC)
CORPUS = {d.id: d for d in load_corpus()}

COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Soylent",
             "Tyrell", "Cyberdyne"]  # fmt: skip


def market_briefs(n: int) -> list[Doc]:
    """`n` briefs on the markets template, each another company or other figures."""
    _, _, title, paragraphs, fills = TEMPLATES[0]
    docs = []
    for i in range(n):
        fill = dict(fills[i % len(fills)], co=f"{COMPANIES[i % 10]} Group",
                    pct=f"{1 + i // 10}.{i % 10}")  # fmt: skip
        body = tuple(p.format(**fill) for p in paragraphs)
        docs.append(Doc(f"brief-{i}", f"brief-{i}", "negative:templated",
                        title.format(**fill), body))  # fmt: skip
    return docs


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = (
        f"sqlite:///{tmp_path / 'db.sqlite'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with Store(url, tmp_path) as s:
        yield s


def test_fifty_market_briefs_from_one_template_are_fifty_articles(store: Store) -> None:
    results = [save_article(store, d.draft(), NOW) for d in market_briefs(50)]
    assert all(r.created for r in results)
    assert store.count_articles() == 50
    vetoes = [s.veto for r in results for s in store.sources(r.article_id)]
    # each brief after the first met a look-alike, and says why it is another story
    assert sum(v is not None for v in vetoes) >= 45
    assert all(v.split(":")[0] in ("figures", "names") for v in vetoes if v)


def test_a_wire_story_edited_by_three_outlets_is_one_article_with_four_sources(
    store: Store, tmp_path: Path
) -> None:
    outlets = ["wire", "levante", "gazzetta", "courier"]
    copies = ["wire-bridge", "wire-bridge.copy-lead-rewritten", "wire-bridge.copy-trim-25",
              "wire-bridge.copy-combo"]  # fmt: skip
    results = [
        save_article(store, CORPUS[c].draft(feed), NOW)
        for c, feed in zip(copies, outlets, strict=True)
    ]
    assert [r.created for r in results] == [True, False, False, False]
    assert len({r.article_id for r in results}) == 1 and store.count_articles() == 1
    sources = store.sources(results[0].article_id)
    assert [(s.feed, s.match_rule) for s in sources] == [
        ("wire", "new"), ("levante", "near"), ("gazzetta", "near"), ("courier", "near"),
    ]  # fmt: skip
    assert all(s.veto is None for s in sources)
    assert len(list((tmp_path / "articles").rglob("*.txt"))) == 1


def test_ingest_show_lists_every_source_with_its_rule(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("settings:\n  store: store\nfeeds: []\n", "utf-8")
    with Store(f"sqlite:///{tmp_path / 'store' / 'ingest.db'}", tmp_path / "store") as s:
        first = save_article(s, CORPUS["wire-bahn"].draft("wire"), NOW)
        for feed, kind in [("a", "lead-dropped"), ("b", "local"), ("c", "typography")]:
            save_article(s, CORPUS[f"wire-bahn.copy-{kind}"].draft(feed), NOW)
    result = CliRunner().invoke(
        main, ["show", first.article_id, "--json", "--config", str(tmp_path / "feeds.yaml")]
    )
    assert result.exit_code == 0, result.output
    rules = {s["feed"]: s["match_rule"] for s in json.loads(result.output)["sources"]}
    # "b" added a local paragraph to the whole story: it replaced the text in place
    # and "c" (the base, other quotes) is then near, no longer exact
    assert rules == {"wire": "new", "a": "near", "b": "near", "c": "near"}


def test_a_vetoed_look_alike_is_a_new_article_with_the_veto_on_its_source(store: Store) -> None:
    first = save_article(store, CORPUS["football-en.0"].draft(), NOW)
    second = save_article(store, CORPUS["football-en.2"].draft(), NOW)  # 1-2, not 2-1
    assert second.created and second.article_id != first.article_id
    (source,) = store.sources(second.article_id)
    assert source.match_rule == "new" and source.similarity is None
    assert source.veto is not None and source.veto.startswith("figures: 2 1 / 1 2")
    assert first.article_id in source.veto
    assert store.sources(first.article_id)[0].veto is None  # nothing looked alike then


def test_the_same_short_notice_weeks_later_is_a_new_article(store: Store) -> None:
    base, later = CORPUS["porto-genova"], CORPUS["porto-genova.weeks-later"]
    save_article(store, base.draft(), NOW)
    again = save_article(store, later.draft(), NOW + timedelta(days=21))
    assert again.created
    assert store.sources(again.article_id)[0].veto == (
        f"dated: 21 days apart, short text (exact 1.00 to {store.latest(limit=2)[-1].id})"
    )
    soon = dataclasses.replace(later, id="porto-genova.next-day",
                               published=base.published + timedelta(days=1))  # fmt: skip
    assert save_article(store, soon.draft(), NOW).reason == "known:exact"


def test_the_full_story_after_a_brief_replaces_it_in_place(store: Store, tmp_path: Path) -> None:
    full = CORPUS["wire-museum"]
    brief = dataclasses.replace(full, id="museum-brief", paragraphs=full.paragraphs[:3])
    first = save_article(store, brief.draft("flash"), NOW)
    path = tmp_path / str(first.path)
    assert path.read_text("utf-8").count("\n\n") < 6
    later = save_article(store, full.draft("wire"), NOW + timedelta(hours=1))
    assert (later.article_id, later.created, later.reason) == (first.article_id, False,
                                                                "updated:near")  # fmt: skip
    article = store.get(first.article_id)
    assert article is not None and article.paragraphs == full.paragraphs
    assert article.path == first.path and article.update_count == 1
    text = path.read_text("utf-8")
    assert all(p in text for p in full.paragraphs)  # the file has the full story now
    assert [(s.feed, s.match_rule) for s in store.sources(first.article_id)] == [
        ("flash", "new"), ("wire", "near"),
    ]  # fmt: skip
    # the brief again, from another outlet: a source, the full text stays
    again = dataclasses.replace(brief, id="museum-brief-2")
    assert save_article(store, again.draft("other"), NOW).reason == "known:near"
    assert store.get(first.article_id).paragraphs == full.paragraphs  # type: ignore[union-attr]
    assert store.count_articles() == 1


def test_a_longer_copy_past_max_updates_is_a_source(tmp_path: Path) -> None:
    full = CORPUS["wire-museum"]
    brief = dataclasses.replace(full, id="museum-brief", paragraphs=full.paragraphs[:3])
    with Store(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, max_updates=0) as s:
        first = save_article(s, brief.draft("flash"), NOW)
        assert save_article(s, full.draft("wire"), NOW).reason == "known:near"
        assert s.get(first.article_id).paragraphs == brief.paragraphs  # type: ignore[union-attr]


def test_a_live_page_is_one_article_updated_in_place(store: Store, tmp_path: Path) -> None:
    page = CORPUS["live-match.0"]
    first = save_article(store, page.draft("live"), NOW)
    entries = ["21:40 - Second half under way in Porto.", "21:52 - GOAL! Porto 2-0 Basel."]
    grown = page.paragraphs[:3] + tuple(reversed(entries)) + page.paragraphs[3:]
    later = dataclasses.replace(page, paragraphs=grown)
    result = save_article(store, later.draft("live"), NOW + timedelta(hours=1))
    assert (result.article_id, result.reason) == (first.article_id, "updated")
    assert store.count_articles() == 1
    assert "GOAL! Porto 2-0 Basel." in (tmp_path / str(first.path)).read_text("utf-8")
    # another live page under the same intro, at another URL: its own article
    other = save_article(store, CORPUS["live-match.1"].draft("live"), NOW)
    assert other.created and store.sources(other.article_id)[0].veto is not None
