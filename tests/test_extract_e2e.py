"""End to end, issue 13's "done when": a poll of a fixture site stores no page chrome.

The real `ingest poll` runs against a local site on 127.0.0.1 whose four article pages
(English, German, Spanish, French; tests/data/pages/head_tail_*.html) carry, around the
story, a kicker, the headline, a byline, a dateline or update stamp, a reading time, and
after it an agency credit, a reader poll, a support appeal, an app promotion, an author
box and a comment counter. The feed gives each entry the story's first paragraph as its
description, so the stored lead would be repeated as the body's first paragraph unless
it is dropped. What is stored must be the title, the lead and the rest of the story only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from ingest.config import load_config
from ingest.pipeline.runtime import open_store
from storage import document
from tests.site.server import SiteServer

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "tests" / "data" / "pages"

# page -> (headline, chrome that must not be stored: kicker, headline, dateline, credit, poll)
CASES = {
    "head_tail_en": (
        "City council approves new budget for schools",
        ["Politics", "Updated 14 March 2024", "(AP)", "What do you think?", "By Jane Smith"],
    ),
    "head_tail_de": (
        "Stadtrat beschließt Haushalt",
        ["Kommunalpolitik", "Aktualisiert am", "Mit Material von dpa", "Was meinen Sie?"],
    ),
    "head_tail_es": (
        "El Ayuntamiento aprueba el presupuesto",
        ["Política local", "Actualizado:", "Con información de EFE", "¿Qué opinas?", "Por "],
    ),
    "head_tail_fr": (
        "Le conseil municipal adopte le budget",
        # the headline split over a kicker-like line and the <h1>
        ["adopte le budget", "Par Jean Dupont", "Mis à jour le", "Avec AFP", "Qu'en pensez"],
    ),
}


def _feed(items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{{{{BASE}}}}/articles/{slug}.html</link>"
        f"<guid>{{{{BASE}}}}/articles/{slug}.html</guid>"
        f"<pubDate>Thu, 14 Mar 2024 18:30:00 +0100</pubDate>"
        f"<description>{escape(lead)}</description></item>"
        for slug, title, lead in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Head and tail</title><link>{{{{BASE}}}}/</link>{entries}</channel></rss>"
    )


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, document.Document]:
    root = tmp_path_factory.mktemp("site")
    (root / "articles").mkdir()
    (root / "feeds").mkdir()
    items = []
    for slug, (title, _) in CASES.items():
        shutil.copy(PAGES / f"{slug}.html", root / "articles" / f"{slug}.html")
        lead = (PAGES / f"{slug}.expected.txt").read_text("utf-8").splitlines()[0]
        items.append((slug, title, lead))
    (root / "feeds" / "news.xml").write_text(_feed(items), "utf-8")
    folder = tmp_path_factory.mktemp("poll")
    with SiteServer(root) as site:
        (folder / "feeds.yaml").write_text(
            "settings:\n"
            '  allow_addresses: ["127.0.0.1/32"]\n'
            "  workers: 1\n"
            "feeds:\n"
            f"  - name: news\n    url: {site.url('/feeds/news.xml')}\n",
            "utf-8",
        )
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("INGEST_CONFIG", None)
        proc = subprocess.run(
            [sys.executable, "-m", "ingest", "poll"], cwd=folder, env=env,
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
    store = open_store(load_config(folder / "feeds.yaml"))
    try:
        docs = {}
        for article in store.latest(100):
            slug = article.canonical_url.rsplit("/", 1)[-1].removesuffix(".html")
            docs[slug] = document.parse(store.path_of(article).read_text("utf-8"))
    finally:
        store.close()
    return docs


@pytest.mark.parametrize("slug", list(CASES))
def test_poll_stores_the_story_without_head_and_tail_chrome(
    stored: dict[str, document.Document], slug: str
) -> None:
    title, chrome = CASES[slug]
    doc = stored[slug]
    story = (PAGES / f"{slug}.expected.txt").read_text("utf-8").splitlines()
    assert doc.title == title
    assert doc.lead == story[0]
    # the lead is stored once, as the lead; the body is the rest of the story, exactly
    assert list(doc.paragraphs) == story[1:]
    body = "\n".join(doc.paragraphs)
    assert title not in body  # the headline is not repeated
    for line in chrome:
        assert line not in body, f"{slug}: {line!r} stored"
