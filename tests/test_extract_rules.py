"""Issue 13 rules of ingest.extract: article head and tail, subheadings, titles, dates.

Each rule has its case here, on small hand-written pages (tests/data/pages/*.html with
the expected body beside it) or on paragraph blocks, in English, German, Spanish, French
(and a few more languages in the phrase tables' cases).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Extractor

from ingest.compose import drop_repeats, repeats
from ingest.core.boilerplate import is_boilerplate
from ingest.core.html import split_blocks
from ingest.core.text import clean_visible
from ingest.extract import extract_page, extract_text, needs_full_mode
from ingest.extract.blocks import BODY_BLOCK_TAGS, body_blocks, is_hard_wrapped
from ingest.extract.boilerplate import filter_blocks
from ingest.extract.boxes import drop_marked_boxes
from ingest.extract.faq import restore_faq
from ingest.extract.head import strip_site_suffix, trim_head
from ingest.extract.headings import restore_headings
from ingest.extract.intro import recover_intro
from ingest.extract.resplit import resplit_flat_body
from ingest.extract.summary import restore_summary
from ingest.extract.tail import trim_tail

PAGES = Path(__file__).parent / "data" / "pages"
PROSE = (
    "The council approved the budget on Tuesday after a long debate, with more money for "
    "schools, bike lanes and buses than in any year before, the mayor said."
)


@pytest.mark.parametrize("name", ["head_tail_en", "head_tail_de", "head_tail_es", "head_tail_fr"])
def test_page_head_and_tail_are_dropped(name: str) -> None:
    # kicker, headline, byline, update stamp and reading time above; credits, a reader
    # poll, a support appeal, an app promotion, an author box, a comment counter and a
    # "more on this topic" list below: only the story and its subheading are kept
    html = (PAGES / f"{name}.html").read_bytes()
    expected = (PAGES / f"{name}.expected.txt").read_text(encoding="utf-8")
    assert extract_text(html, "https://example.org/a") == expected


@pytest.mark.parametrize(
    ("head", "title"),
    [
        (["Politics", "City council approves budget", "By Jane Smith", "5 min read"],
         "City council approves budget | The Daily"),
        (["Kommunalpolitik", "Stadtrat beschließt", "Haushalt", "Von Max Mustermann",
          "Aktualisiert am 5. März 2024, 18:30 Uhr", "Lesezeit: 4 Minuten"],
         "Stadtrat beschließt Haushalt"),
        (["Política local", "El Ayuntamiento aprueba el presupuesto", "Por María García",
          "Actualizado: 05/03/2024 18:30"], "El Ayuntamiento aprueba el presupuesto"),
        (["Le conseil municipal adopte le budget", "Par Jean Dupont",
          "Mis à jour le 5 mars 2024 à 18h30", "Écouter cet article"],
         "Le conseil municipal adopte le budget"),
        (["Listen to this article", "City council approves budget | Opinion"],
         "City council approves budget"),
    ],
)  # fmt: skip
def test_head_drops_title_kicker_byline_and_stamps(head: list[str], title: str) -> None:
    blocks = [("p", text) for text in head] + [("p", PROSE), ("p", "Short line.")]
    assert trim_head(blocks, [title]) == [("p", PROSE), ("p", "Short line.")]


def test_head_keeps_a_subheading_and_short_lines_without_prose() -> None:
    with_heading = [("head", "Overview"), ("p", PROSE)]
    assert trim_head(with_heading, ["Some other title"]) == with_heading
    # no long paragraph: a list article; only the unambiguous rules run
    listing = [("item", "Apples"), ("item", "Pears"), ("p", "Some title here")]
    assert trim_head(listing, ["Some title here"]) == listing[:2]


@pytest.mark.parametrize(
    "tail",
    [
        ["(AP)", "What do you think? Tell us below.", "12 comments"],
        ["Mit Material von dpa", "Was meinen Sie?", "Unterstützen Sie unseren Journalismus."],
        ["Con información de EFE", "¿Qué opinas?", "Descarga nuestra app"],
        ["Avec AFP", "Qu'en pensez-vous ?", "Soutenez notre journalisme."],
        ["About the author", "Jane Smith covers city hall.", "Read more posts by Jane"],
        ["Über den Autor", "Max schreibt über Politik."],
        ["Jane Smith is a freelance writer based in Denver. She covers housing and schools."],
        ["Max Mustermann ist freier Journalist in Berlin und schreibt über Verkehr."],
        ["This article was originally published on Example News.", "Follow us"],
        ["Die Meinung des Autors ist seine eigene. The views expressed are the author's own."],
    ],
)
def test_tail_drops_credits_polls_appeals_promos_and_boxes(tail: list[str]) -> None:
    blocks = [("p", PROSE), ("p", PROSE + " Again.")] + [("p", text) for text in tail]
    assert trim_tail(blocks) == blocks[:2]


@pytest.mark.parametrize(
    "notice",
    [
        "Products are chosen by our editors. Purchases made through our links may earn us a "
        "commission.",
        "Prices were accurate at the time this article was published.",
        "Wenn Sie über diese Links einkaufen, erhalten wir eine kleine Provision.",
    ],
)
def test_affiliate_notices_are_dropped_anywhere(notice: str) -> None:
    blocks = [("p", PROSE), ("p", notice), ("p", PROSE + " Again.")]
    assert filter_blocks(blocks) == [blocks[0], blocks[2]]


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("Getty Images", True),
        ("AP Photo/Jane Doe", True),
        ("Foto: dpa", True),
        ("Imagen: EFE", True),
        ("Reuters reported on Monday that the talks had failed.", False),
        ("Apple", False),
    ],
)
def test_photo_credit_standing_alone(line: str, credit: bool) -> None:
    assert is_boilerplate(line) is credit


def test_restored_heading_skips_captions_and_contents() -> None:
    long = PROSE + " " + PROSE
    tree = lxml.html.fromstring(
        f"<html><body><p>{long}</p><h2>Contents</h2><p>{long} Zwei.</p>"
        f"<figure><h3>Ein Bild vom Rathaus.</h3><p>{long} Drei.</p></figure></body></html>"
    )
    blocks = [("p", long), ("p", long + " Zwei."), ("p", long + " Drei.")]
    assert restore_headings(tree, blocks) == blocks


def test_tail_keeps_a_closing_sentence_and_final_list() -> None:
    blocks = [("p", PROSE), ("p", "The vote is on Friday."), ("item", "One"), ("item", "Two")]
    assert trim_tail(blocks) == blocks


def test_a_menu_repeated_in_the_body_is_dropped_a_list_said_once_is_not() -> None:
    menu = [("p", t) for t in ("Welt", "Städte", "Sport", "Kultur", "Wirtschaft", "Meinung")]
    body = [("p", PROSE), *menu, ("p", PROSE + " 2"), *menu, ("p", PROSE + " 3")]
    assert filter_blocks(body) == [("p", PROSE), ("p", PROSE + " 2"), ("p", PROSE + " 3")]
    once = [("p", PROSE), *menu, ("p", PROSE + " 2")]
    assert filter_blocks(once) == once


def test_table_of_contents_lines_above_their_headings_are_dropped() -> None:
    blocks = [("item", "Was sich ändert"), ("item", "Kosten"), ("p", PROSE)]
    blocks += [("head", "Was sich ändert"), ("p", PROSE + " 2"), ("head", "Kosten")]
    assert filter_blocks(blocks) == blocks[2:]


def test_byline_label_alone_and_editorial_policy_links_are_dropped() -> None:
    head = [("p", "By"), ("p", "Fact checked by"), ("p", "Learn about our editorial policies")]
    assert trim_head(filter_blocks([*head, ("p", PROSE)]), ["Title"]) == [("p", PROSE)]


def test_recurring_subheadings_are_kept_a_single_repeat_is_not() -> None:
    body = [("p", PROSE)]
    recurring = [("head", "Key features and user experience"), *body] * 3
    assert filter_blocks(recurring) == [recurring[0], *body, recurring[0], recurring[0]]
    twice = [("head", "How we picked and tested"), *body, ("head", "How we picked and tested")]
    assert filter_blocks(twice) == twice[:2]


@pytest.mark.parametrize(
    ("title", "site", "shown", "expected"),
    [
        ("Stadtrat beschließt Haushalt | Beispiel Zeitung", "Beispiel Zeitung", [],
         "Stadtrat beschließt Haushalt"),
        ("Diario Ejemplo - El Ayuntamiento aprueba", "Diario Ejemplo", [],
         "El Ayuntamiento aprueba"),
        ("Le conseil adopte le budget – Journal", None, ["Le conseil adopte le budget"],
         "Le conseil adopte le budget"),
        ("Haushalt - was sich ändert", None, [], "Haushalt - was sich ändert"),
        ("Council approves budget", "The Daily", [], "Council approves budget"),
    ],
)  # fmt: skip
def test_title_loses_site_suffix(
    title: str, site: str | None, shown: list[str], expected: str
) -> None:
    assert strip_site_suffix(title, site, shown) == expected


def test_page_title_suffix_from_og_site_name() -> None:
    html = (PAGES / "head_tail_de.html").read_bytes()
    assert extract_page(html, None).title == "Stadtrat beschließt Haushalt"


@pytest.mark.parametrize(
    ("paragraph", "lead", "repeated"),
    [
        ("Mehr Geld für Schulen und Radwege.", "Mehr Geld für Schulen und Radwege.", True),
        ("More money for schools and bike lanes. (AP)", "More money for schools and bike lanes.",
         True),
        ("Más dinero para escuelas y carriles bici", "Más dinero para escuelas y carriles bici.",
         True),
        ("Plus d'argent.", "Plus d'argent pour les écoles et les pistes cyclables.", False),
        ("Rat tagt heute in der Stadthalle zum Haushalt.", "Rat", False),
    ],
)  # fmt: skip
def test_lead_repeats(paragraph: str, lead: str, repeated: bool) -> None:
    assert repeats(paragraph, lead) is repeated


def test_lead_is_never_repeated_in_the_body() -> None:
    body = ("Kicker", "The lead of the story in one sentence. Photo: AP", PROSE)
    lead = "The lead of the story in one sentence."
    assert drop_repeats(body, "Title", lead) == ("Kicker", PROSE)


# --- dates: one fixture per source -------------------------------------------------------


def _dated(head: str = "", body: str = "", url: str | None = None) -> datetime | None:
    html = (
        f"<html><head><title>T</title>{head}</head><body><article><h1>T</h1>{body}"
        f"<p>{PROSE}</p><p>{PROSE} More.</p></article></body></html>"
    )
    return extract_page(html, url).published


def test_date_from_time_element() -> None:
    body = '<time class="published" datetime="2021-06-01T08:00:00+02:00">1 June</time>'
    assert _dated(body=body) is not None and _dated(body=body).month == 6  # type: ignore[union-attr]


def test_date_from_url() -> None:
    when = _dated(url="https://example.org/2020/09/14/story.html")
    assert when is not None and (when.year, when.month) == (2020, 9)


def test_date_from_text_when_markup_has_none() -> None:
    # htmldate's extensive search: a date written in the page's text only
    when = _dated(body="<p class='date'>Published on 3 February 2019</p>")
    assert when is not None and (when.year, when.month) == (2019, 2)


# --- subheadings trafilatura dropped --------------------------------------------------------


LONG = PROSE + " " + PROSE


def _tree(html: str) -> HtmlElement:
    return lxml.html.fromstring(html)


def test_dropped_subheading_is_restored_before_its_paragraph() -> None:
    second = "Die zweite Runde der Beratungen begann am Mittwoch mit einer langen Anhörung."
    tree = _tree(
        f"<html><body><article><p>{LONG}</p>"
        f'<div class="card"><h3 class="card-title">Was sich ändert 🔗</h3><p>{second}</p></div>'
        f"<p>{LONG} Zwei.</p></article></body></html>"
    )
    blocks = [("p", LONG), ("p", second), ("p", LONG + " Zwei.")]
    restored = restore_headings(tree, blocks)
    # restored without its permalink glyph
    assert restored == [blocks[0], ("head", "Was sich ändert"), *blocks[1:]]


def test_long_heading_on_a_widget_word_is_restored_a_teaser_heading_is_not() -> None:
    second = "When shopping for a subscription box, look at the price per book first."
    third = "Mira también cómo cambió la ciudad en los últimos diez años de obras."
    tree = _tree(
        f"<html><body><p>{LONG}</p>\n<h2>What to Look for When Buying a Book Subscription</h2>"
        f"\n<p>{second}</p>\n<h3>Mira: Otra noticia de la ciudad</h3>\n<p>{third}</p>\n"
        f"<p>{LONG} Zwei.</p></body></html>"
    )
    blocks = [("p", LONG), ("p", second), ("p", third), ("p", LONG + " Zwei.")]
    restored = restore_headings(tree, blocks)
    assert ("head", "What to Look for When Buying a Book Subscription") in restored
    assert len(restored) == len(blocks) + 1


def test_heading_already_there_or_after_the_story_is_not_restored() -> None:
    teaser = "Another article's teaser line that is long enough to be recognised."
    tree = _tree(
        f"<html><body><h2>Qué cambia</h2><p>{LONG}</p>"
        f"<aside><h3>Otra noticia</h3><p>{teaser}</p></aside></body></html>"
    )
    blocks = [("head", "Qué cambia"), ("p", LONG), ("p", teaser)]
    assert restore_headings(tree, blocks) == blocks


# --- a body flattened into one paragraph ----------------------------------------------------


def test_flattened_body_is_split_at_the_pages_blocks() -> None:
    paragraphs = [f"Absatz {i}: {LONG}" for i in range(5)]
    tree = lxml.html.fromstring(
        "<html><body><nav><a href='/'>Start</a></nav><div class='story'>"
        + "".join(f"<h2>Teil {i}</h2>\n<p>{p}</p>\n" for i, p in enumerate(paragraphs))
        + "</div></body></html>"
    )
    flat = " ".join(f"Teil {i} {p}" for i, p in enumerate(paragraphs))
    split = resplit_flat_body(tree, [("p", flat)])
    assert split[:2] == [("head", "Teil 0"), ("p", paragraphs[0])]
    assert len(split) == 10 and ("p", "Start") not in split


def test_a_flat_page_of_labels_is_not_resplit() -> None:
    labels = [f"Kunde Nummer {i}" for i in range(150)]
    tree = lxml.html.fromstring(
        "<html><body><div>" + "".join(f"<p>{t}</p>\n" for t in labels) + "</div></body></html>"
    )
    flat = [("p", " ".join(labels))]
    assert resplit_flat_body(tree, flat) == flat


def test_a_body_with_paragraphs_is_not_resplit() -> None:
    blocks = [("p", LONG), ("p", LONG + " Zwei."), ("p", LONG + " Drei.")]
    assert resplit_flat_body(lxml.html.fromstring("<p>x</p>"), blocks) == blocks


def test_inline_code_stays_in_its_sentence_a_code_block_does_not() -> None:
    # <code> inside a paragraph is part of the sentence (a name, a number); a <pre> block
    # between paragraphs is a paragraph of its own
    html = (
        "<html><body><article>"
        f"<p>{PROSE}</p>"
        "<p>Call <code>fetch_all()</code> once, and it prints <code>42</code> as expected.</p>"
        "<pre><code>x = fetch_all()\nprint(x)</code></pre>"
        f"<p>{PROSE} Then the vote.</p>"
        "</article></body></html>"
    )
    text = extract_text(html, "https://example.org/a") or ""
    lines = text.split("\n")
    assert "Call fetch_all() once, and it prints 42 as expected." in lines
    assert not any(line.strip() == "42" for line in lines)


def test_subheadings_listed_again_in_a_row_are_dropped_product_cards_are_not() -> None:
    heads = ["Costs", "Permits", "Materials", "Timeline"]
    story = [x for h in heads for x in (("head", h), ("p", f"{PROSE} {h}."))]
    toc = [("head", h) for h in heads]  # a sticky table of contents after the text
    assert filter_blocks(story + toc) == story
    cards = [
        x
        for name in ("Alpha", "Beta", "Gamma", "Delta")
        for x in (("head", name), ("head", "Pros & Cons"), ("head", "Why we picked it"))
    ]
    summary = [("p", f"{PROSE} {n}.") for n in ("Alpha", "Beta", "Gamma", "Delta")]
    assert filter_blocks(cards + summary + cards) == cards + summary + cards


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Costs and fees#section2", "Costs and fees"),
        ("So what is web design?#section6", "So what is web design?"),
        ("Kosten und Gebühren ¶", "Kosten und Gebühren"),
        ("Costes y tasas #", "Costes y tasas"),
        ("Learning C#", "Learning C#"),
        ("Top #hashtags of the year", "Top #hashtags of the year"),
    ],
)
def test_heading_permalink_anchor_is_stripped(line: str, expected: str) -> None:
    # the page's heading and trafilatura's copy of it then agree, and the heading is
    # not stored twice
    html = (
        "<html><body><article>"
        f"<p>{PROSE}</p><h2>{line}</h2><p>{PROSE} And then the vote.</p>"
        "</article></body></html>"
    )
    lines = (extract_text(html, "https://example.org/a") or "").split("\n")
    assert expected in lines
    assert line == expected or line not in lines


def test_full_mode_runs_when_fast_mode_kept_a_small_part_of_the_page() -> None:
    # fast mode's body is a fifth of the page's paragraph text: the full comparison
    # (trafilatura's fallbacks) runs; at most pages fast mode's body is most of it
    page = _tree("<html><body>" + f"<p>{PROSE}</p>" * 40 + "</body></html>")
    assert needs_full_mode("\n".join([PROSE] * 8), page)
    assert not needs_full_mode("\n".join([PROSE] * 20), page)
    assert needs_full_mode(PROSE, _tree(f"<html><body><p>{PROSE}</p></body></html>"))


def test_full_mode_runs_when_fast_mode_flattened_the_body() -> None:
    # fast mode's baseline fallback returns the page's text as one paragraph
    page = _tree("<html><body>" + f"<p>{PROSE}</p>" * 12 + "</body></html>")
    assert needs_full_mode(" ".join([PROSE] * 12), page)
    assert not needs_full_mode("\n".join([PROSE] * 12), page)


def test_table_rows_of_dates_and_figures_are_kept_a_dateline_is_not() -> None:
    rows = [("row", "1/1/2013 +13.1%"), ("row", "1/1/2014 +11.2%"), ("row", "1/1/2015 +2.4%")]
    blocks = [("p", PROSE), ("p", "12.03.2024"), *rows, ("p", PROSE + " Then.")]
    assert filter_blocks(blocks) == [("p", PROSE), *rows, ("p", PROSE + " Then.")]


@pytest.mark.parametrize(
    ("line", "furniture"),
    [
        ("No thanks", True),
        ("Nein, danke", True),
        ("Non merci", True),
        ("Full Bio", True),
        ("On this page", True),
        ("En esta página", True),
        ("Jump to Details", True),
        ("Aller au contenu", True),
        ("Fact checked by", True),
        ("Geprüft von:", True),
        ("Advertiser Disclosure", True),
        ("No thanks were given to the council for the new budget.", False),
        ("On this page of the report the council lists every new cycle lane.", False),
        ("Reviewed by the court", False),
    ],
)
def test_page_furniture_standing_alone(line: str, furniture: bool) -> None:
    assert is_boilerplate(line) is furniture


@pytest.mark.parametrize(
    ("line", "widget"),
    [
        ("Enter email address", True),
        ("First Name (optional):", True),
        ("If you are a human, ignore this field", True),
        ("By entering your email, you agree to our Terms of Use and Privacy Policy.", True),
        ("Thank you! Your submission has been received!", True),
        ("Oops! Something went wrong while submitting the form.", True),
        ("The best of the city straight to your inbox", True),
        ("Free 14-day trial. No credit card required.", True),
        ("Jetzt kostenlos testen", True),
        ("Sin tarjeta de crédito", True),
        ("Book a free demo", True),
        ("Get started today", True),
        ("Was this page helpful?", True),
        ("Thanks for your feedback!", True),
        ("Merci pour votre avis", True),
        ("[Read more: How the council spends its budget]", True),
        ("Read our full Acme Phone 3 review", True),
        ("Email is still how most of the council's residents reach its offices.", False),
        ("You can try the service free for 30 days, no credit card required, and cancel online.",
         False),
        ("Get started today by listing every cost of the renovation, then add a tenth.",
         False),
        ("Read the full report before the vote, the council's auditors told members.", False),
    ],
)  # fmt: skip
def test_sign_up_forms_trial_offers_and_review_links_are_widgets(line: str, widget: bool) -> None:
    assert is_boilerplate(line) is widget


@pytest.mark.parametrize(
    ("line", "prompt"),
    [
        ("Already a subscriber? Log in to keep reading.", True),
        ("Start your subscription for $1 a week.", True),
        ("This story is for subscribers only.", True),
        ("Subscribe now and read on.", True),
        ("Jetzt abonnieren und weiterlesen.", True),
        ("Suscríbete para seguir leyendo.", True),
        # prose about a service's subscription: the text of a review or a guide
        ("The subscription costs $12.99 a month or $79.99 a year for unlimited access.", False),
        ("Most streaming services now offer a cheaper subscription tier with adverts.", False),
    ],
)  # fmt: skip
def test_subscription_prompt_is_a_widget_prose_about_a_subscription_is_not(
    line: str, prompt: bool
) -> None:
    assert is_boilerplate(line) is prompt


def test_previous_and_next_post_links_are_dropped_with_their_titles() -> None:
    blocks = [
        ("p", PROSE),
        ("p", "Previous Post"),
        ("p", "Ten tax deadlines you should not miss"),
        ("p", "Next Post"),
        ("p", "How the new budget changes your bills"),
    ]
    assert filter_blocks(blocks) == [("p", PROSE)]


def test_a_contents_list_repeated_twice_after_the_text_is_dropped_card_labels_are_not() -> None:
    heads = ["Costs", "Permits", "Materials", "Timeline", "Labour", "Taxes", "Grants", "Risks"]
    story = [x for h in heads for x in (("head", h), ("p", f"{PROSE} {h}."))]
    toc = [("head", h) for h in heads]  # a sticky copy and an end-of-page copy in a row
    assert filter_blocks(story + toc + toc) == story
    # the same labels on every card, in the cards' order rather than the article's
    labels = [("head", h) for h in ["Risks", "Costs", *heads[1:7]]]
    assert filter_blocks(story + labels + labels) == story + labels + labels


@pytest.mark.parametrize(
    "marker", ["Article Sources", "Citations:", "Further reading", "Quellenangaben",
               "Lecturas recomendadas", "Pour aller plus loin"]
)  # fmt: skip
def test_a_closing_list_of_sources_or_further_reading_is_dropped(marker: str) -> None:
    story = [("p", PROSE), ("head", "What the budget buys"), ("p", PROSE + " Again.")]
    entries = [
        ("p", "City of Springfield. “Budget 2025.” https://example.org/budget.pdf"),
        ("p", "The Best Bike Lanes in Town"),
        ("p", "by Jane Smith"),
    ]
    assert trim_tail([*story, ("head", marker), *entries]) == story


def test_a_references_section_and_prose_after_a_reading_list_are_kept() -> None:
    story = [("p", PROSE), ("head", "References"), ("p", "Smith, J. (2024). Budgets. Springfield.")]
    assert trim_tail(story) == story
    essay = [("p", PROSE), ("head", "Further reading"), ("p", PROSE * 3)]
    assert trim_tail(essay) == essay


@pytest.mark.parametrize(
    ("line", "widget"),
    [
        ("Last updated on:", True),
        ("Estimated reading time:", True),
        ("Published:", True),
        ("Zuletzt aktualisiert am", True),
        ("Actualizado el:", True),
        ("Mis à jour le", True),
        ("Topics: transport, budget, Springfield, Editor's Picks", True),
        ("Themen: Haushalt, Verkehr", True),
        ("Published on the council's website, the budget runs to 400 pages.", False),
        ("Topics: the council debated the budget. Then it voted.", False),
    ],
)
def test_date_labels_without_their_value_and_topic_lists_are_widgets(
    line: str, widget: bool
) -> None:
    assert is_boilerplate(line) is widget


@pytest.mark.parametrize(
    ("line", "byline"),
    [
        ("Fact checked by Jane Smith", True),
        ("Reviewed by Margaret Jones", True),
        ("Written by Max Mustermann", True),
        ("Geprüft von Dr. Max Muster", True),
        ("Revisado por María García", True),
        ("Écrit par Jean Dupont", True),
        ("Reviewed by the court", False),
        ("Written by hand, the letters reached the council in March.", False),
    ],
)
def test_role_bylines_standing_alone_are_dropped(line: str, byline: bool) -> None:
    assert is_boilerplate(line) is byline


# --- a summary box at the story's start -----------------------------------------------------

POINTS = [
    "The council approved a budget with more money for schools.",
    "Bike lanes and buses get the largest increase in ten years.",
    "The opposition warned about the city's growing debt.",
]


def _box_page(label: str, points: list[str], links: str = "") -> HtmlElement:
    items = "".join(f"<li>{point}</li>" for point in points) + links
    return _tree(
        f"<html><body><article><h1>Budget passed</h1>"
        f'<details open><summary><h2><a href="#k"><strong>{label}</strong></a></h2></summary>'
        f"<p>\u200d</p><div><ul>{items}</ul></div></details>"
        f"<p>{LONG}</p><p>{LONG} Zwei.</p></article></body></html>"
    )


@pytest.mark.parametrize(
    "label", ["Key Takeaways", "TL;DR", "Das Wichtigste in Kürze", "En resumen", "En bref:"]
)
def test_a_dropped_summary_box_is_put_back_before_the_story(label: str) -> None:
    blocks = [("p", LONG), ("p", LONG + " Zwei.")]
    restored = restore_summary(_box_page(label, POINTS), blocks)
    points = [("item", point) for point in POINTS]
    assert restored == [("head", label.rstrip(" :")), *points, *blocks]


def test_a_summary_box_keeps_its_points_without_a_promotion_among_them() -> None:
    promo = '<li><a href="/other">These ten stocks could mint the next millionaires</a></li>'
    restored = restore_summary(_box_page("Key Points", POINTS, promo), [("p", LONG)])
    assert [text for _, text in restored] == ["Key Points", *POINTS, LONG]


def test_a_box_of_teasers_a_box_already_kept_or_one_after_the_story_is_not_restored() -> None:
    blocks = [("p", LONG), ("p", LONG + " Zwei.")]
    teasers = [f'<li><a href="/a{i}">{point}</a></li>' for i, point in enumerate(POINTS)]
    assert restore_summary(_box_page("Highlights", [], "".join(teasers)), blocks) == blocks
    kept = [("head", "Key Takeaways"), *(("item", p) for p in POINTS), *blocks]
    assert restore_summary(_box_page("Key Takeaways", POINTS), kept) == kept
    # a list under the label with no story after it: a closing recap or a box elsewhere
    closing = _tree(
        f"<html><body><p>{LONG}</p><h2>Summary</h2><ul>"
        + "".join(f"<li>{p}</li>" for p in POINTS)
        + "</ul></body></html>"
    )
    assert restore_summary(closing, [("p", LONG)]) == [("p", LONG)]
    # labels and one-word entries are a card of facts, not a summary of points
    card = _box_page("At a glance", ["Founded", "Employees", "Offices"])
    assert restore_summary(card, blocks) == blocks


# --- ordered lists keep their numbers -------------------------------------------------------


def _body(xml: str) -> etree._Element:
    return etree.fromstring(f"<body>{xml}</body>")


def test_ordered_list_items_get_the_numbers_the_reader_sees() -> None:
    body = _body(
        '<list rend="ol"><item>Preheat the oven</item><item><hi>Mix</hi> the flour</item></list>'
        '<list rend="ul"><item>Flour</item><item>Eggs</item></list>'
    )
    assert [text for _, text in body_blocks(body)] == [
        "1. Preheat the oven",
        "2. Mix the flour",
        "Flour",
        "Eggs",
    ]


@pytest.mark.parametrize(
    "xml",
    [
        # items numbered by the page itself
        '<list rend="ol"><item>1. Preheat</item><item>2. Mix</item></list>',
        '<list rend="ol"><item>Schritt 1: Vorheizen</item><item>a) Mischen</item></list>',
        # a list of one item is markup around a paragraph
        '<list rend="ol"><item>Toner</item></list>',
        # sections set as list items: the heading is numbered the page's own way
        '<list rend="ol"><item><head>Remote access</head><p>Control it anywhere.</p></item>'
        "<item><head>Reports</head><p>See what it used.</p></item></list>",
    ],
)
def test_ordered_lists_already_numbered_single_or_of_sections_are_left_alone(xml: str) -> None:
    texts = [text for _, text in body_blocks(_body(xml))]
    assert not any(
        text.startswith(("1. 1.", "1. Schritt", "1. Toner", "1. Remote")) for text in texts
    )
    assert texts == [
        text for _, text in split_blocks(_body(xml), BODY_BLOCK_TAGS, clean=clean_visible)
    ]


# --- author boxes, found by their markup ----------------------------------------------------


def test_author_box_lines_are_dropped_above_and_below_the_story() -> None:
    bio_de = "Max Mustermann schreibt seit 2010 über Stadtpolitik und Verkehr."
    bio_en = "Jane covers city hall and transport, and has done so for a decade."
    tree = _tree(
        f'<html><body><article><div class="c-byline"><span>Jane Smith</span>'
        f"<span>Senior Editor</span><span>867 Published Articles</span></div>"
        f"<p>{LONG}</p><p>{LONG} Zwei.</p>"
        f'<section id="author-bio"><h3>Über den Autor</h3><p>{bio_de}</p></section>'
        f'<div class="post_author"><p>{bio_en}</p></div></article></body></html>'
    )
    blocks = [
        ("p", "Jane Smith"), ("p", "Senior Editor"), ("p", "867 Published Articles"),
        ("p", LONG), ("p", LONG + " Zwei."), ("p", bio_de), ("p", bio_en),
    ]  # fmt: skip
    assert drop_marked_boxes(tree, blocks) == [("p", LONG), ("p", LONG + " Zwei.")]


STORY = ("Zwei", "Drei", "Vier", "Fünf", "Sechs", "Sieben", "Acht")


def test_words_containing_author_and_page_wide_author_classes_mark_no_box() -> None:
    line = "The port authority approved the new terminal on Monday."
    tree = _tree(
        f'<html><body class="author-jane"><article class="post author-3">'
        f'<div class="authority-note"><p>{line}</p></div><p>{LONG}</p>'
        # a wrapper whose class names an author but which holds the whole story
        f'<div class="author-content">{"".join(f"<p>{LONG} {n}.</p>" for n in STORY)}</div>'
        f"</article></body></html>"
    )
    blocks = [("p", line), ("p", LONG)] + [("p", f"{LONG} {n}.") for n in STORY]
    assert drop_marked_boxes(tree, blocks) == blocks


def test_promotion_box_lines_are_dropped_a_subheading_they_repeat_is_not() -> None:
    pitch_de = "Die wichtigsten Nachrichten des Tages, jeden Morgen in Ihrem Postfach."
    pitch_es = "Prueba nuestra herramienta gratis durante treinta días."
    teaser = "Le conseil municipal vote le budget des transports"
    disclosure = "Wir erhalten eine Vergütung, wenn Sie über diese Seite buchen."
    tree = _tree(
        f"<html><body><article><p>{LONG}</p>"
        f'<div class="newsletter-signup"><h4>Der Morgen</h4><p>{pitch_de}</p>'
        f"<button>Anmelden</button></div>"
        f"<h2>Acme Planner</h2><p>{LONG} Zwei.</p>"
        f'<aside id="cta_banner"><p>{pitch_es}</p><a href="/try">Acme Planner</a></aside>'
        f'<div class="jp-relatedposts"><h3>Related</h3><a href="/b">{teaser}</a></div>'
        f'<p class="affiliate-disclosure">{disclosure}</p></article></body></html>'
    )
    blocks = [
        ("p", LONG), ("p", "Der Morgen"), ("p", pitch_de), ("head", "Acme Planner"),
        ("p", LONG + " Zwei."), ("p", pitch_es), ("p", teaser), ("p", disclosure),
    ]  # fmt: skip
    assert drop_marked_boxes(tree, blocks) == [
        ("p", LONG), ("head", "Acme Planner"), ("p", LONG + " Zwei."),
    ]  # fmt: skip


def test_a_long_wrapper_named_like_a_promotion_is_not_a_box() -> None:
    tree = _tree(
        f'<html><body><div class="cta-article">'
        f"{''.join(f'<p>{LONG} {n}.</p>' for n in STORY)}</div></body></html>"
    )
    blocks = [("p", f"{LONG} {n}.") for n in STORY]
    assert drop_marked_boxes(tree, blocks) == blocks


# --- the FAQ the page shows and states in JSON-LD -------------------------------------------


def _faq_page(pairs: list[tuple[str, str]], shown: list[tuple[str, str]]) -> HtmlElement:
    entities = [
        {"@type": "Question", "name": q, "acceptedAnswer": {"@type": "Answer", "text": a}}
        for q, a in pairs
    ]
    data = json.dumps(
        {"@context": "https://schema.org", "@type": "FAQPage", "mainEntity": entities}
    )
    accordion = "".join(
        f'<div class="accordion"><button>{q}</button><div hidden>{a}</div></div>' for q, a in shown
    )
    return _tree(
        f'<html><head><script type="application/ld+json">{data}</script></head><body>'
        f"<article><p>{LONG}</p></article><section>{accordion}</section></body></html>"
    )


FAQ = [
    ("Wie lange dauert der Umbau?", "Der Umbau dauert nach Angaben der Stadt etwa zwei Jahre."),
    ("¿Cuánto cuesta el proyecto?", "<p>El proyecto cuesta <b>doce millones</b> de euros.</p>"),
]


def test_a_dropped_faq_the_page_shows_is_put_back_after_the_story() -> None:
    restored = restore_faq(_faq_page(FAQ, FAQ), [("p", LONG)])
    assert restored == [
        ("p", LONG),
        ("head", "Wie lange dauert der Umbau?"),
        ("p", "Der Umbau dauert nach Angaben der Stadt etwa zwei Jahre."),
        ("head", "¿Cuánto cuesta el proyecto?"),
        ("p", "El proyecto cuesta doce millones de euros."),
    ]


def test_a_faq_only_in_json_ld_or_already_in_the_body_is_not_added() -> None:
    # the page shows one pair; the other exists only for search engines
    restored = restore_faq(_faq_page(FAQ, FAQ[:1]), [("p", LONG)])
    assert [text for _, text in restored] == [LONG, FAQ[0][0], FAQ[0][1]]
    kept = [("p", LONG), ("head", FAQ[0][0]), ("p", FAQ[0][1])]
    assert restore_faq(_faq_page(FAQ[:1], FAQ[:1]), kept) == kept


def test_a_page_both_modes_discard_gets_trafilaturas_recall_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # trafilatura's fast and full modes can both return nothing for a page whose body
    # they find too unsure; its recall mode (favor_recall) is the last try
    import ingest.extract as extract

    real = extract.trafilatura.bare_extraction
    calls: list[str] = []

    def unsure(*args: object, options: Extractor, **kwargs: object) -> object:
        calls.append(options.focus)
        return real(*args, options=options, **kwargs) if options.focus == "recall" else None

    monkeypatch.setattr(extract.trafilatura, "bare_extraction", unsure)
    body = [f"{PROSE} ({i})" for i in range(6)]
    html = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in body) + "</article>"
    assert extract_text(html, "https://example.org/a") == "\n".join(body)
    assert calls == ["balanced", "balanced", "recall"]


@pytest.mark.parametrize(
    "opening", ["Average Costs for Cleaning Services in", "Best Restaurants Near Downtown in"]
)
def test_a_list_of_links_made_from_one_template_is_dropped(opening: str) -> None:
    # one link per city under the story, each opening with the same words: the site's
    # index pages, not the text; a heading in capitals opening the same way goes with it
    cities = ["Boston", "Chicago", "Denver", "Austin", "Miami", "Tampa", "Seattle"]
    links = [("item", f"{opening} {city}") for city in cities]
    story = [("p", PROSE), ("head", "What it costs"), ("p", PROSE + " Again.")]
    assert filter_blocks([*story, ("head", f"{opening} the USA".upper()), *links]) == story
    assert filter_blocks([*story, *links[:5]]) == [*story, *links[:5]]  # five may be the text's


def test_an_authors_list_with_varied_openings_or_sentences_is_kept() -> None:
    story = [("p", PROSE)]
    varied = [("item", t) for t in [
        "How to clean the oven", "How to clean a window", "Why to clean the oven",
        "How to clean the floor", "How to clean the sink", "How to clean the bath",
    ]]  # fmt: skip
    assert filter_blocks(story + varied) == story + varied
    sentences = [("item", f"The city will fund {what}.") for what in
                 ["schools", "buses", "parks", "roads", "libraries", "bike lanes"]]  # fmt: skip
    assert filter_blocks(story + sentences) == story + sentences


@pytest.mark.parametrize(
    "button", ["Republish this article", "Republish this story", "Republier cet article",
               "Republica este artículo", "Diesen Artikel weiterverwenden"]
)  # fmt: skip
def test_a_republication_box_after_the_story_is_dropped(button: str) -> None:
    # the box's licence and rules are long prose, too long for the tail zone: its
    # button cuts it, with what follows
    story = [("p", PROSE * 2), ("head", "What the budget buys"), ("p", PROSE + " Again." + PROSE),
             ("p", PROSE + " Third." + PROSE), ("p", "Follow us")]  # fmt: skip
    box = [("p", button), ("p", "This work is licensed under a Creative Commons licence."),
           ("p", "We are happy for our stories to be shared. " * 6),
           ("p", "Please credit us and our writers. " * 8)]  # fmt: skip
    assert trim_tail(story + box) == story[:-1]


def test_a_republish_button_above_the_story_cuts_nothing() -> None:
    # a share bar's button comes before the story: nothing is cut
    story = [("p", f"{PROSE} {i}. {PROSE}") for i in range(4)]
    assert trim_tail([("p", PROSE), ("p", "Republish this article"), *story])[-4:] == story


@pytest.mark.parametrize(
    "heading", ["Browse Related Articles", "Explore more related content", "Related reads:",
                "See all related stories", "Check out our related posts"]
)  # fmt: skip
def test_a_related_box_opened_by_an_invitation_is_dropped(heading: str) -> None:
    story = [("p", PROSE), ("head", "What the budget buys"), ("p", PROSE + " Again.")]
    teasers = [("item", "Are State Tax Refunds Taxable?"), ("item", "Your Guide to Filing in 2023")]
    assert filter_blocks([*story, ("head", heading), *teasers]) == story


def test_a_section_on_related_work_or_a_links_label_in_the_text_is_kept() -> None:
    # a "Helpful links" label inside a guide heads a few links, and the subheadings after
    # them are the guide's own
    blocks = [("p", PROSE), ("head", "Related papers"), ("p", "Smith and Jones measured it"),
              ("p", "Helpful links:"), ("head", "Bring cash"), ("p", "You need cash")]  # fmt: skip
    assert filter_blocks(blocks) == blocks


def test_a_hard_wrapped_paragraph_stays_one_paragraph() -> None:
    # typed with a <br> every 70-odd characters, most of them inside a sentence
    wrapped = (
        "Gym equipment refers to the various machines, tools, and accessories used in a<br>"
        "fitness facility to help individuals achieve their fitness goals. These<br>"
        "machines are designed to target different muscle groups, improve the<br>"
        "cardiovascular health, and enhance overall physical fitness of everyone.<br>"
        "Most gyms have them."
    )
    html = f"<html><body><article><p>{wrapped}</p><p>{PROSE}</p></article></body></html>"
    text = extract_text(html, "https://example.org/a") or ""
    assert text.split("\n") == [" ".join(wrapped.replace("<br>", " ").split()), PROSE]


@pytest.mark.parametrize(
    "lines",
    [
        ["The council meets on Tuesday at the town hall in the main square.",
         "Parking is free.", "Entry is free for residents and for their guests too.",
         "Bring your card.", "Doors open at six."],
        ["The council approved the budget on Tuesday after a long debate.",
         "Schools and buses get more money than in any year before this one.",
         "The mayor said the vote was a victory for the whole city council.",
         "The opposition voted against it."],
    ],
)  # fmt: skip
def test_uneven_breaks_and_sentence_lines_keep_their_breaks(lines: list[str]) -> None:
    html = f"<html><body><article><p>{'<br>'.join(lines)}</p><p>{PROSE}</p></article></body></html>"
    text = extract_text(html, "https://example.org/a") or ""
    assert text.split("\n") == [*lines, PROSE]


def test_verse_is_not_hard_wrapped() -> None:
    verse = ["Roses are red, and the sky is so blue", "violets are blue, and so is the sea",
             "sugar is sweet, and so is the honey", "and so are you."]  # fmt: skip
    assert not is_hard_wrapped(verse)


def test_a_table_row_of_short_cells_in_paragraphs_stays_one_line() -> None:
    # each cell wraps its text in a <p>: the row is still one line, its cells spaced apart
    row = "".join(f"<td><p>{cell}</p></td>" for cell in ["CAPM", "PMI", "$225 to $300"])
    html = (
        f"<html><body><article><p>{PROSE}</p><table><tr>{row}</tr><tr>{row}</tr></table>"
        f"<p>{PROSE} Again.</p></article></body></html>"
    )
    lines = (extract_text(html, "https://example.org/a") or "").split("\n")
    assert "CAPM PMI $225 to $300" in lines
    assert "PMI" not in lines


@pytest.mark.parametrize(
    ("first", "second"),
    [(PROSE + " " + PROSE, "The opposition voted against it. " + PROSE),
     ("Zero driving stress: no storms.", "Less flexibility: tours follow set times.")],
)  # fmt: skip
def test_a_table_of_prose_cells_keeps_its_paragraphs_apart(first: str, second: str) -> None:
    # a layout grid, or pros beside cons: each cell is a sentence, a paragraph of its own
    html = (
        f"<html><body><article><p>{PROSE} First.</p><p>{PROSE} Second.</p><table>"
        f"<tr><td><p>{first}</p></td><td><p>{second}</p></td></tr></table>"
        f"<p>{PROSE} Third.</p></article></body></html>"
    )
    lines = (extract_text(html, "https://example.org/a") or "").split("\n")
    assert first in lines and second in lines


def test_a_row_of_one_cell_is_layout_and_keeps_its_paragraphs_apart() -> None:
    # a title bar laid out in a one-cell row: the time stays apart from the headline,
    # where the dateline filter drops it
    body = etree.fromstring(
        "<body><table><row><cell>3:59 PM<p>Letters</p></cell></row></table></body>"
    )
    assert [text for _, text in body_blocks(body)] == ["3:59 PM", "Letters"]
    two = etree.fromstring(
        "<body><table><row><cell>3:59 PM<p>Letters</p></cell><cell><p>Mail</p></cell></row>"
        "</table></body>"
    )
    assert [text for _, text in body_blocks(two)] == ["3:59 PM Letters Mail"]


INTRO = "Mehr Geld für Schulen und Radwege: Der Rat stimmt nach langer Debatte dem Haushalt zu."


def _intro_page(wrapper: str, intro: str, head: str = "") -> HtmlElement:
    return lxml.html.fromstring(
        f"<html><head><title>Budget approved</title></head><body><form>"
        f'<div class="{wrapper}"><div class="news-single">{head}{intro}'
        f'<div class="body"><p>{PROSE}</p><p>{PROSE} Again.</p></div></div></div>'
        f"</form></body></html>"
    )


@pytest.mark.parametrize(
    "wrapper", ["frame frame-type-list", "wsmenucontainer", "whitelistPremium"]
)
def test_intro_in_a_wrapper_of_the_body_is_recovered_whatever_the_wrappers_class(
    wrapper: str,
) -> None:
    # the class of a container that holds the body too names the article's wrapper, not
    # a widget (a "list" plugin, a menu container): the intro inside it is the article's
    tree = _intro_page(wrapper, f'<div class="teaser-text">{INTRO}</div>')
    blocks = [("p", PROSE), ("p", PROSE + " Again.")]
    assert recover_intro(tree, blocks) == [("p", INTRO), *blocks]


@pytest.mark.parametrize(
    "intro",
    [
        f'<div class="related-list"><div class="teaser-text">{INTRO}</div></div>',
        f'<figure><div class="teaser">{INTRO}</div></figure>',
        f'<div class="leading-tight text-xl">{INTRO}</div>',
        '<div class="excerpt">Archie is a writer from South London who studied film.</div>',
    ],
)
def test_intro_in_a_box_of_its_own_or_in_a_line_height_class_is_not(intro: str) -> None:
    # a related box or a figure of its own around the teaser, "leading-*" (a line
    # height, not a lead), an author card's blurb: no intro
    tree = _intro_page("frame frame-type-list", intro)
    blocks = [("p", PROSE), ("p", PROSE + " Again.")]
    assert recover_intro(tree, blocks) == blocks


@pytest.mark.parametrize(
    "head",
    [
        ("head", "Budget approved"),  # the headline, also the page's <title>
        ("p", "Stadtrat"),  # a kicker
        ("p", "Stand: 5. März 2024, 18:30 Uhr."),  # a stamp
    ],
)
def test_intro_is_found_and_put_before_the_first_paragraph_of_prose(
    head: tuple[str, str],
) -> None:
    # the body's first block is a short line that may stand elsewhere too (in <title>,
    # in a menu): the intro is searched for, and put back, before the first paragraph
    tag = "h1" if head[0] == "head" else "p"
    tree = _intro_page(
        "article", f'<div class="teaser-text">{INTRO}</div>', head=f"<{tag}>{head[1]}</{tag}>"
    )
    blocks = [head, ("p", PROSE), ("p", PROSE + " Again.")]
    assert recover_intro(tree, blocks) == [head, ("p", INTRO), *blocks[1:]]
