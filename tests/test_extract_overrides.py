"""Per-feed extraction overrides (`extract: {body, drop}` in feeds.yaml): the pure rewrite,
the validation at load, and a poll through a real site with both worker modes."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from ingest.config import load_config
from ingest.core.errors import ConfigError
from ingest.extract.overrides import apply_overrides
from ingest.pipeline.poll import poll
from ingest.pipeline.runtime import open_store
from storage import document
from tests.hostile_site import WORDS, item, rss
from tests.site.server import Response, SiteServer


def sentences(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(30)).capitalize() + "." for _ in range(count)]


STORY = sentences(1, 4)
AD = "The Grand Hotel on the lake offers its guests rooms from ninety nine euros a night."
RELATED = sentences(2, 3)


def page() -> str:
    story = "".join(f"<p>{p}</p>" for p in STORY[:2])
    story += f'<p class="note">{AD}</p>'
    story += "".join(f"<p>{p}</p>" for p in STORY[2:])
    related = "".join(f"<p>{p}</p>" for p in RELATED)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Night train</title>"
        "</head><body><nav><a href='/'>Home</a></nav><main><h1>Night train</h1>"
        f"<div class='story-body'>{story}</div>{related}</main>"
        "<footer>Copyright</footer></body></html>"
    )


def test_drop_removes_elements_and_body_keeps_only_what_it_selects() -> None:
    html = page().encode()
    dropped = apply_overrides(html, None, [".note"]).decode()
    assert AD not in dropped and STORY[0] in dropped and RELATED[0] in dropped
    kept = apply_overrides(html, ".story-body", [".note"]).decode()
    assert STORY[3] in kept and AD not in kept and RELATED[0] not in kept
    assert "<title>Night train</title>" in kept  # the head stays: title, dates, metadata


def test_a_body_selector_that_selects_nothing_leaves_the_page_whole() -> None:
    html = page().encode()
    assert RELATED[0] in apply_overrides(html, "#redesigned-away").decode()


def test_the_page_is_decoded_as_extraction_decodes_it() -> None:
    latin = "<html><head><meta charset='iso-8859-1'></head><body><div id=s><p>Caf\xe9 cr\xe8me</p></div></body></html>"  # noqa: E501
    out = apply_overrides(latin.encode("latin-1"), "#s").decode("utf-8")
    assert "Café crème" in out and "iso-8859-1" not in out


@pytest.mark.parametrize("workers", [1, 2])
def test_a_poll_applies_the_feeds_overrides(
    tmp_path: Path, write_config: Any, workers: int
) -> None:
    with SiteServer() as site:
        site.route("/story", Response.html(page()))
        site.route(
            "/feed.xml",
            Response(
                200,
                rss([item("Night train", site.url("/story"), "g1")]).encode(),
                {"Content-Type": "application/rss+xml"},
            ),
        )  # noqa: E501
        rules = {"body": "div.story-body", "drop": [".note"]}
        feeds = [{"name": "f", "url": site.url("/feed.xml"), "extract": rules}]
        config = load_config(write_config(feeds, workers=workers))
        report = poll(config)
    assert report.feeds[0].new == 1
    with open_store(config) as store:
        [article] = store.latest(5)
        text = store.path_of(article).read_text("utf-8")
    # the first paragraph may serve as the lead (no description given): lead + body is STORY
    assert list(document.parse(text).all_paragraphs) == STORY


def test_a_selector_that_is_not_css_is_refused_at_load_with_its_line(
    tmp_path: Path, write_config: Any
) -> None:
    feeds = [{"name": "f", "url": "https://example.org/feed", "extract": {"drop": ["div[["]}}]
    with pytest.raises(ConfigError) as refused:
        load_config(write_config(feeds))
    message = str(refused.value)
    assert "feeds.yaml:" in message and "extract.drop" in message
    assert "not a CSS selector" in message and "div[[" in message
