"""Per-feed extraction overrides (`extract:` in feeds.yaml), for the sites no generic rule
gets right, as Miniflux's scraper rules do: `drop` removes elements by CSS selector before
extraction, `body` keeps only the elements it selects as the page's body.

Applied to the page's HTML before extraction, so everything else (metadata in <head>,
the date, the title, the paragraph rules) works as for any page. A `body` that selects
nothing leaves the page whole: a redesigned site falls back to the generic rules instead
of storing nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector
from trafilatura.utils import decode_file

_UTF8 = lxml.html.HTMLParser(encoding="utf-8")


@cache
def selector(css: str) -> CSSSelector:
    """A compiled CSS selector; raises ValueError with the reason when it is not one."""
    try:
        return CSSSelector(css, translator="html")
    except Exception as exc:  # cssselect's SelectorSyntaxError, ExpressionError
        raise ValueError(f"not a CSS selector: {css!r} ({exc})") from None


def apply_overrides(html: bytes, body: str | None, drop: Sequence[str] = ()) -> bytes:
    """The page with `drop` elements removed and, when `body` selects anything, only
    those elements (in document order) left in its <body>."""
    if body is None and not drop:
        return html
    # Decoded as extraction decodes pages (trafilatura's detection), written back as UTF-8.
    text = decode_file(html)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=_UTF8)
    except (etree.ParserError, ValueError):
        return html
    for css in drop:
        for element in selector(css)(root):
            if element.getparent() is not None:
                element.drop_tree()
    if body is not None:
        chosen = _outermost(selector(body)(root))
        page_body = root.find("body")
        if chosen and page_body is not None:
            for child in list(page_body):
                page_body.remove(child)
            page_body.text = None
            article = etree.SubElement(page_body, "article")
            article.extend(chosen)
    for declared in root.xpath("//meta[@charset or @http-equiv]"):
        if declared.get("charset") or declared.get("http-equiv", "").lower() == "content-type":
            declared.drop_tree()
    head = root.find("head")
    if head is not None:
        head.insert(0, etree.Element("meta", charset="utf-8"))  # what tostring writes
    rewritten: bytes = lxml.html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")
    return rewritten


def _outermost(elements: list[etree._Element]) -> list[etree._Element]:
    """Selected elements without those nested in another selected one (kept once)."""
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]
