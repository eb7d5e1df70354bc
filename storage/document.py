"""The article text format, pure: render a document to text and parse it back.

    " date YYYY-MM Title cut to 80 characters ..."
    ""
    "Lead paragraph."
    ""
    "Body paragraph, one per line, subheadings included."

Line 1 is a space, `date`, a space, the publication month, a space and the title. Then
the lead and the body paragraphs, each on one line, separated by exactly one blank line;
no trailing newline, no empty paragraphs, no control characters, Unicode NFC. The format
does not mark the lead: a reader takes the first paragraph as the lead (a document
without a lead starts its body there). `render(parse(text)) == text` for every valid text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from ingest.core.text import clean_text

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_HEADER_RE = re.compile(r"^ date (\d{4}-\d{2}) (.+)$")
# C0/C1 controls, plus line/paragraph separators, which would break "one line each";
# zero-width space and BOM are invisible junk in extracted text. All become spaces.
ELLIPSIS = " ..."


class DocumentFormatError(ValueError):
    """The text is not a valid article document; the message says where."""


@dataclass(frozen=True)
class Document:
    month: str  # YYYY-MM, the publisher's local month
    title: str
    lead: str | None
    paragraphs: tuple[str, ...]

    @property
    def all_paragraphs(self) -> tuple[str, ...]:
        return ((self.lead,) if self.lead else ()) + self.paragraphs


class Stored(Protocol):
    """What a stored article row has of its document (the ORM's and storage.lite's)."""

    @property
    def month(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def lead(self) -> str | None: ...
    @property
    def paragraphs(self) -> tuple[str, ...]: ...


def of_stored(article: Stored) -> Document:
    return Document(article.month, article.title, article.lead, tuple(article.paragraphs))


def cut_title(title: str, max_chars: int) -> str:
    """At most `max_chars`, cut at a word boundary with " ..." appended (0: never cut)."""
    if max_chars <= 0 or len(title) <= max_chars:
        return title
    room = max_chars - len(ELLIPSIS)
    head = title[:room]
    if title[room] != " " and " " in head:
        head = head[: head.rfind(" ")]
    return head.rstrip() + ELLIPSIS


def render(doc: Document, title_max_chars: int = 80) -> str:
    if not _MONTH_RE.match(doc.month):
        raise DocumentFormatError(f"month must be YYYY-MM, got {doc.month!r}")
    title = cut_title(clean_text(doc.title), title_max_chars)
    if not title:
        raise DocumentFormatError("a document needs a title")
    paragraphs = [p for p in map(clean_text, doc.all_paragraphs) if p]
    return "\n\n".join([f" date {doc.month} {title}", *paragraphs])


def parse(text: str) -> Document:
    if text.endswith("\n"):
        raise DocumentFormatError("trailing newline at the end of the document")
    header, _, rest = text.partition("\n")
    match = _HEADER_RE.match(header)
    if not match or not _MONTH_RE.match(match[1]):
        raise DocumentFormatError(f"line 1 must be ' date YYYY-MM Title', got {header[:80]!r}")
    paragraphs: list[str] = []
    if rest:
        if not rest.startswith("\n"):
            raise DocumentFormatError("line 2 must be blank")
        for number, para in enumerate(rest[1:].split("\n\n"), start=1):
            if not para.strip() or para != clean_text(para):
                raise DocumentFormatError(
                    f"paragraph {number} is empty, spans lines or holds control characters"
                )
            paragraphs.append(para)
    lead = paragraphs[0] if paragraphs else None
    return Document(match[1], match[2], lead, tuple(paragraphs[1:]))
