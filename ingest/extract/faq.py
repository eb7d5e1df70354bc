"""The article's FAQ, put back when trafilatura dropped it and the page shows it.

Guides end with questions and answers in an accordion, a card list or a <details>
group, which trafilatura often takes for a widget and drops whole. Publishers state the
same pairs in JSON-LD (schema.org Question / acceptedAnswer, for search engines): that
tells us the questions and answers, and the page's visible text tells us the reader sees
them. A pair is put back, after the story, only when both its question and its answer
are on the page outside scripts, and neither is in the body yet: JSON-LD alone can carry
questions the page never shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from ingest.core.text import clean_visible, comparison_key

PROBE_CHARS = 60  # an answer is recognised by its first characters
MAX_PAIRS = 20  # more is a help centre's index, not an article's FAQ
_LD_SCRIPTS = etree.XPath(
    "//script[translate(normalize-space(@type), 'JSON+LD', 'json+ld') = 'application/ld+json']"
)
_VISIBLE_TEXT = etree.XPath(
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript"
    " or ancestor::template)]"
)


def _walk(data: Any) -> Iterator[dict[str, Any]]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _plain(html: str) -> str:
    """An answer's text: JSON-LD answers often carry markup (<p>, <a>, <br>)."""
    if "<" not in html:
        return clean_visible(html)
    try:
        return clean_visible(lxml.html.fromstring(f"<div>{html}</div>").text_content())
    except (etree.ParserError, ValueError):
        return ""


def faq_pairs(tree: HtmlElement) -> list[tuple[str, str]]:
    """(question, answer) pairs the page states in JSON-LD, in order, without repeats."""
    pairs: dict[str, tuple[str, str]] = {}
    for script in _LD_SCRIPTS(tree):
        if not script.text or "Question" not in script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for item in _walk(data):
            kind = item.get("@type")
            if kind != "Question" and not (isinstance(kind, list) and "Question" in kind):
                continue
            answer = item.get("acceptedAnswer")
            if isinstance(answer, list):
                answer = answer[0] if answer else None
            if not isinstance(answer, dict) or not isinstance(item.get("name"), str):
                continue
            question, text = clean_visible(item["name"]), _plain(str(answer.get("text") or ""))
            if question and text:
                pairs.setdefault(comparison_key(question), (question, text))
    return list(pairs.values())


def restore_faq(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` with the page's visible FAQ pairs that are missing appended after them."""
    if not blocks:
        return blocks
    pairs = faq_pairs(tree)
    if not pairs or len(pairs) > MAX_PAIRS:
        return blocks
    body = comparison_key(" ".join(text for _, text in blocks))
    missing = [
        (q, a)
        for q, a in pairs
        if comparison_key(q) not in body and comparison_key(a)[:PROBE_CHARS] not in body
    ]
    if not missing:
        return blocks
    visible = comparison_key(" ".join(_VISIBLE_TEXT(tree)))
    shown = [
        (q, a)
        for q, a in missing
        if comparison_key(q) in visible and comparison_key(a)[:PROBE_CHARS] in visible
    ]
    return blocks + [block for q, a in shown for block in (("head", q), ("p", a))]
