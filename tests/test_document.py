"""The article text format: the golden sample round-trips byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.document import Document, DocumentFormatError, clean_text, cut_title, parse, render

FULL_TITLE = (
    'Vladimir Putin parla alle madri dei soldati in guerra: "Non credete a quello che vedete in tv"'
)


def test_golden_sample_round_trips(sample_text: str) -> None:
    doc = parse(sample_text)
    assert render(doc) == sample_text
    assert doc.month == "2022-11"
    assert doc.lead and doc.lead.startswith("Le madri dei soldati russi")
    assert "Previsto un incontro tra Russia e Kazakistan" in doc.paragraphs


def test_golden_title_cut(sample_text: str) -> None:
    doc = Document("2022-11", FULL_TITLE, None, ())
    assert render(doc) == sample_text.split("\n")[0]
    assert len(parse(sample_text).title) == 80


@pytest.mark.parametrize(
    "title, limit, expected",
    [
        ("short title", 80, "short title"),
        ("a" * 100, 80, "a" * 76 + " ..."),  # no space to cut at: hard cut
        ("word " * 30, 20, "word word word ..."),
        ("x" * 200, 0, "x" * 200),  # 0 = never cut
    ],
)
def test_cut_title(title: str, limit: int, expected: str) -> None:
    assert cut_title(title.strip(), limit) == expected


def test_render_cleans_paragraphs() -> None:
    doc = Document(
        "2024-01", " Tit\u00adle\x00 ", "Lead\nwith  newline", ("  ", "e\u0301", "a\x07b")
    )
    text = render(doc)
    assert text == " date 2024-01 Tit\u00adle\n\nLead with newline\n\n\u00e9\n\na b"
    assert not text.endswith("\n")


def test_without_lead_the_body_follows_the_date_line() -> None:
    text = render(Document("2024-01", "T", None, ("Body one.", "Body two.")))
    assert text == " date 2024-01 T\n\nBody one.\n\nBody two."


@pytest.mark.parametrize(
    "text",
    [
        " date 2024-01 T\n\nA\n",  # trailing newline
        "date 2024-01 T\n\nA",  # no leading space
        " date 2024-13 T\n\nA",  # bad month
        " date 2024-01 T\nA",  # no blank line
        " date 2024-01 T\n\nA\n\n\n\nB",  # empty paragraph
        " date 2024-01 T\n\nA\nB",  # paragraph spans lines
    ],
)
def test_parse_rejects_malformed(text: str) -> None:
    with pytest.raises(DocumentFormatError):
        parse(text)


paragraph = st.text(min_size=0, max_size=80)


@given(
    title=st.text(min_size=1, max_size=200).filter(lambda t: clean_text(t)),
    lead=st.none() | paragraph,
    body=st.lists(paragraph, max_size=6),
    year=st.integers(1990, 2100),
    month=st.integers(1, 12),
)
def test_any_rendered_document_parses_back(
    title: str, lead: str | None, body: list[str], year: int, month: int
) -> None:
    text = render(Document(f"{year:04d}-{month:02d}", title, lead, tuple(body)))
    doc = parse(text)
    assert render(doc) == text
    assert "\n\n\n" not in text and not text.endswith("\n")
    assert len(doc.title) <= 80
    assert all(p == clean_text(p) and p for p in doc.all_paragraphs)
