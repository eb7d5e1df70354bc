"""Markup mended around parsing, the way browsers read it.

A template that prints the page's closing `</body></html>` before the article (a theme
that closes its header as if it were the whole page) leaves the story after the end of
the document. Browsers show it: HTML's parsing rules put content after `</html>` back
into the body. libxml2 drops it, and the article with it. The stray closing tags are
taken out when substantial markup follows the first `</html>`.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

# Markup after the end of the document this long is content, not the comment a cache
# plugin signs pages with or a tracking script (a few hundred bytes).
AFTER_END_BYTES = 2000
_END = re.compile(r"</html\s*>", re.IGNORECASE)
_END_BYTES = re.compile(rb"</html\s*>", re.IGNORECASE)
_CLOSERS = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_CLOSERS_BYTES = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)


def reopen_early_end(html: bytes | str) -> bytes | str:
    """`html` without its closing body and html tags when content follows them."""
    if isinstance(html, str):
        end = _END.search(html)
        if end is None or len(html) - end.end() < AFTER_END_BYTES:
            return html
        return _CLOSERS.sub("", html)
    end_b = _END_BYTES.search(html)
    if end_b is None or len(html) - end_b.end() < AFTER_END_BYTES:
        return html
    return _CLOSERS_BYTES.sub(b"", html)


# React's streamed rendering: the server sends a placeholder <template id="B:0"> where a
# part of the page goes, then the part itself in <div hidden id="S:0">, and a script call
# $RC("B:0","S:0") that moves it into place. A browser shows the article there; without
# the script the part stays at the end of the document, outside the article's container,
# and goes with the page's chrome.
_STREAMED = re.compile(r'\$RC\("(B:[\w-]+)","(S:[\w-]+)"\)')
_STREAMED_BYTES = re.compile(rb'\$RC\("(B:[\w-]+)","(S:[\w-]+)"\)')
FALLBACK_CHARS = 40  # a "Loading..." line or an empty skeleton; longer text is content


def streamed_swaps(html: bytes | str) -> list[tuple[str, str]]:
    """(placeholder id, part id) for each part the page's scripts move into place."""
    if isinstance(html, str):
        return _STREAMED.findall(html) if "$RC(" in html else []
    if b"$RC(" not in html:
        return []
    return [(b.decode(), s.decode()) for b, s in _STREAMED_BYTES.findall(html)]


def place_streamed_parts(tree: HtmlElement, swaps: list[tuple[str, str]]) -> None:
    """Move each streamed part to its placeholder, replacing the fallback shown there."""
    if not swaps:
        return
    by_id = {el.get("id"): el for el in tree.iter("template", "div") if el.get("id")}
    for hole_id, part_id in swaps:
        hole, part = by_id.get(hole_id), by_id.get(part_id)
        parent = hole.getparent() if hole is not None else None
        if hole is None or part is None or parent is None or part.get("hidden") is None:
            continue
        at = parent.index(hole)
        for offset, child in enumerate(list(part)):
            parent.insert(at + offset, child)
        for node in _fallback(hole):
            node.drop_tree()
        hole.drop_tree()
        if part.getparent() is not None:
            part.drop_tree()


def _fallback(hole: HtmlElement) -> list[HtmlElement]:
    """What is shown in the placeholder's stead: the element right after it, when that
    is a spinner or a short "Loading..." line. (React closes the fallback with a comment,
    but the parser drops comments.)"""
    fallback = hole.getnext()
    if fallback is None or not isinstance(fallback.tag, str):
        return []
    if len(" ".join(fallback.text_content().split())) > FALLBACK_CHARS:
        return []
    return [fallback]


def has_regions(html: bytes | str) -> bool:
    """Whether the page may have accordion panels: a scan of the bytes is cheaper than
    a search of the tree (most pages have none)."""
    if isinstance(html, str):
        return "region" in html
    return b"region" in html


def show_collapsed_panels(tree: HtmlElement) -> None:
    """Show the panels of accordions: a region labelled by its header button and hidden
    by style until the reader opens it (the WAI-ARIA accordion pattern). The text is the
    article's, folded for length; trafilatura drops whatever is styled hidden. Dialogs
    and tab panels stay as they are: a modal or an alternative view is not the text."""
    for panel in tree.xpath("//*[@role='region'][@aria-labelledby][contains(@style, 'none')]"):
        style = panel.get("style", "")
        shown = _HIDDEN_STYLE.sub("", style)
        if shown != style:
            panel.set("style", shown)


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none\s*;?", re.IGNORECASE)


# A heading built of inline parts that the stylesheet sets on lines of their own
# ("<a>Artist</a><em>Album</em><span>Label</span>") reads "ArtistAlbumLabel" once the
# markup is gone. Where one part ends in a lower-case letter or a digit and the next,
# an element of its own, starts with a capital, the browser shows two words: a space
# keeps them apart. A part ending in a capital ("<b>M</b>anchester", a drop cap) or
# followed by lower case ("<a>Rat</a>haus") is one word.
_GLUED_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _last_char(el: HtmlElement) -> str:
    for text in reversed(list(el.itertext())):
        if text:
            return str(text[-1])
    return ""


def _first_char(el: HtmlElement) -> str:
    for text in el.itertext():
        if text:
            return str(text[0])
    return ""


def space_glued_heading_parts(tree: HtmlElement) -> None:
    """Put a space between the inline parts of a heading that touch, as above."""
    for heading in tree.iter(*_GLUED_HEADINGS):
        for el in heading.iterdescendants():
            following = el.getnext()
            if el.tail or following is None or not isinstance(following.tag, str):
                continue
            end, start = _last_char(el), _first_char(following)
            if (end.islower() or end.isdigit()) and start.isupper():
                el.tail = " "
