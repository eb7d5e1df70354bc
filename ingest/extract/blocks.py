"""trafilatura's output tree -> (kind, text) paragraphs, and the page's own HTML blocks."""

from __future__ import annotations

import re

from lxml import etree
from trafilatura.utils import RE_FILTER as SHARE_WORDS  # what trafilatura blanks

from ingest.core.html import split_blocks
from ingest.core.text import clean_visible

# Elements of trafilatura's output tree that start a new paragraph. Everything else
# (hi, ref, del, span ...) is inline and flows into the surrounding paragraph.
BODY_BLOCK_TAGS = frozenset(
    {
        "p",
        "head",
        "list",
        "item",
        "quote",
        "table",
        "row",
        "code",
        "div",
        "graphic",
        "lb",
        "body",
        "doc",
        "main",
        "section",
        "article",
    }
)

# Block-level tags of the source HTML, for text taken from the page itself (the intro).
HTML_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "header",
        "table",
        "tr",
        "figure",
        "figcaption",
        "dd",
        "dt",
    }
)


# Paragraph-like elements of trafilatura's tree: a <code> inside one is inline code
# ("call <code>fetch()</code> first"), part of the sentence, not a code block of its own.
_RUNNING_TEXT = frozenset({"p", "item", "head", "cell"})


def body_blocks(body: etree._Element | None) -> list[tuple[str, str]]:
    """(kind, text) for each non-empty paragraph of a trafilatura body, in order."""
    if body is None:
        return []
    for code in body.iter("code"):
        parent = code.getparent()
        if parent is not None and parent.tag in _RUNNING_TEXT:
            code.tag = "hi"  # inline markup: flows into the surrounding paragraph
    number_ordered_items(body)
    join_hard_wraps(body)
    join_row_cells(body)
    return [
        (kind, strip_permalink(text))
        for kind, text in split_blocks(body, BODY_BLOCK_TAGS, clean=clean_visible)
    ]


# A paragraph typed with hard line breaks (an editor's or an e-mail's wrap at a fixed
# width) is one paragraph: its <br>s stand at every WRAP_MIN to WRAP_MAX characters, most
# of them inside a sentence. Verse, addresses and lists break shorter, or unevenly.
WRAP_BREAKS = 3  # so many <br> at least
WRAP_MIN = 40
WRAP_MAX = 100
WRAP_SPREAD = 35  # characters between the shortest and the longest wrapped line
_SENTENCE_END = re.compile(r"[.!?:;…\"”»)]\s*$")


def _wrapped_lines(p: etree._Element) -> list[str] | None:
    """The lines of a paragraph between its own <lb>s, or None when it has fewer
    than WRAP_BREAKS of them."""
    if sum(1 for child in p if child.tag == "lb") < WRAP_BREAKS:
        return None
    lines: list[str] = []
    current = p.text or ""
    for child in p:
        if child.tag == "lb":
            lines.append(current)
            current = child.tail or ""
        else:
            current += "".join(child.itertext()) + (child.tail or "")
    lines.append(current)
    return [" ".join(line.split()) for line in lines]


def is_hard_wrapped(lines: list[str]) -> bool:
    """Lines (the last one aside) of an even width within WRAP_MIN..WRAP_MAX, most of
    them ending inside a sentence."""
    wrapped = lines[:-1]
    widths = [len(line) for line in wrapped]
    if min(widths) < WRAP_MIN or max(widths) > WRAP_MAX or max(widths) - min(widths) > WRAP_SPREAD:
        return False
    return sum(not _SENTENCE_END.search(line) for line in wrapped) * 2 > len(wrapped)


def join_hard_wraps(body: etree._Element) -> None:
    """Drop the line breaks of hard-wrapped paragraphs, so each stays one paragraph."""
    for p in body.iter("p"):
        lines = _wrapped_lines(p)
        if lines is None or not is_hard_wrapped(lines):
            continue
        for lb in [child for child in p if child.tag == "lb"]:
            lb.tail = " " + (lb.tail or "")
        etree.strip_tags(p, "lb")


CELL_CHARS = 100  # a data cell: a name, a figure, a phrase; longer cells are prose


def _is_data_cell(cell: etree._Element) -> bool:
    """At most one <p> and no other block; short, and not closed like a sentence."""
    if sum(1 for node in cell.iter("p")) > 1 or any(
        node.tag in BODY_BLOCK_TAGS and node.tag != "p" for node in cell.iter()
    ):
        return False
    text = " ".join("".join(cell.itertext()).split())
    return len(text) <= CELL_CHARS and not text.endswith((".", "!", "?"))


