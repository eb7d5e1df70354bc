"""Subheadings trafilatura dropped, put back in front of the paragraph they head.

trafilatura leaves out headings it takes for titles of teasers (an <h3 class="...title">
in a card, a heading holding a link) even when the text under them is the article's, so
plain trafilatura keeps 85% of the subheadings on the paragraphs set. A heading of the
page is put back when the paragraph right after it in the page is in the body and the
heading is not: then it heads that paragraph.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml.html import HtmlElement

from ingest.core.boilerplate import is_boilerplate, is_related_heading, is_teaser
from ingest.core.text import clean_visible, comparison_key
from ingest.extract.blocks import strip_permalink

HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
_PASSED_OVER = frozenset(
    {"figure", "img", "picture", "script", "style", "noscript", "svg", "button", "aside"}
)
_NOT_CONTENT = frozenset({"figure", "figcaption", "aside", "nav", "footer", "form"})
# Table-of-contents headings: the list under them repeats the subheadings.
_TOC_WORDS = frozenset(
    "contents|table of contents|in this article|inhalt|inhaltsverzeichnis|contenido|índice|"
    "sommaire|indice|spis treści|conteúdo|目录|目次".split("|")
)
WIDGET_HEADING_MAX = 40  # characters: headings of widgets are short
HEADING_MAX_CHARS = 150  # longer "headings" are styled paragraphs
PROBE_CHARS = 40  # a paragraph is recognised by its first characters
MIN_PROBE_CHARS = 20  # shorter followers (a date, a button) prove nothing
SIBLINGS_LOOKED_AT = 3  # elements after the heading searched for its paragraph
WRAPPERS_CLIMBED = 3  # wrappers holding nothing but the heading
HEADERS_CLIMBED = 1  # <header> boxes around the heading and its labels
PROSE_CHARS = 200  # the story ends with its last paragraph this long


def _widget(text: str) -> bool:
    """A widget's heading ("Share this", "Newsletter"). The phrase tables are for short
    lines: on a longer heading a word like "subscription" is the article's topic."""
    return is_teaser(text) or (len(text) <= WIDGET_HEADING_MAX and is_boilerplate(text))


def leading_text(el: HtmlElement) -> str:
    """The first characters of `el`'s text, without building the text of a whole subtree.

    A heading's next sibling is often the container of the rest of the article.
    """
    parts: list[str] = []
    size = 0
    for piece in el.itertext():
        parts.append(piece)
        size += len(piece)
        if size >= 3 * PROBE_CHARS:  # room for the spaces and punctuation the key drops
            break
    return clean_visible("".join(parts))


def _followers(heading: HtmlElement, text: str) -> Iterator[str]:
    """Starts of the substantial texts after `heading`, nearest first.

    When the heading is the only text of its wrappers (<div class="title"><h3>), the
    search starts after the outermost such wrapper. A card's header holds the heading
    and a line of labels or links ("Korean · Asiatown · instagram.com"): when nothing
    after the heading inside it is the body, the search goes on after the header.
    """
    el = heading
    for _ in range(WRAPPERS_CLIMBED):
        parent = el.getparent()
        if parent is None or clean_visible(parent.text_content()) != text:
            break
        el = parent
    for level in range(HEADERS_CLIMBED + 1):
        for i, sibling in enumerate(el.itersiblings()):
            if i >= SIBLINGS_LOOKED_AT or not isinstance(sibling.tag, str):
                break
            if sibling.tag in HEADING_TAGS:
                return  # a heading of headings (a list of titles): nothing to head
            if sibling.tag in _PASSED_OVER:
                continue  # a picture or a script between the heading and its paragraph
            follower = leading_text(sibling)
            # compared without spaces and punctuation: the page's "<td>City</td><td>State"
            # is "City State" in the body, and "<a>Rat</a>haus" is "Rathaus"
            key = comparison_key(follower)
            if len(key) >= MIN_PROBE_CHARS:
                yield key[:PROBE_CHARS]
                if level == 0 and i == 0:
                    break  # the nearest text decides, unless the heading's box is a header
        parent = el.getparent()
        if level == HEADERS_CLIMBED or parent is None or parent.tag != "header":
            return
        el = parent


def restore_headings(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` with the page's missing subheadings inserted before their paragraphs."""
    if len(blocks) < 2:
        return blocks
    texts = {comparison_key(text) for _, text in blocks}  # "Heading 🔗" is "Heading"
    starts: dict[str, int] = {}
    for i, (_, text) in enumerate(blocks):
        key = comparison_key(text)
        if len(key) >= MIN_PROBE_CHARS:
            starts.setdefault(key[:PROBE_CHARS], i)
    # Only inside the story: after its last long paragraph come the boxes of other
    # articles, whose headlines head their own teaser lines.
    last_prose = max((i for i, (_, t) in enumerate(blocks) if len(t) >= PROSE_CHARS), default=-1)
    inserts: dict[int, str] = {}
    for heading in tree.iter(*HEADING_TAGS):
        text = strip_permalink(clean_visible(heading.text_content()))
        if not text or len(text) > HEADING_MAX_CHARS or comparison_key(text) in texts:
            continue
        if is_related_heading(text) or text.casefold() in _TOC_WORDS or _widget(text):
            continue
        if text.endswith(".") or any(a.tag in _NOT_CONTENT for a in heading.iterancestors()):
            continue  # a caption set as a heading, a box beside the story
        at = next((starts[p] for p in _followers(heading, text) if p in starts), None)
        if at is None or at > last_prose or at in inserts:
            continue
        inserts[at] = text
        texts.add(
            comparison_key(text)
        )  # a heading the page repeats (sticky or mobile copy) goes back once
    if not inserts:
        return blocks
    result: list[tuple[str, str]] = []
    for i, block in enumerate(blocks):
        if i in inserts:
            result.append(("head", inserts[i]))
        result.append(block)
    return result
