"""A body trafilatura flattened into one paragraph, split again at the page's own blocks.

When trafilatura's own extraction fails it falls back to a baseline that returns the
whole text as a single paragraph: every subheading and paragraph boundary is lost. The
page still has them. We find the element that holds the text and walk it with the
page-HTML block walker, keeping only the paragraphs that are part of the flattened text
(so the split adds no chrome that trafilatura had left out).
"""

from __future__ import annotations

from lxml.html import HtmlElement

from ingest.core.text import comparison_key
from ingest.extract.blocks import html_blocks
from ingest.extract.intro import find_body_start

FLAT_MIN_CHARS = 1500  # a single paragraph this long is a flattened body, not a paragraph
MAX_FLAT_BLOCKS = 2  # so few paragraphs for so much text
COVER = 0.8  # the container must hold this share of the flattened text
CLIMB = 12  # ancestors tried above the element where the text starts
PROSE_LINE = 80  # characters: a paragraph of prose, not a label
PROSE_SHARE = 0.4  # of the split text, in paragraphs of prose


def resplit_flat_body(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` split at the page's paragraph boundaries when trafilatura flattened them."""
    total = sum(len(text) for _, text in blocks)
    if len(blocks) > MAX_FLAT_BLOCKS or total < FLAT_MIN_CHARS:
        return blocks
    flat = comparison_key(" ".join(text for _, text in blocks))
    start = find_body_start(tree, blocks[0][1])
    if start is None:
        return blocks
    container = start
    for _ in range(CLIMB):
        if len(comparison_key(container.text_content())) >= COVER * len(flat):
            break
        parent = container.getparent()
        if parent is None:
            return blocks
        container = parent
    else:
        return blocks
    split = [
        (kind, text)
        for kind, text in html_blocks(container)
        if (key := comparison_key(text)) and key in flat
    ]
    kept = sum(len(text) for _, text in split)
    if len(split) <= len(blocks) or kept < COVER * total:
        return blocks
    # Prose is most of an article; a split into logos, menus and labels means the flat
    # text was the whole page, and one paragraph of it is better than a hundred.
    prose = sum(len(text) for _, text in split if len(text) >= PROSE_LINE)
    if prose < PROSE_SHARE * kept:
        return blocks
    return [("head" if kind in _HEADINGS else "p", text) for kind, text in split]


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
