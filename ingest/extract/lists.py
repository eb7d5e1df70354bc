"""Lists trafilatura dropped between two paragraphs it kept, put back in their place.

trafilatura sometimes leaves out a plain bulleted list in the middle of the text (the
items of an enumeration, "Imaging AI: ...", "Managing the data"), while it keeps the
sentence that announces the list and the paragraph after it. The page still has the
list there. A list is put back only where the body has the paragraph right before it
and the one right after it next to each other, and none of its items: then nothing
but the list stood between them. A subheading of the list that went with it
("<h3>Types</h3><ul>...") may stand between the paragraph before and the list: the list
comes back, and restore_headings then puts its heading back above it.
"""

from __future__ import annotations

import copy

from lxml.html import HtmlElement

from ingest.core.html import PAGE_SKIP_TAGS
from ingest.core.text import clean_visible, comparison_key
from ingest.extract.headings import HEADING_TAGS, MIN_PROBE_CHARS, PROBE_CHARS, leading_text

MIN_ITEMS, MAX_ITEMS = 2, 30
ITEM_MAX_CHARS = 1000
LINK_SHARE = 0.5  # of an item's text, linked elsewhere: a list of teasers or a menu
WRAPPERS_LEFT = 2  # a list ending (starting) its box: what follows (precedes) the box
_NOT_CONTENT = frozenset({"nav", "aside", "footer", "form", "header", "figure"})


def _probe(el: HtmlElement | None) -> str | None:
    if el is None or not isinstance(el.tag, str) or el.tag in PAGE_SKIP_TAGS:
        return None
    key = comparison_key(leading_text(el))
    return key[:PROBE_CHARS] if len(key) >= MIN_PROBE_CHARS else None


def _item_text(li: HtmlElement) -> str:
    """An item's text; a line break inside it ("<b>Term</b><br>Its definition") is a
    space, not the glue of two words."""
    if li.find(".//br") is None:
        return clean_visible(li.text_content())
    li = copy.deepcopy(li)  # the page's tree stays as it is
    for br in li.iter("br"):
        br.tail = " " + (br.tail or "")
    return clean_visible(li.text_content())


def _items(lst: HtmlElement) -> list[str] | None:
    items: list[str] = []
    for li in lst.iterchildren("li"):
        text = _item_text(li)
        if not text:
            continue
        linked = sum(len(clean_visible(a.text_content())) for a in li.iter("a"))
        if len(text) > ITEM_MAX_CHARS or linked > LINK_SHARE * len(text):
            return None
        items.append(text)
    return items if MIN_ITEMS <= len(items) <= MAX_ITEMS else None


def _after_list(lst: HtmlElement) -> str | None:
    """The probe of the text right after the list: past elements without text (a
    picture's box), and out of wrappers the list ends."""
    el = lst
    for _ in range(WRAPPERS_LEFT + 1):
        for sibling in el.itersiblings():
            probe = _probe(sibling)
            if probe is not None:
                return probe
            if not isinstance(sibling.tag, str) or sibling.tag in PAGE_SKIP_TAGS:
                continue
            if leading_text(sibling):
                return None  # a short line (a label, a date): no paragraph follows
        parent = el.getparent()
        if parent is None:
            return None
        el = parent
    return None


def _before_list(lst: HtmlElement, body: str) -> HtmlElement | None:
    """The element before the list, out of wrappers the list starts and past a
    subheading of the list that the body lacks."""
    el = lst
    before = el.getprevious()
    for _ in range(WRAPPERS_LEFT):
        if before is not None:
            break
        parent = el.getparent()
        if parent is None:
            return None
        el = parent
        before = el.getprevious()
    if before is not None and before.tag in HEADING_TAGS:
        key = comparison_key(clean_visible(before.text_content()))
        if key and key not in body:
            return before.getprevious()
    return before


def restore_lists(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` with the lists the page shows between two adjacent body paragraphs."""
    if len(blocks) < 2:
        return blocks
    starts: dict[str, int] = {}
    for i, (_, text) in enumerate(blocks):
        key = comparison_key(text)
        if len(key) >= MIN_PROBE_CHARS:
            starts.setdefault(key[:PROBE_CHARS], i)
    body = comparison_key(" ".join(text for _, text in blocks))
    inserts: dict[int, list[str]] = {}
    for lst in tree.iter("ul", "ol"):
        after = _after_list(lst)
        at = starts.get(after) if after is not None else None
        if not at or at in inserts:
            continue  # the cheap test first: most lists of a page are menus
        before = _probe(_before_list(lst, body))
        if before is None or starts.get(before) != at - 1:
            continue
        if any(anc.tag in _NOT_CONTENT or anc.tag in ("ul", "ol") for anc in lst.iterancestors()):
            continue
        items = _items(lst)
        if items is None or any(comparison_key(item) in body for item in items):
            continue
        inserts[at] = items
    if not inserts:
        return blocks
    result: list[tuple[str, str]] = []
    for i, block in enumerate(blocks):
        result.extend(("item", item) for item in inserts.get(i, ()))
        result.append(block)
    return result
