"""Site memory: a short paragraph that a site repeats in three stored articles is left out
of its new ones; the rule itself, the counts in the store, and a poll of a real site."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.compose import without_site_noise
from ingest.config import load_config
from ingest.core.text import SITE_NOISE_MAX_WORDS, paragraph_key, site_noise_candidates
from ingest.core.types import ArticleDraft
from ingest.pipeline.deduplicate import save_article
from ingest.pipeline.poll import poll
from ingest.pipeline.runtime import open_store
from storage import document
from storage.store import Store
from tests.hostile_site import WORDS, item, rss
from tests.site.server import Response, SiteServer

FOOTER = "The Valley Courier is printed every weekday at its works on Market Street."
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def body(n: int) -> tuple[str, ...]:
    rng = random.Random(n)
    return tuple(
        " ".join(rng.choice(WORDS) for _ in range(45)).capitalize() + f" Number {n}."
        for _ in range(4)
    )


def draft(n: int, site: str = "courier.example") -> ArticleDraft:
    return ArticleDraft(
        canonical_url=f"https://{site}/story-{n}", url=f"https://{site}/story-{n}",
        title=f"Story {n}", lead=None, paragraphs=(*body(n), FOOTER), published=NOW,
        date_inferred=False, language="en", text_source="page", feed_name="f",
        entry_key=f"k{n}", guid=None,
    )  # fmt: skip


def test_the_rule_drops_known_noise_but_never_the_whole_body() -> None:
    d = draft(1)
    noise = frozenset({paragraph_key(FOOTER)})
    assert without_site_noise(d, noise).paragraphs == body(1)
    only_footer = replace(d, paragraphs=(FOOTER,))
    assert without_site_noise(only_footer, noise).paragraphs == (FOOTER,)
    assert without_site_noise(d, frozenset()).paragraphs == d.paragraphs


def test_long_paragraphs_are_never_remembered() -> None:
    long = " ".join(["word"] * (SITE_NOISE_MAX_WORDS + 1))
    assert site_noise_candidates([long, FOOTER]) == {paragraph_key(FOOTER)}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_store_counts_articles_per_site(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
    with Store(url, tmp_path / "store") as store:
        for n in range(2):
            save_article(store, draft(n), NOW)
        save_article(store, draft(9, site="other.example"), NOW)
        assert store.site_noise("courier.example") == frozenset()  # two articles: not yet
        save_article(store, draft(2), NOW)
        assert store.site_noise("courier.example") == {paragraph_key(FOOTER)}
        assert store.site_noise("other.example") == frozenset()


def page(n: int) -> str:
    paras = "".join(f"<p>{p}</p>" for p in (*body(n), FOOTER))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Story {n}</title>"
        f"</head><body><article><h1>Story {n}</h1>{paras}</article></body></html>"
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_a_site_footer_seen_in_three_articles_is_left_out_of_the_next_ones(
    tmp_path: Path, write_config: Any, workers: int
) -> None:
    with SiteServer() as site:
        for n in range(5):
            site.route(f"/story-{n}", Response.html(page(n)))

        def publish(count: int) -> None:
            items = [item(f"Story {n}", site.url(f"/story-{n}"), f"g{n}") for n in range(count)]
            headers = {"Content-Type": "application/rss+xml"}
            site.route("/feed.xml", Response(200, rss(items).encode(), headers))

        config = load_config(write_config([{"name": "f", "url": site.url("/feed.xml")}],
                                          workers=workers))  # fmt: skip
        publish(3)
        poll(config)  # three articles carry the footer: the site's memory learns it
        publish(5)
        poll(config)
    with open_store(config) as store:
        texts = {a.title: store.path_of(a).read_text("utf-8") for a in store.latest(10)}
    assert len(texts) == 5
    for title, text in texts.items():
        has_footer = FOOTER in document.parse(text).all_paragraphs
        assert has_footer == (title in ("Story 0", "Story 1", "Story 2")), title
