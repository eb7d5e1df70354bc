"""Leaks of issue 13 that recur across sites: boilerplate the body keeps besides the head and
tail rules (ingest/extract/boxes.py, chrome.py, head.py, tail.py and the phrase tables),
teaser cards after the story (teasers.py),
on small hand-written pages and blocks in English, German, Spanish, French and Polish.
Each case comes with the text of the article that looks like it and must stay."""

from __future__ import annotations

import lxml.html
from lxml.html import HtmlElement

from ingest.core.boilerplate import is_boilerplate
from ingest.extract.boxes import drop_marked_boxes
from ingest.extract.chrome import drop_placeholders
from ingest.extract.tail import cut_link_list
from ingest.extract.teasers import drop_teaser_cards
from tests.test_extract_chrome import PROSE_DE, PROSE_ES

PROSE_EN = (
    "The council approved the budget on Tuesday after a long debate, with more money for "
    "schools, bike lanes and buses than in any year before, the mayor said."
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


# --- a closing list of links to other articles ----------------------------------------------

TEASERS_DE = ["Zehn Tipps für den Umzug", "So finden Sie eine Wohnung in Berlin"]
TEASERS_PL = ["Jak tanio podróżować po Japonii", "Dziesięć miejsc, które warto zobaczyć"]


def _linked_page(lead_in: str, teasers: list[str], linked: bool = True) -> HtmlElement:
    items = "".join(
        f'<li><a href="/{n}">{t}</a></li>' if linked else f"<li>{t}</li>"
        for n, t in enumerate(teasers)
    )
    return _tree(
        f"<html><body><article><p>{PROSE_DE}</p><p>{lead_in}</p><ul>{items}</ul>"
        f"</article></body></html>"
    )


def test_a_closing_list_of_links_goes_with_its_lead_in() -> None:
    for lead_in, teasers in (
        ("Mehr Ratgeber zum Thema finden Sie hier:", TEASERS_DE),
        ("Sprawdź też nasze inne przewodniki!", TEASERS_PL),
    ):
        tree = _linked_page(lead_in, teasers)
        blocks = [("p", PROSE_DE), ("p", lead_in)] + [("item", t) for t in teasers]
        assert cut_link_list(tree, blocks) == [("p", PROSE_DE)]
    # a heading leads in as well
    tree = _linked_page("Weitere Ratgeber", TEASERS_DE)
    blocks = [("p", PROSE_DE), ("head", "Weitere Ratgeber")] + [("item", t) for t in TEASERS_DE]
    assert cut_link_list(tree, blocks) == [("p", PROSE_DE)]


def test_a_closing_list_without_lead_in_or_without_links_stays() -> None:
    # the guide's own list: the same lines, not linked
    tree = _linked_page("Die wichtigsten Schritte:", TEASERS_DE, linked=False)
    blocks = [("p", PROSE_DE), ("p", "Die wichtigsten Schritte:")] + [
        ("item", t) for t in TEASERS_DE
    ]
    assert cut_link_list(tree, blocks) == blocks
    # links that close the text after a sentence: its sources or tools
    tree = _linked_page(PROSE_ES, TEASERS_PL)
    blocks = [("p", PROSE_DE), ("p", PROSE_ES)] + [("item", t) for t in TEASERS_PL]
    assert cut_link_list(tree, blocks) == blocks
    # sources cited by their addresses, after a lead-in
    sources = ["https://example.org/studie-2024", "www.example.com/bericht"]
    tree = _linked_page("Weitere genutzte Quellen:", sources)
    blocks = [("p", PROSE_DE), ("p", "Weitere genutzte Quellen:")] + [("p", s) for s in sources]
    assert cut_link_list(tree, blocks) == blocks


# --- a "read more" link closing a paragraph -------------------------------------------------


def test_a_closing_read_more_link_is_cut_a_bracketed_aside_stays() -> None:
    blocks = [
        ("p", "Rada miasta przyjęła we wtorek budżet na przyszły rok [czytaj więcej]"),
        ("p", "Der Stadtrat hat den Haushalt beschlossen. [weiterlesen …]"),
        ("p", "Le conseil a voté le budget mardi soir (Lire la suite)"),
        ("p", "[Read more]"),
        # asides of the text in brackets
        ("p", "Each item costs about ten dollars. (More on this below.)"),
        ("p", "The team joined in May. (Learn more in the announcement.)"),
        ("p", "Der Haushalt wächst um drei Prozent [mehr als erwartet]"),
    ]
    assert drop_placeholders(blocks) == [
        ("p", "Rada miasta przyjęła we wtorek budżet na przyszły rok"),
        ("p", "Der Stadtrat hat den Haushalt beschlossen."),
        ("p", "Le conseil a voté le budget mardi soir"),
        ("p", "Each item costs about ten dollars. (More on this below.)"),
        ("p", "The team joined in May. (Learn more in the announcement.)"),
        ("p", "Der Haushalt wächst um drei Prozent [mehr als erwartet]"),
    ]


# --- a byline or photo credit whose label is glued to the name ------------------------------


def test_a_byline_or_credit_glued_to_its_label_is_boilerplate_names_of_things_stay() -> None:
    for line in (
        "ByANI",
        "ByJane Smith",
        "PorEFE",
        "VonMax Mustermann",
        "PrzezAnna Nowak",
        "PhotoCreditJane Smith for The Times",
        "PhotoCreditTed Cavanaugh para The New York Times",
    ):
        assert is_boilerplate(line), line
    for line in ("ByteDance", "Portugal", "Paris", "CreditRepair", "BYU Cougars", "By the river"):
        assert not is_boilerplate(line), line


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
