"""Teaser cards after the story: the grid of the site's other articles.

Under the article, templates lay out other articles as a grid of cards, one per article:
a linked title, a line of summary, a picture ("Breathing exercises can help you unwind").
trafilatura often keeps the summaries, which are sentences, and drops the linked titles,
so no phrase and no heading gives them away. The markup does: a card is one of CARD_GRID
or more sibling boxes of one tag and class, each short, each holding a link and less
than half of its text linked. List items are not cards (a list of links in the text is
the author's), nor is a column of links (a menu, resources under a heading).

Only the lines after the story's last paragraph of prose go, and only when no line of
the story stands in the same grid: a slideshow's slides are cards of the story itself.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

from ingest.core.text import clean_visible, comparison_key
from ingest.extract.blocks import html_blocks

CARD_GRID = 3
TEASER_CARD_CHARS = 500  # a title, a summary and a label; a section of the text is longer
TEASER_LINK_SHARE = 0.5  # of a card's text, linked: a title is; a summary is not
_CARD_TAGS = ("div", "article", "section")
# Parents of CARD_GRID or more children of a card's tag, found in C: a walk over every
# element in Python cost twice as much.
_GRID_PARENTS = etree.XPath(" | ".join(f"//{tag}[{CARD_GRID}]/.." for tag in _CARD_TAGS))
PROSE_CHARS = 200  # the story ends with its last paragraph this long (as in tail.py)
MIN_LINES = 2  # lines after the story: a grid of teasers leaves several there


def _is_teaser_card(card: HtmlElement) -> bool:
    """Short, and less than half of its text linked: a summary beside a linked title. A
    column of links (a menu, a list of resources under a heading) is not a teaser."""
    text = clean_visible(card.text_content())
    if not text or len(text) > TEASER_CARD_CHARS:
        return False
    linked = sum(len(clean_visible(a.text_content())) for a in card.iter("a"))
    return linked < TEASER_LINK_SHARE * len(text)


def teaser_grids(tree: HtmlElement) -> list[list[HtmlElement]]:
    """The page's grids of teaser cards: CARD_GRID or more sibling boxes of one tag and
    class, each a teaser card holding a link."""
    grids: list[list[HtmlElement]] = []
    for parent in _GRID_PARENTS(tree):
        groups: dict[tuple[str, str], list[HtmlElement]] = {}
        for child in parent.iterchildren(*_CARD_TAGS):
            groups.setdefault((child.tag, child.get("class") or ""), []).append(child)
        for cards in groups.values():
            if len(cards) >= CARD_GRID and all(
                any(a.get("href") for a in card.iter("a")) for card in cards
            ):
                if all(_is_teaser_card(card) for card in cards):
                    grids.append(cards)
    return grids


def _card_lines(card: HtmlElement) -> set[str]:
    """Comparison keys of a card's lines: each block of its text, and the text of each of
    its elements (a title in a link, a summary in a span)."""
    keys = {comparison_key(text) for _, text in html_blocks(card)}
    keys.update(
        comparison_key(clean_visible(part.text_content()))
        for part in card.iterdescendants(etree.Element)
    )
    keys.discard("")
    return keys


def drop_teaser_cards(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the lines after the story's last paragraph of prose that are lines of a grid
    of teaser cards. A grid that also holds a line of the story before that is the
    story's own layout (a slideshow's slides, each a short caption and a link)."""
    last = max((i for i, (_, t) in enumerate(blocks) if len(t) >= PROSE_CHARS), default=-1)
    if len(blocks) - 1 - last < MIN_LINES:
        return blocks  # the search of the page costs; a closing line alone is rarely a teaser
    grids = teaser_grids(tree)
    if not grids:
        return blocks
    story = {comparison_key(text) for _, text in blocks[: last + 1]}
    teasers: set[str] = set()
    for cards in grids:
        lines = set().union(*map(_card_lines, cards))
        if not lines & story:
            teasers |= lines
    if not teasers:
        return blocks
    tail = [block for block in blocks[last + 1 :] if comparison_key(block[1]) not in teasers]
    return blocks[: last + 1] + tail
