"""Deciding title, lead, body, date and URL from a feed entry and its page (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ingest.compose import compose
from ingest.config import FeedSpec
from ingest.core.errors import Skip
from ingest.core.html import html_to_paragraphs, lead_from_summary
from ingest.core.types import EntryData, PageContent
from ingest.core.urls import canonical_url

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
SPEC = FeedSpec(name="f", url="https://site.example/feed", language="it")
BODY = tuple(f"Paragraph {i} of the article, with enough words to be real text." for i in range(6))


def entry(**kw: object) -> EntryData:
    base: dict[str, object] = dict(
        key="k", guid="g", link="https://site.example/a?utm_source=rss", title="The  title",
        summary="<p>The lead.</p>", content=None, published=None, updated=None,
    )  # fmt: skip
    base.update(kw)
    return EntryData(**base)  # type: ignore[arg-type]


def page(**kw: object) -> PageContent:
    base: dict[str, object] = dict(
        title="The title | Site", lead="Meta description.", paragraphs=BODY
    )
    base.update(kw)
    return PageContent(**base)  # type: ignore[arg-type]


def test_feed_title_and_lead_win_and_repeats_are_dropped() -> None:
    p = page(paragraphs=("The title", "The lead.", *BODY))
    draft = compose(SPEC, entry(), p, "https://site.example/a", NOW)
    assert draft.title == "The title"
    assert draft.lead == "The lead."
    assert draft.paragraphs == BODY
    assert draft.text_source == "page"
    assert draft.language == "it"


def test_page_lead_when_feed_has_no_description() -> None:
    draft = compose(SPEC, entry(summary=None), page(), "https://site.example/a", NOW)
    assert draft.lead == "Meta description."


def test_date_keeps_offset_and_falls_back() -> None:
    cet = timezone(timedelta(hours=1))
    d = compose(SPEC, entry(published=datetime(2022, 11, 30, 23, 30, tzinfo=cet)), page(), "u", NOW)
    assert (d.published.month, d.published.utcoffset(), d.date_inferred) == (
        11,
        timedelta(hours=1),
        False,
    )
    future = entry(published=NOW + timedelta(days=30))
    d = compose(SPEC, future, page(published=datetime(2024, 5, 2)), "u", NOW)
    assert d.published == datetime(2024, 5, 2, tzinfo=UTC) and not d.date_inferred
    d = compose(SPEC, entry(published=datetime(1970, 1, 1, tzinfo=UTC)), page(), "u", NOW)
    assert d.published == NOW and d.date_inferred


def test_teaser_page_loses_to_the_feeds_full_content() -> None:
    full = "".join(f"<p>{p}</p>" for p in BODY)
    d = compose(SPEC, entry(content=full), page(paragraphs=("Subscribe to read.",)), "u", NOW)
    assert d.text_source == "feed" and d.paragraphs == BODY


def test_error_page_without_feed_text_is_skipped() -> None:
    with pytest.raises(Skip) as skip:
        compose(SPEC, entry(), page(is_error_page=True, paragraphs=("Not found",)), "u", NOW)
    assert skip.value.reason == "page:error_page"
    with pytest.raises(Skip, match="no_body"):
        compose(SPEC, entry(summary=None), page(paragraphs=(), lead=None), "u", NOW)


def test_canonical_from_page_only_on_the_same_site() -> None:
    same = page(canonical_url="https://www.site.example/a#top")
    assert compose(
        SPEC, entry(), same, "https://site.example/a?utm_source=x", NOW
    ).canonical_url == ("https://www.site.example/a")
    other = page(canonical_url="https://aggregator.example/copy")
    d = compose(SPEC, entry(), other, "https://site.example/a?utm_medium=rss&id=4", NOW)
    assert d.canonical_url == "https://site.example/a?id=4"


def test_no_title_anywhere_is_skipped() -> None:
    with pytest.raises(Skip, match="no_title"):
        compose(SPEC, entry(title=None), page(title=None), "u", NOW)


@pytest.mark.parametrize(
    "summary, lead",
    [
        ("<p>Text.</p><p>The post Text appeared first on Site.</p>", "Text."),
        ("Il governo ha deciso. Continua a leggere →", "Il governo ha deciso."),
        ("Der Rat tagte. [&#8230;]", "Der Rat tagte."),
        ("Der Beitrag Rat erschien zuerst auf Zeitung.", None),
        ("  <b>Only</b>\n\n whitespace\tcollapsed ", "Only whitespace collapsed"),
    ],
)
def test_lead_cleaning(summary: str, lead: str | None) -> None:
    assert lead_from_summary(summary) == lead


def test_feed_html_to_paragraphs() -> None:
    html = (
        "<p>One <i>two</i></p><h2>Sub</h2><div>three<br>four</div>"
        "<script>x()</script><ul><li>a</li></ul>"
    )
    assert html_to_paragraphs(html) == ["One two", "Sub", "three", "four", "a"]


def test_feed_html_comments_are_not_text() -> None:
    # one walker for feeds and pages: comments were text in the feed's old walker
    assert html_to_paragraphs("<p>Rat<!-- ad slot --> tagt</p>") == ["Rat tagt"]


@pytest.mark.parametrize(
    "url, canonical",
    [
        ("HTTP://Example.COM:80/a?utm_source=x&b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
        ("https://x.example/p?fbclid=1&gclid=2&mc_cid=3", "https://x.example/p"),
        ("https://x.example:8443/p", "https://x.example:8443/p"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_same_text_keys_only_what_it_needs_and_agrees_with_the_whole_key() -> None:
    from ingest.compose import same_text
    from ingest.core.text import comparison_key

    # characters that compose, reorder, fold or expand: none does so across a space
    chars = ["a", "B", " ", ".", "_", "\u0301", "\u0308", "ﬁ", "ß", "Σ", "ς", "가", "\u1161",
             "\u11a8", "½", "İ", "\u0345", "ｶ", "ﾞ", "\u3099", "\u00a8"]  # fmt: skip
    rng = random.Random(3)
    for _ in range(20_000):
        paragraphs = tuple(
            "".join(rng.choices(chars, k=rng.randint(0, 4))) for _ in range(rng.randint(0, 3))
        )
        joined = " ".join(paragraphs)
        text = joined[: rng.randint(0, len(joined))] if rng.random() < 0.5 else joined
        if rng.random() < 0.3:
            text = "".join(rng.choices(chars, k=rng.randint(0, 6)))
        whole = comparison_key(text) == comparison_key(joined)
        assert same_text(text, paragraphs) is whole, (text, paragraphs)
    assert same_text("The lead, in full.", ("The lead,", "in full"))
    assert not same_text("The lead.", ("The lead.", "And more."))
