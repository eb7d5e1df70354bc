"""Article page HTML -> clean structured content (PageContent).

trafilatura finds the main text; the modules of this package turn its XML body into
one-line paragraphs (blocks), take back an intro it dropped (intro), a "Key takeaways"
box (summary) and the FAQ the page shows (faq), drop the boilerplate (boilerplate) and
the author and promotion boxes (boxes) and the teaser cards under the story (teasers)
it lets through, read the page metadata we need
straight from the markup (meta) and flag "page not found" shells answering 200
(errorpage).

Pure and CPU-bound: no I/O, safe to run in a process pool. Never raises on bad input.
"""

from __future__ import annotations

import copy
import logging

import trafilatura
from lxml.etree import ElementDefaultClassLookup
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura.metadata import Document
from trafilatura.settings import Extractor
from trafilatura.utils import HTML_PARSER, load_html

from ingest.core.text import clean_visible as clean_text
from ingest.core.types import PageContent
from ingest.extract.blocks import body_blocks, refill_blank_cells
from ingest.extract.boilerplate import filter_blocks
from ingest.extract.boxes import drop_marked_boxes
from ingest.extract.chrome import (
    drop_card_labels,
    drop_credits,
    drop_placeholders,
    drop_slideshows,
    drop_widget_lines,
)
from ingest.extract.errorpage import is_error_shell
from ingest.extract.faq import restore_faq
from ingest.extract.head import strip_site_suffix, trim_head
from ingest.extract.headings import restore_headings
from ingest.extract.intro import recover_intro
from ingest.extract.lists import restore_lists
from ingest.extract.mend import (
    has_regions,
    place_streamed_parts,
    reopen_early_end,
    show_collapsed_panels,
    space_glued_heading_parts,
    streamed_swaps,
)
from ingest.extract.meta import (
    find_canonical,
    find_language,
    find_published,
    meta_map,
    page_headlines,
    page_info,
)
from ingest.extract.resplit import resplit_flat_body
from ingest.extract.summary import restore_summary
from ingest.extract.tail import cut_link_list, trim_tail
from ingest.extract.teasers import drop_teaser_cards

__all__ = ["EMPTY", "extract_page", "extract_text"]

# trafilatura logs every discarded page at WARNING; for us an empty body is a normal outcome.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)

EMPTY = PageContent(title=None, lead=None, paragraphs=())

# lxml.html hands every element to Python through its class lookup, a Python method
# (HtmlElementClassLookup.lookup) that picks FormElement, InputElement, ... by tag: over
# a million calls on 300 pages, about 5% of extraction CPU. Neither trafilatura nor we use
# those form classes, so the parser trafilatura's load_html uses (ours too) gets lxml's
# lookup in C, which makes every element a plain HtmlElement. The output is the same:
# both dev sets' per-page details are identical with and without it.
HTML_PARSER.set_element_class_lookup(
    ElementDefaultClassLookup(
        element=HtmlElement,
        comment=HtmlComment,
        pi=HtmlProcessingInstruction,
        entity=HtmlEntity,
    )
)


def extract_page(
    html: bytes | str, url: str | None, *, max_bytes: int = 5_000_000, guess_date: bool = True
) -> PageContent:
    """Extract title, lead, body paragraphs and metadata from one article page.

    `guess_date=False` skips htmldate's guess when the page's markup states no date (the
    caller has the feed's). Returns EMPTY (no paragraphs) for anything that cannot be
    parsed; never raises.
    """
    try:
        return _extract_page(html, url, max_bytes, guess_date)
    except Exception:  # noqa: BLE001 - junk input must never take down the worker pool
        return EMPTY


def extract_text(html: bytes | str, url: str | None) -> str | None:
    """The body as text, one paragraph per line, or None when there is no body.

    The page's date is not part of the answer, so its search is skipped (guess_date).
    """
    paragraphs = extract_page(html, url, guess_date=False).paragraphs
    return "\n".join(paragraphs) if paragraphs else None


def _cap(html: bytes | str, max_bytes: int) -> bytes | str:
    """Truncate to max_bytes before parsing, so a huge page costs bounded CPU and memory."""
    if isinstance(html, str):
        data = html.encode("utf-8", "surrogatepass")
        if len(data) <= max_bytes:
            return html
        return data[:max_bytes].decode("utf-8", "ignore")
    if isinstance(html, (bytes, bytearray, memoryview)):
        return bytes(html[:max_bytes])
    raise TypeError(f"html must be bytes or str, not {type(html).__name__}")


