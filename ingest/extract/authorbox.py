"""Author boxes: the writer's name, role and biography, wherever the template puts them.

Templates mark the box in their markup (class or id "author", "author-bio", "byline",
"contributor"), and trafilatura keeps its lines when the box sits inside the article
container: above the story ("Jane Smith / Senior Editor / 867 Published Articles") or
after it ("Jane is a freelance writer based in ..."). The phrase rules of tail.py catch
biographies of one common shape; the markup catches them all, in any language.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from ingest.core.text import clean_visible, comparison_key
from ingest.extract.blocks import html_blocks

# A class or id naming an author box, as a whole word of it ("author-box", "c-byline",
# "post_author"): not "authority" or "biography-of-the-city".
_AUTHOR_CLASS = re.compile(
    r"(?:^|[\s_-])(?:author|authors|bio|byline|bylines|contributor|about-the-author)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Cheap candidates first (lxml's contains() runs in C), the word test in Python after.
_CANDIDATES = (
    "//*[contains(@class, 'uthor') or contains(@class, 'bio') or contains(@class, 'yline')"
    " or contains(@class, 'ontributor') or contains(@id, 'uthor') or contains(@id, 'bio')"
    " or contains(@id, 'yline')]"
)
BOX_MAX_CHARS = 2000  # a box holds a name, a role and a few sentences; more is a wrapper
PIECE_MAX_CHARS = 300  # an element's own line in the box: a name, a role, a sentence


def author_box_lines(tree: HtmlElement) -> set[str]:
    """Comparison keys of the lines of the page's author boxes."""
    keys: set[str] = set()
    for el in tree.xpath(_CANDIDATES):
        if el.tag in ("html", "body", "article", "main"):
            continue  # page-wide classes ("author-jane" on <body>) mark no box
        if not _AUTHOR_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            continue
        lines = html_blocks(el)
        if sum(len(text) for _, text in lines) > BOX_MAX_CHARS:
            continue
        keys.update(comparison_key(text) for _, text in lines)
        # and each element's text: trafilatura may split at elements the block walker
        # reads inline ("<span>Jane Smith</span><span>Senior Editor</span>")
        for part in el.iterdescendants():
            if isinstance(part.tag, str) and part.text:
                text = clean_visible(part.text_content())
                if len(text) <= PIECE_MAX_CHARS:
                    keys.add(comparison_key(text))
    keys.discard("")
    return keys


def drop_author_boxes(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` without the lines that stand in an author box of the page."""
    keys = author_box_lines(tree)
    if not keys:
        return blocks
    return [(kind, text) for kind, text in blocks if comparison_key(text) not in keys]
