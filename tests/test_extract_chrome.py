"""Page chrome left in the body (ingest/extract/chrome.py): widget labels, slideshows,
template tokens, card labels and photo credits, on small hand-written pages in German, Spanish,
French, English and Polish."""

from __future__ import annotations

import lxml.html

from ingest.extract import extract_page
from ingest.extract.chrome import (
    drop_card_labels,
    drop_credits,
    drop_placeholders,
    drop_slideshows,
    drop_widget_lines,
    is_placeholder,
)

PROSE_DE = (
    "Der Stadtrat hat am Dienstag nach einer langen Debatte den Haushalt für das kommende "
    "Jahr beschlossen. Die Schulen bekommen mehr Geld als in jedem Jahr zuvor."
)
PROSE_ES = (
    "El ayuntamiento aprobó el martes el presupuesto del próximo año tras un largo debate, "
    "con más dinero para escuelas, carriles bici y autobuses que nunca."
)
PROSE_FR = (
    "Le conseil municipal a adopté mardi le budget de l'année prochaine après un long débat, "
    "avec plus d'argent pour les écoles, les pistes cyclables et les bus."
)


def _blocks(*lines: str) -> list[tuple[str, str]]:
    return [("p", line) for line in lines]


VIDEO_PAGE = """<html lang="de"><body><article>
<div class="player">
  <ul role="menu"><li role="menuitemradio">Kapitel</li>
    <li role="menuitemcheckbox">Untertitel aus, ausgewählt</li></ul>
  <div role="dialog"><p>Dies ist ein modales Fenster.</p><button>Schließen</button></div>
</div>
<select name="inhalt"><option>Inhalt</option><option>Was sich für Familien ändert</option></select>
<p>{prose}</p>
<h2>Was sich für Familien ändert</h2>
<p>{prose}</p>
</article></body></html>"""


def test_widget_labels_leave_the_body_and_toc_headings_stay() -> None:
    tree = lxml.html.fromstring(VIDEO_PAGE.format(prose=PROSE_DE))
    blocks = [
        ("p", "Kapitel"),
        ("p", "Untertitel aus, ausgewählt"),
        ("p", "Dies ist ein modales Fenster."),
        ("p", "Schließen"),
        ("p", PROSE_DE),
        # the table of contents' <option> repeats it, but the text has it too
        ("head", "Was sich für Familien ändert"),
        ("p", PROSE_DE),
    ]
    assert drop_widget_lines(tree, blocks) == [
        ("p", PROSE_DE),
        ("head", "Was sich für Familien ändert"),
        ("p", PROSE_DE),
    ]


ACCORDION_PAGE = """<html lang="fr"><body><article><p>{prose}</p>
<h2>Questions fréquentes</h2>
<button aria-expanded="true">Combien coûte le permis ?</button>
<div><p>Le permis coûte 40 euros par an et se demande en ligne.</p></div>
<div role="button"><h3>Où le demander ?</h3></div>
<div><p>À la mairie ou sur le site de la ville, du lundi au vendredi.</p></div>
</article></body></html>"""


def test_accordion_toggles_are_the_text_s_questions() -> None:
    tree = lxml.html.fromstring(ACCORDION_PAGE.format(prose=PROSE_FR))
    blocks = _blocks(
        PROSE_FR,
        "Combien coûte le permis ?",
        "Le permis coûte 40 euros par an et se demande en ligne.",
        "Où le demander ?",
        "À la mairie ou sur le site de la ville, du lundi au vendredi.",
    )
    assert drop_widget_lines(tree, blocks) == blocks


GALLERY = [
    "1/5 El alcalde en el pleno",
    "El alcalde presenta el presupuesto ante el pleno del ayuntamiento.",
    "2/5 La oposición vota en contra",
    "Los concejales de la oposición votan en contra del proyecto.",
    "EFE",
    "3/5 Nuevos carriles bici",
    "Los nuevos carriles bici se construirán el año que viene.",
    "4/5 Autobuses eléctricos",
    "La ciudad comprará veinte autobuses eléctricos.",
    "5/5 Las escuelas, las grandes ganadoras",
    "Las escuelas recibirán más dinero que nunca.",
    "Europa Press",
]


def test_a_slideshow_in_the_article_is_dropped_whole() -> None:
    blocks = _blocks(PROSE_ES, *GALLERY, PROSE_ES + " Fin.")
    assert drop_slideshows(blocks) == _blocks(PROSE_ES, PROSE_ES + " Fin.")


def test_a_short_numbered_list_is_not_a_slideshow() -> None:
    # steps of the text counted against their total: fewer than SLIDE_RUN
    blocks = _blocks("1/3 Preparar los papeles", PROSE_ES, "2/3 Pedir cita", "3/3 Pagar la tasa")
    assert drop_slideshows(blocks) == blocks
    # counters against different totals, or falling, are no gallery either
    mixed = _blocks("1/5 a b", "2/6 c d", "3/7 e f", "4/8 g h", "9/9 i j", "2/9 k l")
    assert drop_slideshows(mixed) == mixed


