"""Boxes the template marks in its markup: the author's, and the promotions' beside the text.

Templates name these boxes in their class or id ("author-bio", "c-byline", "contributor";
"newsletter-signup", "cta-banner", "promo", "related-posts", "affiliate-disclosure"), and
trafilatura keeps their lines when the box sits inside the article container: the
writer's name, role and biography above or after the story ("Jane Smith / Senior Editor /
867 Published Articles"), a sign-up form's pitch, a product's call to action between two
sections, a list of related articles, the outlet's disclosure. The phrase rules of tail.py and
of the boilerplate tables catch lines of a few common shapes; the markup catches them in
any wording and any language.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

from ingest.core.text import clean_visible, comparison_key
from ingest.extract.blocks import html_blocks
from ingest.extract.chrome import stands_outside

# A class or id naming a box, as a whole word of it ("author-box", "c-byline",
# "post_author", "cta-banner"): not "authority", "biography-of-the-city" or "octagon".
_AUTHOR_CLASS = re.compile(
    r"(?:^|[\s_-])(?:author|authors|bio|byline|bylines|contributor|about-the-author)(?:$|[\s_-])",
    re.IGNORECASE,
)
_PROMO_CLASS = re.compile(
    r"(?:^|[\s_-])(?:newsletter|subscribe|subscription|signup|sign-up|cta|promo|"
    r"related|relatedposts|recommended|disclaimer|disclosure)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
# A box holds a name, a role and a few sentences (an author), or a pitch and a button, a
# few teasers or a disclosure (a promotion); more text is a wrapper that happens to carry
# the word ("cta-article").
AUTHOR_BOX_MAX_CHARS = 2000
PROMO_BOX_MAX_CHARS = 1500
PIECE_MAX_CHARS = 300  # an element's own line in the box: a name, a role, a sentence

# Cheap candidates first (one regex search per class and id, these fragments of the
# words), the word test after. A walk over the elements in Python costs 60% of the XPath
# it replaces ("//@class[contains(., 'uthor') or ...]/.."), 1 ms a page on devdata.
_PIECES = re.compile(
    "|".join(
        (
            "uthor", "bio", "yline", "ontributor", "ewsletter", "ubscri", "ignup", "ign-up",
            "cta", "promo", "elated", "ecommend", "isclaimer", "isclosure",
        )
    )
)  # fmt: skip


def _candidates(tree: HtmlElement) -> list[HtmlElement]:
    """Elements whose class or id holds one of the _PIECES, in document order."""
    found: list[HtmlElement] = []
    search = _PIECES.search
    for el in tree.iter(etree.Element):  # elements only, not comments
        cls, id_ = el.get("class"), el.get("id")
        if (cls and search(cls)) or (id_ and search(id_)):
            found.append(el)
    return found


# Page-wide classes ("author-jane" on <body>) mark no box; nor does a heading, whose id is
# often its text's slug ("promo-codes-and-offers"), nor a stylesheet named for a box.
_NO_BOX = frozenset(
    {"html", "body", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "style", "link",
     "script"}
)  # fmt: skip


def _box_limit(el: HtmlElement) -> int:
    """The most text a box of `el`'s kind holds, or 0 when `el` marks no box."""
    attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
    if _AUTHOR_CLASS.search(attrs):
        return AUTHOR_BOX_MAX_CHARS
    if _PROMO_CLASS.search(attrs):
        return PROMO_BOX_MAX_CHARS
    return 0


def _boxes(tree: HtmlElement) -> list[tuple[HtmlElement, int]]:
    """The page's marked boxes, outermost only, with the most text each may hold."""
    boxes: list[tuple[HtmlElement, int]] = []
    for el in _candidates(tree):
        if el.tag in _NO_BOX:
            continue
        limit = _box_limit(el)
        if not limit:
            continue
        if boxes and any(anc is boxes[-1][0] for anc in el.iterancestors()):
            continue  # a part of the box before (its name, its photo)
        boxes.append((el, limit))
    return boxes


def _box_lines(box: HtmlElement) -> set[str]:
    """Comparison keys of a box's lines, and of each of its elements' text: trafilatura
    may split at elements the block walker reads inline (<span>Jane Smith</span>
    <span>Senior Editor</span>)."""
    keys = {comparison_key(text) for _, text in html_blocks(box)}
    for part in box.iterdescendants():
        if isinstance(part.tag, str) and part.text:
            text = clean_visible(part.text_content())
            if len(text) <= PIECE_MAX_CHARS:
                keys.add(comparison_key(text))
    keys.discard("")
    return keys


def drop_marked_boxes(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` without the lines that stand in an author or promotion box of the page.

    A subheading stays when the page also shows it outside the promotion boxes: the
    name of a product heads its section of the text and recurs in the box that sells
    it. A heading found only in such a box is the box's own ("Want to see it in
    action?", "Try it free"), and goes with it.
    """
    boxes = _boxes(tree)
    if not boxes:
        return blocks
    block_keys = {comparison_key(text) for _, text in blocks}
    block_keys.discard("")
    author: set[str] = set()
    promo: set[str] = set()
    promo_boxes: set[HtmlElement] = set()
    for box, limit in boxes:
        whole = clean_visible(box.text_content())
        if len(whole) > limit:
            continue
        # most boxes share no line with the body: look inside only when one might
        flat = comparison_key(whole)
        if any(key in flat for key in block_keys):
            (author if limit == AUTHOR_BOX_MAX_CHARS else promo).update(_box_lines(box))
            if limit != AUTHOR_BOX_MAX_CHARS:
                promo_boxes.add(box)
    if not author and not promo:
        return blocks
    kept: list[tuple[str, str]] = []
    for kind, text in blocks:
        key = comparison_key(text)
        if key in author:
            continue
        if key in promo and (kind != "head" or not stands_outside(tree, text, promo_boxes)):
            continue
        kept.append((kind, text))
    return kept
