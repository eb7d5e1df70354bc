"""Leaks of the body found by structure (issue 13): lines of promotion boxes, on small
hand-written pages in English, German, Spanish and French, each with the case that must
stay."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from ingest.extract.boxes import drop_marked_boxes

PROSE_EN = (
    "The council approved the budget on Tuesday after a long debate, with more money for "
    "schools, bike lanes and buses than in any year before, the mayor said."
)
PROSE_DE = (
    "Der Stadtrat hat am Dienstag nach einer langen Debatte den Haushalt für das kommende "
    "Jahr beschlossen. Die Schulen bekommen mehr Geld als in jedem Jahr zuvor."
)
PROSE_ES = (
    "El ayuntamiento aprobó el martes el presupuesto del próximo año tras un largo debate, "
    "con más dinero para escuelas, carriles bici y autobuses que nunca."
)


def _tree(html: str) -> HtmlElement:
    return lxml.html.fromstring(html)


# --- promotion boxes: their own headings -----------------------------------------------------


def test_a_heading_only_a_promotion_box_shows_goes_with_the_box() -> None:
    tree = _tree(
        f"<html><body><article><p>{PROSE_EN}</p>"
        f'<div class="post-cta"><h4>Want to win more jobs with less effort?</h4>'
        f'<a href="/demo">Book a demo</a></div>'
        f"<p>{PROSE_DE}</p>"
        f'<div class="cta-block"><h4>¿Listo para ahorrar tiempo?</h4>'
        f"<p>Prueba la herramienta gratis.</p></div>"
        f"<p>{PROSE_ES}</p></article></body></html>"
    )
    blocks = [
        ("p", PROSE_EN), ("head", "Want to win more jobs with less effort?"),
        ("p", PROSE_DE), ("head", "¿Listo para ahorrar tiempo?"),
        ("p", "Prueba la herramienta gratis."), ("p", PROSE_ES),
    ]  # fmt: skip
    assert drop_marked_boxes(tree, blocks) == [("p", PROSE_EN), ("p", PROSE_DE), ("p", PROSE_ES)]


def test_a_heading_whose_slug_names_a_promotion_is_no_box() -> None:
    # a heading's id is its text's slug: "Promo codes", "verwandte Themen" are the text's
    tree = _tree(
        f"<html><body><article><p>{PROSE_EN}</p>"
        f'<h3 id="promo-codes-and-special-offers">Promo Codes and Special Offers</h3>'
        f"<p>{PROSE_EN} Two.</p>"
        f'<h2 id="related-deaths-among-adolescents">Wie sich die Zahlen verändert haben</h2>'
        f"<p>{PROSE_DE}</p></article></body></html>"
    )
    blocks = [
        ("p", PROSE_EN), ("head", "Promo Codes and Special Offers"), ("p", PROSE_EN + " Two."),
        ("head", "Wie sich die Zahlen verändert haben"), ("p", PROSE_DE),
    ]  # fmt: skip
    assert drop_marked_boxes(tree, blocks) == blocks
