"""Author boxes: the writer's name, role and biography, wherever the template puts them.

Templates mark the box in their markup (class or id "author", "author-bio", "byline",
"contributor"), and trafilatura keeps its lines when the box sits inside the article
container: above the story ("Jane Smith / Senior Editor / 867 Published Articles") or
after it ("Jane is a freelance writer based in ..."). The phrase rules of tail.py catch
biographies of one common shape; the markup catches them all, in any language.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from ingest.core.text import clean_visible, comparison_key
from ingest.extract.blocks import html_blocks

# A class or id naming an author box, as a whole word of it ("author-box", "c-byline",
# "post_author"): not "authority" or "biography-of-the-city".
_AUTHOR_CLASS = re.compile(
    r"(?:^|[\s_-])(?:author|authors|bio|byline|bylines|contributor|about-the-author)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Cheap candidates first (lxml tests the attributes in C), the word test in Python after.
_PIECES = " or ".join(
    f"contains(., '{piece}')" for piece in ("uthor", "bio", "yline", "ontributor")
)
_CANDIDATES = etree.XPath(f"//@class[{_PIECES}]/.. | //@id[{_PIECES}]/..")
BOX_MAX_CHARS = 2000  # a box holds a name, a role and a few sentences; more is a wrapper
PIECE_MAX_CHARS = 300  # an element's own line in the box: a name, a role, a sentence


def _boxes(tree: HtmlElement) -> list[HtmlElement]:
    """The page's author boxes, outermost only, each at most BOX_MAX_CHARS of text."""
    boxes: list[HtmlElement] = []
    for el in _CANDIDATES(tree):
        if el.tag in ("html", "body", "article", "main"):
            continue  # page-wide classes ("author-jane" on <body>) mark no box
        if not _AUTHOR_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            continue
        if boxes and any(anc is boxes[-1] for anc in el.iterancestors()):
            continue  # a part of the box before (its name, its photo)
        boxes.append(el)
    return boxes


def _box_lines(box: HtmlElement) -> set[str]:
    """Comparison keys of a box's lines, and of each of its elements' text: trafilatura
    may split at elements the block walker reads inline (<span>Jane Smith</span>
    <span>Senior Editor</span>)."""
    keys = {comparison_key(text) for _, text in html_blocks(box)}
    for part in box.iterdescendants():
        if isinstance(part.tag, str) and part.text:
            text = clean_visible(part.text_content())
            if len(text) <= PIECE_MAX_CHARS:
                keys.add(comparison_key(text))
    keys.discard("")
    return keys


def drop_author_boxes(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` without the lines that stand in an author box of the page."""
    boxes = _boxes(tree)
    if not boxes:
        return blocks
    block_keys = {comparison_key(text) for _, text in blocks}
    block_keys.discard("")
    keys: set[str] = set()
    for box in boxes:
        whole = clean_visible(box.text_content())
        if len(whole) > BOX_MAX_CHARS:
            continue
        # most boxes share no line with the body: look inside only when one might
        flat = comparison_key(whole)
        if any(key in flat for key in block_keys):
            keys |= _box_lines(box)
    if not keys:
        return blocks
    return [(kind, text) for kind, text in blocks if comparison_key(text) not in keys]
