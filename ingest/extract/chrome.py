"""Page chrome that trafilatura keeps as paragraphs: widget labels, slideshow captions,
template placeholders, data cards' field labels and photo credits.

Each rule reads structure, not wording, so it holds in any language:

- widget labels: the text of the page's controls (buttons, menus, dialogs, as the markup
  declares them with <button>, <select> or an ARIA widget role) is interface, not prose:
  a video player's "Chapters" and "subtitles off, selected", a modal's "Close";
- slideshows: a run of captions numbered against one total ("1/50 ...", "2/50 ...") is a
  photo gallery's legends embedded in the article, not its text;
- placeholders: a line that is only a template token ("[CTA_MODULE]", "{{ad_slot}}") is a
  module the page failed to render;
- card labels: a definition term repeated on three or more cards is a field's label;
- photo credits: the credit line of a caption ("Foto: dpa", "Jane Smith / Getty Images").

Not here, tried and dropped: the standfirst above the body (the page's description in a
header outside the body's container) and the closing notes set in italics (bios,
republication notes). Both leak on the paragraphs set, but devdata's truth counts both
as the article's text (German teasers, "Dieser Artikel baut auf ... auf"): each rule
cost it several pages of "both" (a required snippet lost).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from ingest.core.text import clean_visible, comparison_key

# ARIA roles of interactive widgets: their text labels controls (WAI-ARIA 1.2 widget and
# window roles). Not "link", "tab" or "tabpanel": links and tab panels carry content.
_WIDGET_ROLES = (
    "button", "menu", "menubar", "menuitem", "menuitemcheckbox", "menuitemradio",
    "dialog", "alertdialog", "tooltip", "toolbar", "listbox", "option", "slider",
    "switch", "progressbar", "spinbutton", "combobox",
)  # fmt: skip
_WIDGETS = etree.XPath(
    "//button | //select | //*[@role][contains(' "
    + " ".join(_WIDGET_ROLES)
    + " ', concat(' ', normalize-space(@role), ' '))]"
)
WIDGET_MAX_CHARS = 200  # a control's label; a dialog holding an article is no label
# An element with an ARIA dialog role can be a whole consent wall or a newsletter modal;
# its lines are widget text only when the dialog is short.
DIALOG_MAX_CHARS = 600

_TEXT_CONTAINING = etree.XPath("//body//text()[contains(normalize-space(.), $s)]")
PROBE_CHARS = 30  # the opening of a line searched for in the page's text nodes
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "title"})


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def _is_disclosure(el: HtmlElement) -> bool:
    """An accordion's or a tab's toggle: its label is the heading of the content it
    opens ("What does it cost?" above the answer), part of the text."""
    if el.get("aria-expanded") is not None or el.get("aria-controls") is not None:
        return True
    return any(part.tag in _HEADINGS for part in el.iterdescendants())


def _widgets(tree: HtmlElement) -> list[HtmlElement]:
    """The page's controls short enough to be labels (a long dialog is a wall of text)."""
    found = []
    for el in _WIDGETS(tree):
        if _is_disclosure(el):
            continue
        text = clean_visible(el.text_content())
        if text and len(text) <= DIALOG_MAX_CHARS:
            found.append(el)
    return found


def widget_keys(widgets: list[HtmlElement]) -> set[str]:
    """Comparison keys of the labels of the controls: the whole text of each, and of each
    of its elements (a menu's items, a dialog's lines)."""
    keys: set[str] = set()
    for el in widgets:
        whole = clean_visible(el.text_content())
        if len(whole) <= WIDGET_MAX_CHARS:
            keys.add(comparison_key(whole))
        for part in el.iterdescendants():
            if isinstance(part.tag, str) and part.text and part.text.strip():
                text = clean_visible(part.text_content())
                if len(text) <= WIDGET_MAX_CHARS:
                    keys.add(comparison_key(text))
    keys.discard("")
    return keys


