"""Decide an article from a feed entry and its extracted page: pure, time passed in.

Title: the feed entry's title, else the page's. Lead: the feed description (HTML
stripped, publisher tails cut), else the page's meta description. Body: the page's
paragraphs, unless the page gave none, was an error page, or gave much less than the
feed's own full content (a teaser or a paywall stub): then the feed's content, and
`text_source` says so. Date: the entry's date when plausible, else the page's, else
the fetch time marked as inferred.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ingest.config import FeedSpec
from ingest.core.dates import plausible
from ingest.core.errors import Skip
from ingest.core.html import html_to_paragraphs, lead_from_summary
from ingest.core.text import clean_text, paragraph_key
from ingest.core.text import comparison_key as _key
from ingest.core.types import ArticleDraft, EntryData, PageContent
from ingest.core.urls import canonical_url, same_site

# A feed body shorter than this is a summary, not an article we could store on its own.
MIN_FEED_BODY_CHARS = 400
# The page body must reach this share of the feed's full content to be preferred.
TEASER_RATIO = 0.5
# A lead longer than this is the whole article pasted into <description>.
MAX_LEAD_CHARS = 1000


def choose_url(final_url: str, page: PageContent | None) -> str:
    """The canonical URL: the page's rel=canonical/og:url when on the same site."""
    stated = page.canonical_url if page else None
    if stated and stated.startswith(("http://", "https://")) and same_site(final_url, stated):
        return canonical_url(stated)
    return canonical_url(final_url)


def choose_body(
    entry: EntryData, page: PageContent | None, full_content: bool
) -> tuple[tuple[str, ...], str]:
    """(paragraphs, "page" | "feed"); raises Skip when neither gives a body."""
    feed_body = tuple(html_to_paragraphs(entry.content)) if entry.content else ()
    feed_chars = sum(map(len, feed_body))
    page_body = page.paragraphs if page and not page.is_error_page else ()
    page_chars = sum(map(len, page_body))
    if full_content and feed_body:
        return feed_body, "feed"
    if page_body and page_chars >= TEASER_RATIO * feed_chars:
        return page_body, "page"
    if feed_chars >= MIN_FEED_BODY_CHARS or (feed_body and feed_chars > page_chars):
        return feed_body, "feed"
    if page is not None and page.is_error_page:
        raise Skip("page:error_page", "the page is an error page and the feed has no full text")
    raise Skip("page:no_body", "no article text in the page nor in the feed")


def choose_date(entry: EntryData, page: PageContent | None, now: datetime) -> tuple[datetime, bool]:
    """(published, inferred): the entry's date, else the page's, else now."""
    for candidate in (entry.published, entry.updated, page.published if page else None):
        if (when := plausible(candidate, now)) is not None:
            return (when if when.tzinfo else when.replace(tzinfo=UTC)), False
    return now, True


# Body paragraphs looked at for a repeated headline or lead: they stand at the top.
REPEAT_SCAN = 3
# "Lead. (AP)" or "Lead – Photo: X": the lead plus this many characters still repeats it.
LEAD_EXTRA_CHARS = 40
# A paragraph inside the lead repeats it when it is this much of it (a split standfirst);
# a short sentence that happens to be quoted in the lead is not a repeat.
LEAD_COVERED = 0.8
# Containment proves a repeat only for a reference at least this long (comparison keys).
MIN_CONTAINED_CHARS = 20


def repeats(paragraph: str, reference: str) -> bool:
    """`paragraph` repeats `reference`: equal, most of it, or it plus a few characters."""
    para, ref = _key(paragraph), _key(reference)
    if not para or not ref:
        return False
    if para == ref:
        return True
    if len(ref) < MIN_CONTAINED_CHARS:  # "Rat" is in many a sentence
        return False
    if para in ref:
        return len(para) >= LEAD_COVERED * len(ref)
    return ref in para and len(para) - len(ref) <= LEAD_EXTRA_CHARS


def drop_repeats(paragraphs: tuple[str, ...], *repeated: str | None) -> tuple[str, ...]:
    """Drop top body paragraphs that repeat a headline or a lead (feed's or page's).

    Issue 13: the stored lead is never repeated in the body, whether the page shows it
    as is, with a credit appended, or split over two elements.
    """
    refs = [r for r in repeated if r]
    head = [p for p in paragraphs[:REPEAT_SCAN] if not any(repeats(p, r) for r in refs)]
    return tuple(head) + paragraphs[REPEAT_SCAN:]


def same_text(text: str, paragraphs: tuple[str, ...]) -> bool:
    """`_key(text) == _key(" ".join(paragraphs))`, keying only the paragraphs it takes.

    The key of paragraphs joined by spaces is their keys end to end: the spaces are
    dropped, and no character composes or reorders across a space (NFKC), nor folds
    differently next to one. Keying the whole body to compare it with a lead of at most
    MAX_LEAD_CHARS was a third of composing an article.
    """
    want = _key(text)
    found = 0
    for paragraph in paragraphs:
        key = _key(paragraph)
        if want[found : found + len(key)] != key:
            return False
        found += len(key)
    return found == len(want)


def compose(
    spec: FeedSpec,
    entry: EntryData,
    page: PageContent | None,
    final_url: str,
    now: datetime,
    feed_language: str | None = None,
) -> ArticleDraft:
    """An ArticleDraft ready to store, or Skip with the reason."""
    title = clean_text(entry.title or "") or clean_text(page.title or "" if page else "")
    if not title:
        raise Skip("no_title", "neither the feed entry nor the page has a title")
    paragraphs, source = choose_body(entry, page, spec.full_content)
    lead = lead_from_summary(entry.summary)
    if lead and (len(lead) > MAX_LEAD_CHARS or same_text(lead, paragraphs)):
        lead = None
    if not lead and page and page.lead and len(page.lead) <= MAX_LEAD_CHARS:
        lead = clean_text(page.lead)
    if lead and _key(lead) == _key(title):
        lead = None
    paragraphs = drop_repeats(
        paragraphs, title, lead, page.title if page else None, page.lead if page else None
    )
    if not paragraphs and not lead:
        raise Skip("page:no_body", "nothing left after removing the headline")
    published, inferred = choose_date(entry, page, now)
    language = (page.language if page else None) or entry.language or feed_language
    return ArticleDraft(
        canonical_url=choose_url(final_url, page),
        url=entry.link or final_url,
        title=title,
        lead=lead,
        paragraphs=paragraphs,
        published=published,
        date_inferred=inferred,
        language=(language or spec.language or "").split("-")[0].lower() or None,
        text_source=source,
        feed_name=spec.name,
        entry_key=entry.key,
        guid=entry.guid,
        tags=tuple(spec.tags),
    )


def without_site_noise(draft: ArticleDraft, noise: frozenset[int]) -> ArticleDraft:
    """The draft without the paragraphs its site repeats in its other articles (the site
    memory: storage/site_memory.py); never the whole body, which would then be lost."""
    if not noise:
        return draft
    kept = tuple(p for p in draft.paragraphs if paragraph_key(p) not in noise)
    if not kept or len(kept) == len(draft.paragraphs):
        return draft
    return replace(draft, paragraphs=kept)
