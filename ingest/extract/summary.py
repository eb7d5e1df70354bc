"""A summary box at the story's start ("Key takeaways", "TL;DR"), put back when dropped.

Guides and explainers open with a boxed list of the article's points under a short
label. Its markup is a card, a <details> or a highlighted <div>, which trafilatura often
takes for a widget and leaves out, though the author wrote it as part of the text. We
find the label, the list that follows it, and put both back in front of the paragraph the
page shows after the list, when none of the list's items is in the body yet.

Structure decides what is a box (a label standing alone, a list right after it, items
of a sentence's length); the label table is the phrase part, in the languages we see.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from ingest.core.html import PAGE_SKIP_TAGS
from ingest.core.text import clean_visible, comparison_key
from ingest.extract.headings import leading_text

_WORD = re.compile(r"\w")
# The label of a summary box, the whole of its line. "Summary" or "Highlights" alone also
# close articles; a box is put back only where the page shows prose after its list.
_LABEL = re.compile(
    r"^(?:key (?:take-?aways|points|findings|facts)|tl;?\s?dr|(?:article )?highlights|"
    r"at a glance|in (?:brief|short)|quick summary|summary|"
    r"das wichtigste(?: in kürze)?|auf einen blick|in kürze|"
    r"en bref|l'essentiel|les points clés|en resumen|lo (?:más importante|esencial)|"
    r"puntos clave|in breve|in sintesi|punti chiave|w skrócie|najważniejsze|"
    r"em resumo|pontos-chave)\s*:?$",
    re.IGNORECASE,
)
LABEL_MAX = 40  # characters: a label, not a sentence about one
# Elements that hold a label's text: headings, paragraphs, bold runs, a <details>'s
# summary. Iterating these (lxml picks them in C) costs a fraction of every element.
_LABEL_TAGS = ("h2", "h3", "h4", "h5", "h6", "p", "strong", "b", "summary", "dt")
WRAPPERS_CLIMBED = 4  # wrappers holding nothing but the label (<summary><h2><a><strong>)
SIBLINGS_LOOKED_AT = 3  # elements after the label searched for its list
MIN_ITEMS, MAX_ITEMS = 2, 12
ITEM_MIN_CHARS, ITEM_MAX_CHARS = 15, 600  # points are phrases or sentences, not labels
TEASER_LINK_SHARE = 0.5  # of an item's text, linked elsewhere: a teaser of another article
LIST_SHARE = 0.8  # of a sibling's text, in the list: a wrapper of the list, not of more
PROBE_CHARS = 40  # a body paragraph is recognised by its first characters
MIN_PROBE_CHARS = 20  # shorter lines (a date, a button) prove nothing
FOLLOWERS_LOOKED_AT = 30  # elements after the list searched for the next body paragraph
# The box opens the story: it comes before one of the body's first paragraphs. A list
# under "Highlights" further down is a box of other articles or a closing recap.
OPENING_BLOCKS = 12


def _label_element(el: HtmlElement, label: str) -> HtmlElement:
    """The outermost wrapper of `el` whose whole text is the label."""
    for _ in range(WRAPPERS_CLIMBED):
        parent = el.getparent()
        if parent is None or clean_visible(parent.text_content()) != label:
            break
        el = parent
    return el


def _box_list(label_el: HtmlElement) -> HtmlElement | None:
    """The <ul>/<ol> right after the label: a sibling, or the list a sibling wraps."""
    looked_at = 0
    for sibling in label_el.itersiblings():
        if not isinstance(sibling.tag, str) or sibling.tag in PAGE_SKIP_TAGS:
            continue
        text = clean_visible(sibling.text_content())
        if not _WORD.search(text):
            continue  # an empty spacer paragraph (a zero-width joiner in a <p>)
        looked_at += 1
        if looked_at > SIBLINGS_LOOKED_AT:
            return None
        if sibling.tag in ("ul", "ol"):
            return sibling
        inner = next(sibling.iter("ul", "ol"), None)
        if inner is not None and len(clean_visible(inner.text_content())) >= LIST_SHARE * len(text):
            return inner
        return None  # prose between the label and a list: not a box
    return None


def _link_share(li: HtmlElement, size: int) -> float:
    """Share of the item's text in links to other pages (in-page anchors do not count)."""
    linked = sum(
        len(clean_visible(a.text_content()))
        for a in li.iter("a")
        if not (a.get("href") or "").startswith("#")
    )
    return linked / size


def _items(lst: HtmlElement) -> list[str] | None:
    """The box's points, or None when the list is not a summary: too few or too many
    items, labels or paragraphs rather than points, or mostly links to other articles.
    A single teaser among the points (a promotion added to the box) is left out."""
    items: list[str] = []
    teasers = 0
    for li in lst.iterchildren("li"):
        item = clean_visible(li.text_content())
        if not item:
            continue
        if not ITEM_MIN_CHARS <= len(item) <= ITEM_MAX_CHARS:
            return None
        if _link_share(li, len(item)) > TEASER_LINK_SHARE:
            teasers += 1
            continue
        items.append(item)
    if teasers > 1 or not MIN_ITEMS <= len(items) <= MAX_ITEMS:
        return None
    return items


def _next_block(lst: HtmlElement, starts: dict[str, int]) -> int | None:
    """Index of the body paragraph that follows the list in the page."""
    for i, el in enumerate(lst.itersiblings()):
        if i >= FOLLOWERS_LOOKED_AT:
            break
        if not isinstance(el.tag, str):
            continue
        for node in el.iter():
            if not isinstance(node.tag, str) or node.tag in PAGE_SKIP_TAGS or not node.text:
                continue
            key = comparison_key(leading_text(node))
            hit = starts.get(key[:PROBE_CHARS]) if len(key) >= MIN_PROBE_CHARS else None
            if hit is not None:
                return hit
    parent = lst.getparent()
    return _next_block(parent, starts) if parent is not None and parent.tag != "body" else None


def _starts(blocks: list[tuple[str, str]]) -> dict[str, int]:
    starts: dict[str, int] = {}
    for i, (_, text) in enumerate(blocks):
        key = comparison_key(text)
        if len(key) >= MIN_PROBE_CHARS:
            starts.setdefault(key[:PROBE_CHARS], i)
    return starts


def restore_summary(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` with the page's summary box put back before the paragraph it precedes."""
    if not blocks:
        return blocks
    body = comparison_key(" ".join(text for _, text in blocks))
    lines = {comparison_key(text) for _, text in blocks}
    for el in tree.iter(_LABEL_TAGS):
        raw = el.text
        if not raw or len(raw) > 2 * LABEL_MAX:
            continue
        label = clean_visible(raw)
        if len(label) > LABEL_MAX or not _LABEL.match(label):
            continue
        label_el = _label_element(el, label)
        if clean_visible(label_el.text_content()) != label:
            continue  # the label's line holds more than the label
        lst = _box_list(label_el)
        items = _items(lst) if lst is not None else None
        if lst is None or items is None or any(comparison_key(i) in body for i in items):
            continue
        at = _next_block(lst, _starts(blocks))
        if at is None or at > OPENING_BLOCKS:
            continue  # no story after the list: a closing summary or a box elsewhere
        head = [] if comparison_key(label) in lines else [("head", label.rstrip(" :"))]
        return blocks[:at] + head + [("item", item) for item in items] + blocks[at:]
    return blocks