def stands_outside(tree: HtmlElement, text: str, widgets: set[HtmlElement]) -> bool:
    """Whether the opening of `text` is also in a text node of the page outside every
    element of `widgets`: a table of contents' buttons and options repeat the
    subheadings, a product's box repeats the heading of its section."""
    for node in _text_nodes(tree, text):
        el = node.getparent()
        if el is None or el.tag in _NOT_TEXT:
            continue
        if el in widgets or any(anc in widgets for anc in el.iterancestors()):
            continue
        return True
    return False


def drop_widget_lines(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` without the lines that are only the label of a control of the page: a
    line that also stands in the text outside every control (a subheading that a table
    of contents' button repeats) stays."""
    widgets = _widgets(tree)
    if not widgets:
        return blocks
    keys = widget_keys(widgets)
    candidates = [comparison_key(text) in keys for _, text in blocks]
    if not any(candidates):
        return blocks
    inside = set(widgets)
    kept: list[tuple[str, str]] = []
    for (kind, text), candidate in zip(blocks, candidates, strict=True):
        if candidate and not stands_outside(tree, text, inside):
            continue
        kept.append((kind, text))
    return kept


# "3/50", "3 / 50", "3 of 50", "3 von 50", "3 de 50", "3 sur 50", "3 di 50", "3 z 50":
# a slide's number against the gallery's total, opening its caption.
_SLIDE_COUNTER = re.compile(
    r"^(\d{1,3})\s*(?:/|of|von|de|sur|di|z|van|av|af)\s*(\d{1,3})(?:\s|$)", re.IGNORECASE
)
SLIDE_RUN = 4  # numbered captions against one total: fewer could be a list of the text
SLIDE_TAIL_CHARS = 400  # after the last counter: its caption and a photo credit at most
CREDIT_MAX_CHARS = 60  # "Oli Scarff | Getty Images": the credit line under a caption


def _slide(text: str) -> tuple[int, int] | None:
    match = _SLIDE_COUNTER.match(text)
    if match is None:
        return None
    number, total = int(match[1]), int(match[2])
    return (number, total) if 1 <= number <= total else None


def drop_slideshows(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop photo galleries: SLIDE_RUN or more captions numbered "k/N" with one total N
    and rising k, everything between them, and the last slide's caption and credit."""
    slides = [(i, s) for i, (_, text) in enumerate(blocks) if (s := _slide(text)) is not None]
    drop: set[int] = set()
    run: list[int] = []

    def close(run: list[int]) -> None:
        if len(run) < SLIDE_RUN:
            return
        drop.update(range(run[0], run[-1] + 1))
        end = run[-1] + 1  # the last slide's caption, then its credit lines
        if end < len(blocks) and len(blocks[end][1]) <= SLIDE_TAIL_CHARS:
            drop.add(end)
            end += 1
            while end < len(blocks) and len(blocks[end][1]) <= CREDIT_MAX_CHARS:
                if blocks[end][1].endswith((".", "!", "?", ":")) or _slide(blocks[end][1]):
                    break
                drop.add(end)
                end += 1

    previous: tuple[int, int] | None = None
    for i, (number, total) in slides:
        if previous is not None and total == previous[1] and number > previous[0]:
            run.append(i)
        else:
            close(run)
            run = [i]
        previous = (number, total)
    close(run)
    return [block for i, block in enumerate(blocks) if i not in drop] if drop else blocks


# A template's unrendered token: "[CTA_MODULE]", "[AD]", "{{newsletter}}", "{% block %}",
# "[H4]" left before a heading's text. Upper case and underscores inside square
# brackets: a bracketed word of prose ("[sic]", "[1]") is lower case or a number.
_PLACEHOLDER = re.compile(
    r"^\[[A-Z][A-Z0-9_]*(?:[_-][A-Z0-9]+)*\]$|^\{\{[^{}]*\}\}$|^\{%[^{}]*%\}$|^\[H[1-6]\]\s"
)


def is_placeholder(text: str) -> bool:
    """A template token or a markup tag's name standing in the text."""
    return bool(_PLACEHOLDER.match(text))


def drop_placeholders(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` without template tokens; a heading's leaked "[H4]" prefix is cut off."""
    kept: list[tuple[str, str]] = []
    for kind, text in blocks:
        if is_placeholder(text):
            rest = re.sub(r"^\[H[1-6]\]\s+", "", text)
            if rest == text or not rest:
                continue
            text = rest
        kept.append((kind, text))
    return kept


def _text_nodes(tree: HtmlElement, text: str) -> list[Any]:
    """The text nodes of the page's body that hold the opening of `text` (whitespace
    runs count as one space)."""
    probe = " ".join(text.split())[:PROBE_CHARS]
    try:
        nodes: list[Any] = _TEXT_CONTAINING(tree, s=probe)
    except etree.XPathError:
        return []
    return nodes


CARD_LABEL_CHARS = 60  # a field's label ("Acceptance Rate", "Deposit required")
CARD_REPEATS = 3  # cards on the page that show the same label


def card_label_keys(tree: HtmlElement) -> set[str]:
    """Comparison keys of the definition terms (<dt>) that recur on CARD_REPEATS or more
    cards of the page: the field labels of a data card, each card a definition list."""
    counts: dict[str, int] = {}
    for dt in tree.iter("dt"):
        text = clean_visible(dt.text_content())
        if text and len(text) <= CARD_LABEL_CHARS:
            key = comparison_key(text)
            counts[key] = counts.get(key, 0) + 1
    return {key for key, count in counts.items() if count >= CARD_REPEATS and key}


def drop_card_labels(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the field labels of data cards: a definition term repeated on CARD_REPEATS or
    more cards ("Acceptance Rate", "Students Enrolled" over each school). trafilatura
    keeps the term and often loses its value (a figure in a styled element), leaving
    the label alone on its line; a lone label tells the reader nothing, and the values
    that survive differ from card to card and stay.
    """
    keys = card_label_keys(tree)
    if not keys:
        return blocks
    return [(kind, text) for kind, text in blocks if comparison_key(text) not in keys]


# A photo's credit line under its caption: a label in the languages we see, or a
# closing agency, then a name ("Photo: Jane Smith", "PhotoCreditJane Smith", "Foto: dpa",
# "Jane Smith / Getty Images").
_CREDIT_LINE = re.compile(
    r"^(?:photo ?credits?|image ?credits?|credits?|photos?|photograph(?:s|y)?|fotos?|"
    r"fotograf(?:ie|ía|ia)|bild(?:quelle)?|image|imagen|imagem|crédits?(?: photo)?|quelle|"
    r"fuente|source|courtesy(?: of)?|cortesía(?: de)?|©)(?:\s*[:.,©|/-]|\s|(?-i:[A-Z]))"
    r"|(?:/|\||©)\s*(?:getty images|ap|afp|reuters|dpa|epa|efe|ansa|shutterstock|istock"
    r"|alamy|imago|picture alliance)\s*$",
    re.IGNORECASE,
)
_CREDIT_CLASS = re.compile(
    r"(?:^|[\s_-])(?:credit|credits|copyright|courtesy|attribution|photographer|owner)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
CREDIT_MAX_LINE = 120  # a credit names a photographer and an agency, no more


def credit_keys(tree: HtmlElement) -> set[str]:
    """Comparison keys of the photo credits in the page's captions: a caption's part
    whose class names a credit, and a short caption or caption line shaped like one."""
    keys: set[str] = set()
    for caption in tree.iter("figcaption"):
        for el in (caption, *caption.iterdescendants()):
            if not isinstance(el.tag, str):
                continue
            text = clean_visible(el.text_content())
            if not text or len(text) > CREDIT_MAX_LINE:
                continue
            marked = _CREDIT_CLASS.search(f"{el.get('class') or ''} {el.get('id') or ''}")
            if marked or _CREDIT_LINE.search(text):
                keys.add(comparison_key(text))
    keys.discard("")
    return keys


def drop_credits(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`blocks` without the photo credits of the page's captions (the caption's text
    itself stays: it describes the picture)."""
    keys = credit_keys(tree)
    if not keys:
        return blocks
    return [(kind, text) for kind, text in blocks if comparison_key(text) not in keys]
