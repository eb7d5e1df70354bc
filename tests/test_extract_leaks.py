"""Leaks of issue 13 that recur across sites: boilerplate the body keeps besides the head and
tail rules (ingest/extract/boxes.py, chrome.py, head.py, tail.py and the phrase tables),
on small hand-written pages and blocks in English, German, Spanish, French and Polish.
Each case comes with the text of the article that looks like it and must stay."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from ingest.extract.boxes import drop_marked_boxes

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


# --- a promotion box's own title ------------------------------------------------------------


def test_a_promotion_box_title_goes_with_the_box_a_repeated_subheading_stays() -> None:
    pitch_de = "Testen Sie unseren Planer dreißig Tage lang kostenlos."
    pitch_es = "Nuestro equipo le ayuda a planificar su mudanza sin coste."
    tree = _tree(
        f"<html><body><article><p>{PROSE_DE}</p>"
        f'<div class="block-cta"><h4>Bereit für den nächsten Schritt?</h4><p>{pitch_de}</p>'
        f'<a href="/try">Jetzt testen</a></div>'
        f"<h2>Acme Planer</h2><p>{PROSE_DE} Zwei.</p>"
        f'<aside class="elementor-cta"><h5>¿Listo para mudarse?</h5><p>{pitch_es}</p>'
        f'<a href="/try">Acme Planer</a></aside></article></body></html>'
    )
    blocks = [
        ("p", PROSE_DE), ("head", "Bereit für den nächsten Schritt?"), ("p", pitch_de),
        ("head", "Acme Planer"), ("p", PROSE_DE + " Zwei."),
        ("head", "¿Listo para mudarse?"), ("p", pitch_es),
    ]  # fmt: skip
    assert drop_marked_boxes(tree, blocks) == [
        ("p", PROSE_DE), ("head", "Acme Planer"), ("p", PROSE_DE + " Zwei."),
    ]  # fmt: skip


def test_a_heading_whose_anchor_names_a_promotion_is_no_box() -> None:
    # anchors made from the heading's words: "promo", "related" are its words, not a box
    tree = _tree(
        f'<html><body><article><h2 id="h-promo-codes-and-offers">Promo codes and offers</h2>'
        f"<p>{PROSE_DE}</p>"
        f'<h3 id="costes-related-al-viaje">Costes related al viaje</h3><p>{PROSE_ES}</p>'
        f"</article></body></html>"
    )
    blocks = [
        ("head", "Promo codes and offers"), ("p", PROSE_DE),
        ("head", "Costes related al viaje"), ("p", PROSE_ES),
    ]  # fmt: skip
    assert drop_marked_boxes(tree, blocks) == blocks
