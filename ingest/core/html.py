"""Text hygiene for what feeds give us: HTML to text, HTML to paragraphs, boilerplate.

Paragraph-level rules (NFC, controls, whitespace) are the document format's, so they
live in storage/document.py and are reused here.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ingest.core.text import clean_text

# Block elements whose text is a paragraph of its own when a feed's HTML is split.
_BLOCKS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dd", "dt",
    "figcaption", "td", "th", "div", "section", "article", "header", "footer", "aside",
}  # fmt: skip
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "form", "button"}
# Publisher boilerplate at the end of feed descriptions (WordPress, Blogger, Italian,
# German, French, Spanish news CMSs). Anchored at the end: only a tail is cut.
TAIL_WINDOW = 800  # longer than the longest tail a pattern below can match
MAX_TAIL_PASSES = 4  # tails come stacked, e.g. "[…] Read more The post … appeared first on …"
_TAIL_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\s*The (?:post|article) .{1,300}? (?:appeared|was published) first on .{1,200}?\.?$",
        r"\s*L'articolo .{1,300}? (?:proviene da|sembra essere il primo su) .{1,200}?\.?$",
        r"\s*Der Beitrag .{1,300}? erschien zuerst auf .{1,200}?\.?$",
        r"\s*(?:Continue|Keep) reading.{0,80}$",
        r"\s*(?:Read|Learn) (?:more|the (?:full|rest of the) (?:story|article)).{0,80}$",
        r"\s*(?:Continua(?:re)? a leggere|Leggi (?:tutto|di più|l'articolo)).{0,80}$",
        r"\s*(?:Weiterlesen|Mehr lesen|Lesen Sie (?:mehr|weiter)).{0,80}$",
        r"\s*(?:Lire la suite|Lire plus|Leer más|Seguir leyendo|Continuar leyendo).{0,80}$",
        r"\s*\[(?:…|\.\.\.|&hellip;)\]\s*$",
        r"\s*(?:…|\.\.\.)\s*(?:→|»|>>)\s*$",
    )
]


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
    for el in root.iter(*_DROP):
        el.drop_tree()
    for el in root.iter("br", *_BLOCKS):
        el.tail = " " + (el.tail or "")
    return clean_text(root.text_content())


def html_to_paragraphs(html: str | None) -> list[str]:
    """Paragraphs of a feed's full-content HTML: one per block element, headings included."""
    root = _fragment(html or "")
    if root is None:
        return []
    for el in root.iter(*_DROP):
        el.drop_tree()
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean_text("".join(buffer))
        if text:
            paragraphs.append(text)
        buffer.clear()

    def walk(el: etree._Element) -> None:
        block = isinstance(el.tag, str) and el.tag.lower() in _BLOCKS
        if block:
            flush()
        if el.tag == "br":
            flush()
        elif el.text:
            buffer.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        if el.tail:
            buffer.append(el.tail)

    walk(root)
    flush()
    return paragraphs


def strip_boilerplate(text: str) -> str:
    """Remove publisher tails ("The post ... appeared first on ...", "Read more", "[…]").

    Only the last TAIL_WINDOW characters are searched, a bounded number of times: the
    patterns are anchored at the end, and a hostile description made of thousands of
    "Read more" must not cost quadratic time.
    """
    head, tail = text[:-TAIL_WINDOW], text[-TAIL_WINDOW:]
    for _ in range(MAX_TAIL_PASSES):
        stripped = tail
        for pattern in _TAIL_BOILERPLATE:
            stripped = pattern.sub("", stripped).rstrip()
        if stripped == tail:
            break
        tail = stripped
    return (head + tail).rstrip()


def lead_from_summary(summary: str | None) -> str | None:
    """The feed description as a lead: HTML stripped, whitespace collapsed, tail cut."""
    text = strip_boilerplate(html_to_text(summary))
    return text or None
