"""Paragraph recall rules of ingest.extract (issue 13): body text lost, split or merged.

Each rule has its case here, on small hand-written pages or on trafilatura's XML body.
"""

from __future__ import annotations

from lxml import etree

from ingest.extract import extract_text
from ingest.extract.blocks import body_blocks
from ingest.extract.mend import reopen_early_end

PROSE_FR = [
    "Le conseil municipal a adopté mardi soir, après un long débat, un budget qui prévoit "
    "nettement plus d'argent pour les écoles, les pistes cyclables et les bus.",
    "L'opposition a surtout critiqué la hausse de la dette et mis en garde contre ses "
    "conséquences pour les générations futures, qui devront en porter la charge.",
    "Le maire a défendu le projet en rappelant la hausse des coûts de construction et les "
    "subventions de la région, accessibles seulement avec une part de la ville.",
]


def _body(xml: str) -> etree._Element:
    return etree.fromstring(f"<body>{xml}</body>")


def test_ordered_items_wrapping_their_text_in_a_paragraph_get_their_numbers() -> None:
    # editors wrap each item's text in a <p>: the item is still one paragraph
    body = _body(
        '<list rend="ol"><item><p>Ingeniería de contexto</p></item>'
        "<item><p>Salidas <hi>estructuradas</hi></p></item></list>"
    )
    assert [text for _, text in body_blocks(body)] == [
        "1. Ingeniería de contexto",
        "2. Salidas estructuradas",
    ]


def test_ordered_items_of_several_paragraphs_are_not_numbered() -> None:
    body = _body(
        '<list rend="ol"><item><p>Kontext</p><p>Erklärt, was das Modell sieht.</p></item>'
        "<item><p>Ausgaben</p></item></list>"
    )
    assert [text for _, text in body_blocks(body)] == [
        "Kontext",
        "Erklärt, was das Modell sieht.",
        "Ausgaben",
    ]


def _early_end_page(after_end: str) -> str:
    return (
        "<!DOCTYPE html><html lang='fr'><head><title>Budget adopté</title></head><body>"
        "<header><nav><a href='/'>Accueil</a> <a href='/politique'>Politique</a></nav></header>"
        "</body></html>\n" + after_end
    )


def test_an_article_after_a_premature_end_of_the_document_is_read() -> None:
    # a theme closes </body></html> after its header; browsers show what follows
    article = (
        "<div class='article'><h1>Budget adopté</h1>"
        + "".join(f"<p>{p}</p>" for p in PROSE_FR * 4)
        + "</div><footer>Mentions légales</footer>"
    )
    text = extract_text(_early_end_page(article), "https://example.org/budget") or ""
    assert all(p in text.split("\n") for p in PROSE_FR)


def test_a_short_comment_after_the_end_of_the_document_changes_nothing() -> None:
    page = _early_end_page("<!-- Performance optimized by a cache plugin -->")
    assert reopen_early_end(page) is page
    assert reopen_early_end(page.encode()) == page.encode()
