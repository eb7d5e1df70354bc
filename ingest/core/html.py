"""HTML to text and to paragraphs: the one block walker, shared by feeds, extraction and compose.

`split_blocks` linearises an element tree into (kind, text) paragraphs, where a paragraph
starts and ends at every element whose tag is in the given block set. Feed content (HTML
tags), page intros (HTML tags) and trafilatura's output tree (its own XML tags: p, head,
list, item, ...) all go through it, each with its own tag set.
"""

from __future__ import annotations

from collections.abc import Callable

import lxml.html
from lxml import etree

from ingest.core.boilerplate import strip_boilerplate
from ingest.core.text import clean_text

# Block elements whose text is a paragraph of its own when a feed's HTML is split.
FEED_BLOCK_TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt",
    "figcaption", "td", "th", "div", "section", "article", "header", "footer", "aside", "br",
})  # fmt: skip
# Elements whose own text is never content (their tail still is).
FEED_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "svg", "form", "button"}
)
PAGE_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button", "form"})
_TEXT_BLOCKS = FEED_BLOCK_TAGS - {"br"}
_BREAK = "\x00"  # paragraph separator while linearizing; Cc, so it cannot survive clean_text


def _linearize(
    el: etree._Element,
    out: list[str],
    kinds: list[str],
    kind: str,
    blocks: frozenset[str],
    skip: frozenset[str],
) -> None:
    """Depth-first text of `el` with _BREAK around block elements.

    `kinds` records, for each _BREAK-delimited chunk, the tag of the block it started in,
    so filters can treat headings and list items differently from running text.
    """
    tag = el.tag if isinstance(el.tag, str) else ""
    is_block = tag in blocks
    if is_block:
        out.append(_BREAK)
        kinds.append(tag)
        kind = tag
    if tag == "cell" and el.getprevious() is not None:
        out.append(" ")  # trafilatura table cells of one row share a paragraph, spaced apart
    if el.text and tag != "graphic" and tag not in skip:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in skip:
            _linearize(child, out, kinds, kind, blocks, skip)
            if child.tag in blocks:
                # text after a nested block belongs to the enclosing block again
                out.append(_BREAK)
                kinds.append(kind)
        if child.tail:
            out.append(child.tail)
    if is_block:
        out.append(_BREAK)
        kinds.append("")


def split_blocks(
    el: etree._Element,
    blocks: frozenset[str],
    skip: frozenset[str] = PAGE_SKIP_TAGS,
    clean: Callable[[str | None], str] = clean_text,
) -> list[tuple[str, str]]:
    """(kind, text) for each non-empty paragraph under `el`, in document order.

    kind is the tag of the block element the paragraph started in ("body" before any).
    """
    out: list[str] = []
    kinds: list[str] = []
    _linearize(el, out, kinds, "body", blocks, skip)
    chunks = "".join(out).split(_BREAK)
    # chunk i (i >= 1) was opened by the i-th _BREAK, whose kind is kinds[i - 1]
    result: list[tuple[str, str]] = []
    for i, chunk in enumerate(chunks):
        text = clean(chunk)
        if text:
            result.append((kinds[i - 1] if i else "body", text))
    return result


def class_and_id(el: etree._Element) -> str:
    """The class and id attributes as one string, for class-name heuristics."""
    return f"{el.get('class', '')} {el.get('id', '')}"


def _fragment(html: str) -> etree._Element | None:
    if not html or not html.strip():
        return None
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return None


def html_to_text(html: str | None) -> str:
    """Plain one-line text of an HTML fragment (or of plain text that contains no tags)."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return clean_text(html)
    root = _fragment(html)
    if root is None:
        return clean_text(html)
    for el in root.iter(*FEED_SKIP_TAGS):
        el.drop_tree()
    for el in root.iter("br", *_TEXT_BLOCKS):
        el.tail = " " + (el.tail or "")
    return clean_text(root.text_content())


def html_to_paragraphs(html: str | None) -> list[str]:
    """Paragraphs of a feed's full-content HTML: one per block element, headings included."""
    root = _fragment(html or "")
    if root is None:
        return []
    return [text for _, text in split_blocks(root, FEED_BLOCK_TAGS, FEED_SKIP_TAGS)]


def lead_from_summary(summary: str | None) -> str | None:
    """The feed description as a lead: HTML stripped, whitespace collapsed, tail cut."""
    text = strip_boilerplate(html_to_text(summary))
    return text or None
