"""End to end: one story at several outlets, stored once with all its sources.

The site (tests/data/dedup/site) has four outlets with their own page templates: a wire
service, two Italian papers and an English one. The Liguria storm story runs at three of
them under different headlines (one with a byline, one re-posted under a new slug and
GUID), the Rhodes fire at two; every other page is a story of its own, including a
follow-up and two pages that share a long footer in the same template.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.config import load_config
from ingest.pipeline.runtime import open_store
from tests.site.server import SiteServer

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "tests" / "data" / "dedup" / "site"
OUTLETS = ["wire", "levante", "gazzetta", "courier"]


def run_ingest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("INGEST_CONFIG", None)
    proc = subprocess.run([sys.executable, "-m", "ingest", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    assert proc.returncode == 0, f"ingest {args}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer(SITE) as server:
        yield server


def snapshot(config_path: Path) -> dict[str, object]:
    """Everything a re-poll must leave alone: rows, sources and file bytes."""
    config = load_config(config_path)
    with open_store(config) as store:
        articles = store.latest(limit=100)
        return {
            a.id: (
                a.seq, a.path, a.updated_at,
                sorted((s.feed, s.url, s.match_rule) for s in store.sources(a.id)),
                hashlib.sha256(store.path_of(a).read_bytes()).hexdigest(),
            )
            for a in articles
        }  # fmt: skip


@pytest.mark.parametrize("workers", [1, 2])  # threads, and a real process pool
def test_one_story_at_several_outlets_is_stored_once(
    site: SiteServer, write_config: object, tmp_path: Path, workers: int
) -> None:
    feeds = [{"name": name, "url": site.url(f"/feeds/{name}.xml")} for name in OUTLETS]
    config_path = write_config(feeds, workers=workers)  # type: ignore[operator]
    run_ingest("poll", "--config", str(config_path), cwd=tmp_path)

    config = load_config(config_path)
    with open_store(config) as store:
        articles = store.latest(limit=100)
        by_url = {s.url.removeprefix(site.base): a for a in articles for s in store.sources(a.id)}
        # Seven distinct stories, eleven pages.
        assert len(articles) == 7 and len(by_url) == 11
        storm = by_url["/wire/maltempo-liguria-allerta-rossa.html"]
        assert {u for u, a in by_url.items() if a.id == storm.id} == {
            "/wire/maltempo-liguria-allerta-rossa.html",
            "/levante/cronaca/allerta-rossa-scuole-chiuse.html",
            "/levante/cronaca/allerta-rossa-genova-chiavari.html",
            "/gazzetta/italia/liguria-allerta-rossa.html",
        }
        fire = by_url["/wire/rhodes-wildfire-evacuations.html"]
        assert by_url["/courier/world/rhodes-tourists-flee.html"].id == fire.id
        distinct = [
            "/wire/central-bank-rates-tenth-rise.html",
            "/courier/business/bank-lifts-rates.html",  # the same decision, own report
            "/levante/cronaca/maltempo-il-giorno-dopo.html",  # follow-up
            "/levante/chiavari/mercato-del-sabato.html",  # same template and long footer
            "/levante/sestri/biblioteca-domenica.html",
        ]
        assert len({by_url[u].id for u in distinct} | {storm.id, fire.id}) == 7
        rules = {s.match_rule for s in store.sources(storm.id)}
        assert "new" in rules and rules <= {"new", "exact", "near"} and len(rules) >= 2
        for source in store.sources(storm.id):
            assert (source.similarity is None) == (source.match_rule == "new")

    result = CliRunner().invoke(main, ["show", storm.id, "--json", "--config", str(config_path)])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)["sources"]
    assert len(shown) == 4 and all("match_rule" in s and "similarity" in s for s in shown)

    # Restart and poll again: nothing changes (feeds answer 304, and even when they
    # do not, every entry is known).
    before = snapshot(config_path)
    site.clear_requests()
    run_ingest("poll", "--config", str(config_path), cwd=tmp_path)
    assert snapshot(config_path) == before
    pages = [r.url_path for r in site.requests if not r.url_path.startswith("/feeds/")]
    assert pages == []


PAGE = """<!DOCTYPE html><html lang="it"><head><meta charset="utf-8"><title>{title}</title></head>
<body><nav>Home | Cronaca | Sport</nav><article><h1>{title}</h1>
{body}
</article><footer>Desk news - tutti i diritti riservati</footer></body></html>"""

FEED = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Desk</title>
<link>{{{{BASE}}}}/</link><description>Desk</description>
<item><title>{title}</title><link>{{{{BASE}}}}/desk/treno.html</link><guid>desk-treno</guid>
<pubDate>{date}</pubDate><description>Un treno regionale deragliato.</description></item>
</channel></rss>"""


def serve_story(site: SiteServer, paragraphs: list[str], date: str, title: str) -> None:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    site.set_file("/desk/treno.html", PAGE.format(title=title, body=body))
    site.set_file("/feeds/desk.xml", FEED.format(title=title, date=date))


@pytest.mark.parametrize("workers", [1, 2])
def test_an_edited_article_is_updated_in_place_with_a_cap(
    site: SiteServer, write_config: object, tmp_path: Path, workers: int
) -> None:
    doc = (REPO / "tests/data/dedup/docs/treno-bologna.txt").read_text("utf-8").strip()
    title, *paragraphs = doc.split("\n\n")
    config_path = write_config(  # type: ignore[operator]
        [{"name": "desk", "url": site.url("/feeds/desk.xml")}],
        dedup={"max_updates": 1},
        workers=workers,
    )
    args = ["poll", "--config", str(config_path)]
    serve_story(site, [*paragraphs, "Letto 1.204 volte"], "Tue, 12 Nov 2024 09:00:00 +0100", title)
    assert CliRunner().invoke(main, args).exit_code == 0
    config = load_config(config_path)
    with open_store(config) as store:
        (first,) = store.latest()
    path = config.store_dir / first.path
    original = path.read_text("utf-8")

    # Only the view counter moved, with a newer date: fetched again, not rewritten.
    serve_story(site, [*paragraphs, "Letto 2.318 volte"], "Tue, 12 Nov 2024 10:00:00 +0100", title)
    site.clear_requests()
    assert CliRunner().invoke(main, args).exit_code == 0
    assert [r.url_path for r in site.requests] == ["/feeds/desk.xml", "/desk/treno.html"]
    assert path.read_text("utf-8") == original

    # A real edit with a newer date and a new headline: rewritten in place.
    edited = [*paragraphs, "In serata RFI ha annunciato che la linea riaprirà domani.",
              "Letto 2.400 volte"]  # fmt: skip
    new_title = "Treno deragliato, la linea riapre domani"
    serve_story(site, edited, "Tue, 12 Nov 2024 18:00:00 +0100", new_title)
    assert CliRunner().invoke(main, args).exit_code == 0
    with open_store(config) as store:
        (after,) = store.latest()
        assert (after.id, after.seq, after.path) == (first.id, first.seq, first.path)
        assert after.updated_at is not None and after.update_count == 1
        assert len(store.sources(after.id)) == 1
    text = path.read_text("utf-8")
    assert text != original and "riaprirà domani" in text and new_title in text.split("\n")[0]

    # Past max_updates: a newer date no longer even fetches the page.
    serve_story(site, [*edited, "Un altro aggiornamento."], "Wed, 13 Nov 2024 08:00:00 +0100",
                new_title)  # fmt: skip
    site.clear_requests()
    assert CliRunner().invoke(main, args).exit_code == 0
    assert [r.url_path for r in site.requests] == ["/feeds/desk.xml"]
    assert path.read_text("utf-8") == text