def _extract_page(
    html: bytes | str, url: str | None, max_bytes: int, guess_date: bool
) -> PageContent:
    html = _cap(html, max_bytes)
    if not html or not html.strip():
        return EMPTY
    tree = load_html(reopen_early_end(html))
    if tree is None:
        return EMPTY
    place_streamed_parts(tree, streamed_swaps(html))
    if has_regions(html):
        show_collapsed_panels(tree)
    space_glued_heading_parts(tree)
    doc = _main_text(tree, url)
    meta = meta_map(tree)
    info = page_info(tree)
    lead = clean_text(info.description) or None
    site_name = clean_text(meta.get("og:site_name") or info.sitename) or None
    headlines = page_headlines(tree, meta)
    if doc is not None and doc.body is not None:
        refill_blank_cells(tree, doc.body)
    blocks = filter_blocks(body_blocks(doc.body if doc is not None else None))
    resplit = resplit_flat_body(tree, blocks)
    if resplit is not blocks:  # filtered again only when split anew (most pages are not)
        blocks = filter_blocks(resplit)
    if blocks:
        blocks = filter_blocks(recover_intro(tree, blocks))
        blocks = drop_marked_boxes(tree, restore_headings(tree, restore_lists(tree, blocks)))
        blocks = cut_link_list(tree, trim_tail(trim_head(blocks, [info.title, *headlines])))
        blocks = drop_chrome(tree, blocks)
        blocks = restore_faq(tree, restore_summary(tree, blocks))
    paragraphs = tuple(text for _, text in blocks)
    title = strip_site_suffix(clean_text(info.title), site_name, headlines) or None
    return PageContent(
        title=title,
        lead=lead,
        paragraphs=paragraphs,
        published=find_published(tree, meta, url, guess=guess_date),
        language=find_language(tree, meta),
        canonical_url=find_canonical(tree, meta, url),
        site_name=site_name,
        is_error_page=is_error_shell(tree, title, paragraphs),
    )


def drop_chrome(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Widget labels, slideshows, template tokens, card labels and photo credits
    (chrome.py), then the teaser cards after the story (teasers.py)."""
    blocks = drop_slideshows(drop_placeholders(drop_widget_lines(tree, blocks)))
    return drop_teaser_cards(tree, drop_credits(tree, drop_card_labels(tree, blocks)))


# trafilatura's fallbacks (readability, jusText) and its comparison with them are a third
# of its time and change few results: its fast mode first, and the full comparison only
# for a body shorter than this (characters), where the fallbacks most often find more.
# Measured on devdata (both / snippet F1): full mode always 78.8% / 0.954, 11% slower
# than this, which gives 78.5% / 0.952 (1,000 to 2,000 give the same); fast mode only
# 78.1% / 0.947.
FULL_EXTRACTION_BELOW = 1000
# Fast mode sometimes settles on one block of a long article (the intro above a product
# list, the first section of a guide): its text is then a small part of the page's
# paragraph text, and the full comparison finds the rest. On the paragraphs set this
# sends 3.5% more pages to full mode and lifts their token F1 from about 0.4 to 0.9.
PARTIAL_SHARE = 0.25
# A body this long in at most two paragraphs is flattened (resplit.py's bounds).
FLAT_CHARS = 1500
FLAT_LINES = 2


def _paragraph_chars(tree: HtmlElement) -> int:
    """Characters of text in the page's <p> elements (whitespace runs count as one)."""
    return sum(len(" ".join(p.text_content().split())) for p in tree.iter("p"))


# trafilatura's settings for each mode, built once: building them reads its config file's
# values and formats today's date each time (0.2-0.5 ms, 1-2% of a page's extraction),
# and only the URL differs from page to page. The date (htmldate's upper bound) is not
# read: no metadata is asked of trafilatura (with_metadata stays False).
_OPTIONS = {
    (fast, recall): Extractor(output_format="python", fast=fast, recall=recall, comments=False)
    for fast, recall in ((True, False), (False, False), (False, True))
}


def _main_text(tree: HtmlElement, url: str | None) -> Document | None:
    """trafilatura's main text: fast mode, then full mode for a short, missing or
    partial body."""

    def run(fast: bool, recall: bool = False) -> Document | None:
        options = copy.copy(_OPTIONS[fast, recall])
        options.url = options.source = url
        # output_format="python" gives a Document (a dict only with as_dict=True)
        document: Document | None = trafilatura.bare_extraction(  # type: ignore[assignment]
            tree, url=url, options=options
        )
        return document

    doc = run(fast=True)
    if needs_full_mode((doc.text or "") if doc is not None else "", tree):
        doc = run(fast=False)
        # Both modes can discard a whole page (a body they judge too short or too
        # unsure of); its recall mode keeps more when unsure, which is better than no
        # body at all. Costs nothing on pages that have one.
        if doc is None or not doc.text:
            doc = run(fast=False, recall=True)
    return doc


def needs_full_mode(fast_text: str, tree: HtmlElement) -> bool:
    """Fast mode's body is missing, short, flattened into one or two paragraphs (its
    baseline fallback: full mode often finds the page's structure), or a small part of
    the page's paragraph text."""
    size = len(fast_text)
    if size < FULL_EXTRACTION_BELOW:
        return True
    if size >= FLAT_CHARS and fast_text.count("\n") < FLAT_LINES:
        return True
    return size < PARTIAL_SHARE * _paragraph_chars(tree)
