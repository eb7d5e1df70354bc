"""Leaks of the body found by structure (issue 13): lines of promotion boxes, teaser
cards after the story, on small hand-written pages in English, German, Spanish and
French, each with the case that must stay."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from ingest.extract.boxes import drop_marked_boxes
from ingest.extract.teasers import drop_teaser_cards

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


# --- teaser cards after the story -------------------------------------------------------------

TEASERS_FR = (
    "La marche en pleine conscience aide à calmer le stress du quotidien",
    "Dormir mieux grâce à une routine simple avant le coucher",
    "Les bienfaits de la respiration profonde pour le cœur",
)
TEASERS_EN = (
    "Breathing, exercise and mindfulness can help you unwind after work",
    "Different yoga poses may help you feel more balanced",
    "Sounds of nature might cancel out disruptive noises",
)


LONG_EN = PROSE_EN + " " + PROSE_EN  # a paragraph of prose: the story's last one


def _grid(card_class: str, summaries: tuple[str, ...], tag: str = "div") -> str:
    return "".join(
        f'<{tag} class="{card_class}"><a href="/article-{n}">Article {n}</a>'
        f"<p>{summary}</p></{tag}>"
        for n, summary in enumerate(summaries)
    )


def test_the_summaries_of_teaser_cards_under_the_story_are_dropped() -> None:
    tree = _tree(
        f"<html><body><article><p>{PROSE_ES}</p><p>{LONG_EN}</p></article>"
        f'<section><div class="grid">{_grid("card", TEASERS_EN)}</div>'
        f'<div class="grid">{_grid("teaser teaser--small", TEASERS_FR, "article")}</div>'
        f"</section></body></html>"
    )
    blocks = [("p", PROSE_ES), ("p", LONG_EN)] + [("p", t) for t in TEASERS_EN + TEASERS_FR]
    assert drop_teaser_cards(tree, blocks) == [("p", PROSE_ES), ("p", LONG_EN)]


def test_slides_of_the_story_lists_of_links_and_lines_above_the_end_stay() -> None:
    # the story's own slides: the first card holds the story's paragraph of prose
    slides = _grid("slide", (LONG_EN, *TEASERS_FR[:2]))
    # a column of links under a heading is no teaser; nor are a list's items
    links = "".join(
        '<div class="col"><h3>Städte</h3><a href="/a">Berlin</a> <a href="/b">Köln</a></div>'
        for _ in range(3)
    )
    items = "".join(f'<li><a href="/x">Mehr</a><p>{t}</p></li>' for t in TEASERS_EN)
    tree = _tree(
        f"<html><body><article><p>{PROSE_DE}</p>{slides}</article>{links}<ul>{items}</ul>"
        f'<div class="grid">{_grid("card", TEASERS_EN[:1] + TEASERS_FR[2:] * 2)}</div>'
        f"</body></html>"
    )
    story = [("p", PROSE_DE), ("p", LONG_EN), ("p", TEASERS_FR[0]), ("p", TEASERS_FR[1])]
    tail = [("p", "Städte"), ("item", TEASERS_EN[1])]
    assert drop_teaser_cards(tree, story + tail) == story + tail
    # a card's summary above the story's last paragraph is the story's
    above = [("p", TEASERS_EN[0]), ("p", LONG_EN), ("p", "Fin.")]
    assert drop_teaser_cards(tree, above) == above
