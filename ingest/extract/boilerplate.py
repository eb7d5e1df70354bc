"""Boilerplate paragraphs inside the article container: widget lines and related boxes.

The phrase tables are data in ingest/core/boilerplate.py (shared with the feeds' tail
cutter); this module holds the structural walk over a page's paragraphs.
"""

from __future__ import annotations

from collections import Counter

from ingest.core.boilerplate import is_boilerplate, is_date_line, is_related_heading
from ingest.core.text import comparison_key

MIN_STRUCTURE_REPEATS = 3
STRUCTURE_HEADING_MAX = 36  # characters: such headings are labels ("Pros", "Key features")


def _looks_like_teaser(kind: str, text: str) -> bool:
    """A linked headline: short and not closed like a sentence."""
    closed = text.endswith((".", ":", "“", '"'))
    return len(text) <= 160 and (kind in ("item", "head") or not closed)


NAV_RUN = 6  # so many one-to-three-word lines in a row, twice, are a menu, not the text
NAV_LINE_CHARS = 30
_NAV_KINDS = frozenset({"p", "body", "div", "lb"})


def _is_nav_line(kind: str, text: str) -> bool:
    return (
        kind in _NAV_KINDS
        and len(text) <= NAV_LINE_CHARS
        and len(text.split()) <= 3
        and not text.endswith((".", "!", "?", ":", ",", ";"))
    )


def drop_nav_runs(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop section menus: runs of NAV_RUN or more short label lines that recur on the page.

    A list the text makes (products, steps) is said once; a menu trafilatura kept comes
    as bare lines ("World News", "Cities", "Sports", ...) repeated for each page region.
    """
    runs: list[list[int]] = []
    current: list[int] = []
    for i, (kind, text) in enumerate(blocks):
        if _is_nav_line(kind, text):
            current.append(i)
            continue
        if len(current) >= NAV_RUN:
            runs.append(current)
        current = []
    if len(current) >= NAV_RUN:
        runs.append(current)
    if len(runs) < 2:
        return blocks
    signatures = Counter(tuple(blocks[i][1] for i in run[:NAV_RUN]) for run in runs)
    drop = {
        i for run in runs if signatures[tuple(blocks[i][1] for i in run[:NAV_RUN])] > 1 for i in run
    }
    return [block for i, block in enumerate(blocks) if i not in drop]


TEMPLATE_RUN = 6  # so many lines in a row made from one template are a link list
TEMPLATE_WORDS = 3  # the words every line of such a list opens with
TEMPLATE_LINE_MAX = 120  # characters: a link's title, not a sentence of the text


def _template_prefix(text: str) -> tuple[str, ...] | None:
    """The first TEMPLATE_WORDS words (casefolded) of a line that may be a templated
    link, or None for prose (long, or closed like a sentence)."""
    words = text.casefold().split()
    if len(text) > TEMPLATE_LINE_MAX or len(words) <= TEMPLATE_WORDS:
        return None
    if text.endswith((".", "!", "?", ":", ";")):
        return None
    return tuple(words[:TEMPLATE_WORDS])


def drop_templated_runs(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop lists of links generated from one template ("Average prices in Boston",
    "Average prices in Chicago", ... one per city, product or year).

    TEMPLATE_RUN or more short lines in a row that all open with the same TEMPLATE_WORDS
    words are the site's index pages listed under the story, not its text: a list the
    author writes varies its openings within a few items.
    """
    prefixes = [_template_prefix(text) for _, text in blocks]
    drop: set[int] = set()
    start = 0
    while start < len(blocks):
        end = start + 1
        if prefixes[start] is not None:
            while end < len(blocks) and prefixes[end] == prefixes[start]:
                end += 1
            if end - start >= TEMPLATE_RUN:
                drop.update(range(start, end))
        start = end
    return [block for i, block in enumerate(blocks) if i not in drop] if drop else blocks


COPY_RUN = 4  # so many earlier headings again in a row: a copy of the contents
# A stack of this many different earlier headings, in the article's order, is a copy of
# its contents even when the stack repeats itself (a sticky copy and an end-of-page copy
# in a row); product cards stack a few labels, in no order of the article's.
CONTENTS_DISTINCT = 8


def _is_contents_copy(keys: list[str], first: dict[str, int], start: int) -> bool:
    """Headings (comparison keys) all seen before index start, in the order of their
    first appearance, with at least CONTENTS_DISTINCT different ones."""
    order = [first[key] for key in dict.fromkeys(keys)]
    return (
        len(order) >= CONTENTS_DISTINCT
        and all(i < start for i in order)
        and all(a < b for a, b in zip(order, order[1:], strict=False))
    )


def drop_heading_copies(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop copies of the article's subheadings standing in a row after them.

    A sticky or end-of-page table of contents lists the subheadings again, as headings
    with nothing between them, each once, or the whole list twice in the article's order.
    Product cards also stack headings ("Name", "Pros & Cons", "Why we picked it"), but
    their labels recur within the stack in the cards' order.
    """
    first: dict[str, int] = {}
    repeat = [False] * len(blocks)
    for i, (kind, text) in enumerate(blocks):
        if kind == "head":
            key = comparison_key(text)
            repeat[i] = key in first
            first.setdefault(key, i)
    drop: set[int] = set()
    run: list[int] = []
    for i in range(len(blocks) + 1):
        if i < len(blocks) and blocks[i][0] == "head":
            run.append(i)
            continue
        copies = [j for j in run if repeat[j]]
        if len(copies) >= COPY_RUN:
            keys = [comparison_key(blocks[j][1]) for j in run]
            if len(set(keys)) == len(keys) or _is_contents_copy(keys, first, run[0]):
                drop.update(copies)
        run = []
    return [block for i, block in enumerate(blocks) if i not in drop] if drop else blocks


def filter_blocks(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop boilerplate paragraphs, menus, templated link lists and related-article boxes
    (heading + teaser titles)."""
    blocks = drop_templated_runs(drop_heading_copies(drop_nav_runs(blocks)))
    kept: list[tuple[str, str]] = []
    seen: set[str] = set()
    in_related = 0  # teaser titles still allowed to be skipped after a related heading
    # A subheading that recurs under every item ("Pros", "Key features") is the text's
    # structure; one seen twice is a summary box or a sticky copy of the real one.
    heading_count = Counter(text for kind, text in blocks if kind == "head")
    # A table of contents repeats the subheadings as lines above them: the later heading
    # is the text's, the earlier line is navigation.
    last_heading = {comparison_key(t): i for i, (k, t) in enumerate(blocks) if k == "head"}
    for i, (kind, text) in enumerate(blocks):
        if kind != "head" and last_heading.get(comparison_key(text), -1) > i:
            continue
        if in_related and _looks_like_teaser(kind, text):
            in_related -= 1
            continue
        in_related = 0
        if is_related_heading(text):
            in_related = 10
            continue
        # a table row of dates and figures ("1/1/2013 | +13.1%") is data, not a dateline
        if is_boilerplate(text) and not (kind == "row" and is_date_line(text)):
            continue
        # repeated captions/pull quotes; short repeats ("***", "Fazit") may be legitimate
        if (len(text) >= 20 or len(text.split()) >= 4) and not (
            kind == "head"
            and len(text) <= STRUCTURE_HEADING_MAX
            and heading_count[text] >= MIN_STRUCTURE_REPEATS
        ):
            if text in seen:
                continue
            seen.add(text)
        kept.append((kind, text))
    return kept