def join_row_cells(body: etree._Element) -> None:
    """Keep a table row of data cells one paragraph when each cell wraps its text in a
    <p> (a row reads "CAPM PMI $225 to $300 3 hours"; a cell per line loses the row).
    A row with a sentence in a cell is prose laid out in a table (pros beside cons, a
    layout grid): its paragraphs stay apart, and so does a row of one cell (layout: a
    title bar, "3:59 PM" above the headline)."""
    for row in body.iter("row"):
        cells = [cell for cell in row if cell.tag == "cell"]
        if len(cells) < 2 or not all(_is_data_cell(cell) for cell in cells):
            continue
        for cell in cells:
            for p in cell.iter("p"):
                p.tag = "hi"  # inline: the cell's text flows into the row, spaced apart
                p.text = " " + (p.text or "")
                p.tail = " " + (p.tail or "")


def _cell_texts(row: etree._Element, tags: tuple[str, ...]) -> list[str]:
    return [clean_visible("".join(cell.itertext())) for cell in row if cell.tag in tags]


def refill_blank_cells(page: etree._Element, body: etree._Element) -> None:
    """Put back the text of table cells that trafilatura emptied. Its filter of share
    buttons blanks any text that is only a network's or a medium's name ("LinkedIn",
    "Email", "Print"); in a table that is data: the row's label ("LinkedIn $2.50"). A
    row of the body with blank cells takes back those words from the page's row whose
    other cells say the same, when there is one such row. Cells blanked for another
    reason (a product's picture and link in a comparison table) stay blank."""
    blank_rows = []
    for row in body.iter("row"):
        texts = _cell_texts(row, ("cell",))
        if "" in texts and any(texts):
            blank_rows.append((row, texts))
    if not blank_rows:
        return  # most pages: no lookup in the page at all
    page_rows = [_cell_texts(tr, ("td", "th")) for tr in page.iter("tr")]
    for row, texts in blank_rows:
        matches = [
            cells
            for cells in page_rows
            if len(cells) == len(texts)
            and all(not text or text == cell for text, cell in zip(texts, cells, strict=True))
        ]
        if len(matches) != 1:
            continue
        cells = [cell for cell in row if cell.tag == "cell"]
        for cell, text, found in zip(cells, texts, matches[0], strict=True):
            if not text and SHARE_WORDS.match(found):
                cell.text = found


_ITEM_BLOCKS = frozenset({"p", "head", "list", "quote", "table", "code", "lb"})
_NUMBERED = re.compile(r"^\s*(?:\d+|[a-zA-Z]|[ivxIVX]+)[.):]")


def _item_text_holder(item: etree._Element) -> etree._Element | None:
    """Where an item's number goes: the item, or the one <p> that is all of it (editors
    wrap each item's text in a paragraph); None for an item of several blocks."""
    blocks = [node for node in item.iterdescendants() if node.tag in _ITEM_BLOCKS]
    if not blocks:
        return item
    only = blocks[0]
    if (
        len(blocks) == 1
        and only.tag == "p"
        and only.getparent() is item
        and not (item.text or "").strip()
        and not (only.tail or "").strip()
        and len(item) == 1
    ):
        return only
    return None


def number_ordered_items(body: etree._Element) -> None:
    """Put the reader's numbers in front of the items of ordered lists ("1. Preheat the
    oven"): the browser draws them, the text refers to them ("step 3"), and a plain
    text loses them. Only lists of two or more one-paragraph items (the text may be
    wrapped in one <p>): an item holding a heading and its text is a section whose
    heading the page numbers its own way, and a list of one item is markup around a
    paragraph. Items that carry their own number keep it alone."""
    for lst in body.iter("list"):
        if lst.get("rend") != "ol":
            continue
        items = [child for child in lst if child.tag == "item"]
        holders = [h for h in map(_item_text_holder, items) if h is not None]
        if (
            len(items) < 2
            or len(holders) < len(items)
            or any(_NUMBERED.match("".join(item.itertext())) for item in items)
        ):
            continue
        for n, holder in enumerate(holders, 1):
            holder.text = f"{n}. {holder.text or ''}"


HEADING_CHARS = 150  # longer lines are prose, whatever they end with
# A heading's permalink anchor, rendered as text at its end: "Costs #", "Costs ¶", or
# the fragment glued on ("Costs#section2"). "C#" keeps its sign (nothing follows it), a
# URL its fragment ("/#14").
_PERMALINK = re.compile(r"(?:\s+[#¶§🔗]|(?<=[^\s/=])#[\w-]{2,})$")


def strip_permalink(text: str) -> str:
    """A short line without the permalink anchor a heading shows at its end."""
    if len(text) > HEADING_CHARS:
        return text
    return _PERMALINK.sub("", text) or text


def html_blocks(el: etree._Element) -> list[tuple[str, str]]:
    """(tag, text) for each non-empty paragraph of an element of the page's own HTML."""
    return split_blocks(el, HTML_BLOCK_TAGS, clean=clean_visible)
