"""Intro recovery.

Many templates put the article's intro ("lead", "chapo", "teaser-text", "standfirst") in a
header block next to, not inside, the body container, and trafilatura then drops it. We
take it back when it sits just before the body in the same article and is not already there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml.html import HtmlElement

from ingest.core.html import PAGE_SKIP_TAGS, class_and_id
from ingest.core.text import clean_visible as clean_text
from ingest.extract.blocks import html_blocks, strip_permalink
from ingest.extract.tail import is_author_bio

_INTRO_CLASS = re.compile(
    r"lead(?!ing)|intro|chapo|teaser|abstract|excerpt|standfirst|summary|deck|preface|subtitle|"
    r"vorspann|short-info|description",
    re.IGNORECASE,
)
# Containers of other articles' teasers, navigation and widgets: never an intro.
_NOT_INTRO_CLASS = re.compile(
    r"related|sidebar|widget|comment|carousel|recommend|slider|footer|nav|menu|more|list|"
    r"card|author|bio|caption|image|img|photo|media|video|gallery|newsletter|social|share|promo",
    re.IGNORECASE,
)
_INTRO_TAGS = frozenset({"p", "div", "h2", "h3", "section", "span", "strong"})
_NOT_INTRO_ANCESTORS = frozenset({"nav", "aside", "footer", "form", "figure", "li", "a", "script"})
_INTRO_MAX_DEPTH = 6  # how far up from the intro the body may start (same article block)


def _intro_candidates(tree: HtmlElement, stop: HtmlElement) -> Iterator[HtmlElement]:
    """Intro-like elements of `tree` that come before `stop` in document order.

    Only the intro's own containers can name it a widget: a container that also holds
    the body is the article's wrapper, whatever its class says ("frame-type-list",
    "wsmenucontainer"); so is a <form> (ASP.NET wraps whole pages in one). A figure,
    link or list item around the intro is not one, even around the body too: that is
    markup the parser mended after an unclosed tag.
    """
    # lxml hands out the same proxy for an element only while one is referenced: the
    # list keeps them alive, so their ids name these elements for the whole walk
    wrappers = list(stop.iterancestors())
    shared = {id(anc) for anc in wrappers}
    for el in tree.iter(*_INTRO_TAGS, stop.tag):
        if el is stop:
            return
        if el.tag not in _INTRO_TAGS:
            continue
        attrs = class_and_id(el)
        if not _INTRO_CLASS.search(attrs) or _NOT_INTRO_CLASS.search(attrs):
            continue
        if any(
            (anc.tag in _NOT_INTRO_ANCESTORS and (anc.tag != "form" or id(anc) not in shared))
            or (id(anc) not in shared and _NOT_INTRO_CLASS.search(class_and_id(anc)))
            for anc in el.iterancestors()
            if anc.tag not in ("html", "body")
        ):
            continue
        yield el


def find_body_start(tree: HtmlElement, first: str) -> HtmlElement | None:
    """The innermost element whose text starts with the body's first paragraph.

    Looks for the text node that begins the paragraph, then climbs to the element holding
    all of it; cheaper than calling text_content() on every element of a large page.
    """
    probe = first[:60]
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in PAGE_SKIP_TAGS:
            continue
        text = clean_text(el.text)
        if len(text) < 4 or not (probe.startswith(text) or text.startswith(probe)):
            continue
        for depth, anc in enumerate(el.iterancestors()):
            if clean_text(el.text_content()).startswith(probe):
                return el
            if depth >= 4:
                break
            el = anc
    return None


def _is_ancestor(anc: HtmlElement, el: HtmlElement) -> bool:
    return any(a is anc for a in el.iterancestors())


ANCHOR_CHARS = 80  # a paragraph this long is prose, not a kicker, stamp or breadcrumb
ANCHOR_SCAN = 8  # blocks looked at for it (head.py's HEAD_SCAN)


def _anchor(blocks: list[tuple[str, str]]) -> int:
    """Index of the block the intro must precede: the first paragraph of prose.

    The body often opens with the headline, a kicker, a breadcrumb or a stamp; such a
    line also stands in the page's <title> or a menu, where no intro is searched for."""
    for i, (kind, text) in enumerate(blocks[:ANCHOR_SCAN]):
        if kind != "head" and len(text) >= ANCHOR_CHARS:
            return i
    return 0


def recover_intro(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` with the intro found just before the body, and missing from it, put
    back before the body's first paragraph of prose."""
    if not blocks:
        return blocks
    at = _anchor(blocks)
    start = find_body_start(tree, blocks[at][1])
    if start is None:
        return blocks
    body_text = " ".join(text for _, text in blocks)
    scope = start
    for _ in range(_INTRO_MAX_DEPTH):
        if scope.getparent() is None:
            break
        scope = scope.getparent()
    # Only elements before the body's start: iterating stops there, instead of numbering
    # every element of the scope (a Python object each) to compare positions.
    for el in _intro_candidates(scope, stop=start):
        if _is_ancestor(el, start):
            continue
        # a heading's permalink sign ("Costs #") is not in the body's copy of it
        intro = [(k, t) for k, t in html_blocks(el) if strip_permalink(t) not in body_text]
        text_len = sum(len(t) for _, t in intro)
        if intro and is_author_bio(intro[0][1]):
            continue  # an author card's blurb ("excerpt", "summary") above the story
        if 40 <= text_len <= 1500:
            return blocks[:at] + [("p", t) for _, t in intro] + blocks[at:]
    return blocks