def test_template_tokens_are_dropped_and_tag_prefixes_cut() -> None:
    assert is_placeholder("[CTA_MODULE]")
    assert is_placeholder("{{ newsletter_box }}")
    assert not is_placeholder("[sic]")
    assert not is_placeholder("[1]")
    assert not is_placeholder("[UPDATE] The minister resigned on Friday.")
    blocks = [("p", PROSE_FR), ("p", "[CTA_MODULE]"), ("p", "[H4] Classement"), ("p", PROSE_FR)]
    assert drop_placeholders(blocks) == [("p", PROSE_FR), ("p", "Classement"), ("p", PROSE_FR)]


PLACEHOLDER_PAGE = """<html lang="pl"><head><title>Rada miasta przyjęła budżet</title></head>
<body><article><h1>Rada miasta przyjęła budżet</h1>
<p>Rada miasta przyjęła we wtorek budżet na przyszły rok po długiej debacie. Szkoły dostaną
więcej pieniędzy niż kiedykolwiek wcześniej, powiedziała burmistrz na konferencji.</p>
<p>[AD_SLOT_2]</p>
<p>Więcej pieniędzy przewidziano także na nowe ścieżki rowerowe i autobusy. Opozycja
skrytykowała, że dług miasta znowu wzrośnie, i głosowała przeciwko projektowi.</p>
<p>Opłaty za przedszkola pozostaną w przyszłym roku bez zmian. Wzrosną dopiero w 2028
roku, gdy skończy się dotacja województwa, powiedziała skarbnik miasta.</p>
</article></body></html>"""


def test_a_template_token_leaves_the_stored_body() -> None:
    paragraphs = extract_page(PLACEHOLDER_PAGE, "https://example.pl/a/1").paragraphs
    assert len(paragraphs) == 3
    assert "[AD_SLOT_2]" not in paragraphs


CARDS_PAGE = """<html lang="cs"><body><article><p>{prose}</p>{cards}</article></body></html>"""
CARD = """<div class="card"><h3>{name}</h3><dl><dt>Míra přijetí</dt><dd>{rate}</dd></dl>
<dl><dt>Typ školy</dt><dd>{kind}</dd></dl></div>"""


def test_data_card_labels_repeated_on_every_card_leave_the_body() -> None:
    schools = [("Univerzita A", "96 %", "Veřejná"), ("Univerzita B", "40 %", "Soukromá")]
    schools.append(("Univerzita C", "75 %", "Veřejná"))
    cards = "".join(CARD.format(name=n, rate=r, kind=k) for n, r, k in schools)
    tree = lxml.html.fromstring(CARDS_PAGE.format(prose=PROSE_FR, cards=cards))
    blocks = [("p", PROSE_FR)]
    for name, _, kind in schools:  # the figures lost, as trafilatura loses them
        blocks += [("head", name), ("item", "Míra přijetí"), ("item", "Typ školy"), ("item", kind)]
    kept = drop_card_labels(tree, blocks)
    assert [text for _, text in kept] == [
        PROSE_FR, "Univerzita A", "Veřejná", "Univerzita B", "Soukromá", "Univerzita C", "Veřejná"
    ]  # fmt: skip
    # two cards are no template: a glossary's terms stay
    two = lxml.html.fromstring(
        CARDS_PAGE.format(prose=PROSE_FR, cards=cards[: cards.rindex("<div")])
    )
    assert drop_card_labels(two, blocks) == blocks


FIGURE_PAGE = """<html lang="it"><body><article><p>{prose}</p>
<figure><img src="a.jpg"><figcaption>Il sindaco in consiglio comunale.
<span class="image-credit">Mario Rossi / Comune</span></figcaption></figure>
<figure><img src="b.jpg"><figcaption>Foto: Ansa</figcaption></figure>
<figure><img src="c.jpg"><figcaption>Os novos ônibus elétricos</figcaption></figure>
<p>{prose} Due.</p></article></body></html>"""


def test_photo_credits_leave_the_body_and_captions_stay() -> None:
    tree = lxml.html.fromstring(FIGURE_PAGE.format(prose=PROSE_FR))
    blocks = _blocks(
        PROSE_FR,
        "Il sindaco in consiglio comunale.",
        "Mario Rossi / Comune",
        "Foto: Ansa",
        "Os novos ônibus elétricos",
        PROSE_FR + " Due.",
    )
    assert [text for _, text in drop_credits(tree, blocks)] == [
        PROSE_FR,
        "Il sindaco in consiglio comunale.",
        "Os novos ônibus elétricos",
        PROSE_FR + " Due.",
    ]
