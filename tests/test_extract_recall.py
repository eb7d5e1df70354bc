"""Paragraph recall rules of ingest.extract (issue 13): body text lost, split or merged.

Each rule has its case here, on small hand-written pages or on trafilatura's XML body.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from ingest.extract import extract_text
from ingest.extract.blocks import body_blocks, refill_blank_cells
from ingest.extract.headings import restore_headings
from ingest.extract.lists import restore_lists
from ingest.extract.mend import reopen_early_end, space_glued_heading_parts
from tests.test_extract import SENTENCES

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


PROSE_DE = SENTENCES[:3]
FOLDED_DE = [
    "Im ersten Schritt prüft die Verwaltung, welche Schulen zuerst saniert werden, und legt "
    "dem Rat bis zum Sommer eine Liste mit Kosten und Zeitplan für jedes Gebäude vor.",
    "Danach schreibt die Stadt die Arbeiten aus; die ersten Baustellen sollen im Herbst "
    "beginnen, damit der Unterricht in den Ferien möglichst wenig gestört wird.",
]


def _article(inner: str, lang: str = "de") -> str:
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><title>Haushalt beschlossen</title></head>"
        "<body><nav><a href='/'>Start</a> <a href='/politik'>Politik</a></nav>"
        f"<main><article><h1>Haushalt beschlossen</h1>{inner}</article></main>"
        "<footer>Impressum</footer></body></html>"
    )


def test_collapsed_accordion_panels_of_the_article_are_read() -> None:
    # WAI-ARIA accordion: the panel is a region labelled by its button, hidden by style
    # until the reader opens it
    panels = "".join(
        f"<h3><button id='acc{i}' aria-expanded='false'>Schritt {i + 1}</button></h3>"
        f"<div id='acc{i}-panel' role='region' aria-labelledby='acc{i}' style='display:none;'>"
        f"<p>{text}</p></div>"
        for i, text in enumerate(FOLDED_DE)
    )
    page = _article("".join(f"<p>{p}</p>" for p in PROSE_DE) + panels)
    lines = (extract_text(page, "https://example.org/haushalt") or "").split("\n")
    assert all(p in lines for p in PROSE_DE + FOLDED_DE)


def test_a_hidden_dialog_is_not_shown() -> None:
    dialog = (
        "<div role='dialog' aria-labelledby='t' style='display:none'><h2 id='t'>Teilen</h2>"
        f"<p>{FOLDED_DE[0]}</p></div>"
    )
    page = _article("".join(f"<p>{p}</p>" for p in PROSE_DE) + dialog)
    assert FOLDED_DE[0] not in (extract_text(page, "https://example.org/haushalt") or "")


PROSE_ES = [
    "El ayuntamiento aprobó el martes por la noche, tras un largo debate, un presupuesto que "
    "destina mucho más dinero a escuelas, carriles para bicicletas y autobuses.",
    "La oposición criticó sobre todo el aumento de la deuda y advirtió de las consecuencias "
    "para las generaciones futuras, que tendrán que cargar con ella.",
    "El alcalde defendió el proyecto y recordó el aumento de los costes de construcción y las "
    "ayudas de la región, que solo se obtienen con una parte aportada por la ciudad.",
]


def test_parts_of_the_article_streamed_by_react_are_put_in_place() -> None:
    # React's streamed rendering: a placeholder and a "Loading..." fallback in the
    # article, the part sent at the end of the document in a hidden div, and a script
    # that moves it into place
    streamed = "".join(f"<p>{p}</p>" for p in PROSE_ES[1:])
    page = (
        "<!DOCTYPE html><html lang='es'><head><title>Presupuesto aprobado</title></head><body>"
        "<nav><a href='/'>Inicio</a> <a href='/politica'>Política</a></nav>"
        f"<main><article><h1>Presupuesto aprobado</h1><p>{PROSE_ES[0]}</p>"
        "<!--$?--><template id='B:0'></template><div>Cargando...</div><!--/$-->"
        "</article></main><footer>Aviso legal</footer>"
        f"<div hidden id='S:0'>{streamed}</div>"
        '<script>$RC("B:0","S:0")</script></body></html>'
    )
    lines = (extract_text(page, "https://example.org/presupuesto") or "").split("\n")
    assert lines == PROSE_ES


def test_a_heading_in_a_card_header_with_labels_heads_the_text_after_the_header() -> None:
    # <header><h2>name</h2><ul>labels</ul></header> then the text: the labels' line is
    # not the body, so the heading is put before the paragraph after the header
    long_fr = [f"{p} {p}" for p in PROSE_FR]  # paragraphs of the story's length
    cards = "".join(
        f"<div class='card'><header><h2>{name}</h2><ul class='tags'><li>Cuisine française</li>"
        f"<li>Centre-ville</li><li><a href='https://example.org'>example.org</a></li></ul>"
        f"</header><div class='description'><p>{text}</p></div></div>"
        for name, text in zip(["Chez Marcel", "Le Petit Zinc"], long_fr[1:], strict=True)
    )
    tree = lxml.html.fromstring(
        f"<html><body><article><p>{long_fr[0]}</p>{cards}</article></body></html>"
    )
    blocks = [("p", text) for text in long_fr]
    assert restore_headings(tree, blocks) == [
        ("p", long_fr[0]),
        ("head", "Chez Marcel"),
        ("p", long_fr[1]),
        ("head", "Le Petit Zinc"),
        ("p", long_fr[2]),
    ]


def test_inline_parts_of_a_heading_set_on_lines_of_their_own_stay_apart() -> None:
    tree = lxml.html.fromstring(
        "<html><body><article>"
        "<h2><span><a href='/umelec/kveta'>Květa Nováková</a><em>Podzimní písně</em>"
        "<span class='label'>Indies</span></span></h2>"
        "<h3><b>M</b>anchester im Regen</h3><h3><a href='/rat'>Rat</a>haus 2024</h3>"
        "</article></body></html>"
    )
    space_glued_heading_parts(tree)
    assert [" ".join(h.text_content().split()) for h in tree.iter("h2", "h3")] == [
        "Květa Nováková Podzimní písně Indies",
        "Manchester im Regen",
        "Rathaus 2024",
    ]


PROSE_PT = [
    "A câmara aprovou na terça-feira à noite, depois de um longo debate, um orçamento que "
    "prevê muito mais dinheiro para escolas, ciclovias e autocarros do que no ano passado.",
    "Os vereadores da oposição votaram contra e explicaram as suas razões em três pontos:",
    "O presidente da câmara defendeu o projeto e lembrou a subida dos custos de construção "
    "e os apoios da região, que só se obtêm com uma parte paga pelo município.",
]
ITEMS_PT = ["A dívida sobe dois anos seguidos", "As obras começam tarde demais", "Faltam creches"]


def _list_page(items: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(
        "<html><body><nav><ul><li><a href='/'>Início</a></li><li><a href='/p'>Política</a>"
        f"</li></ul></nav><article><p>{PROSE_PT[0]}</p><p>{PROSE_PT[1]}</p>{items}"
        f"<p>{PROSE_PT[2]}</p></article></body></html>"
    )


def test_a_list_dropped_between_two_adjacent_body_paragraphs_is_put_back() -> None:
    tree = _list_page("<ul>" + "".join(f"<li>{i}</li>" for i in ITEMS_PT) + "</ul>")
    blocks = [("p", p) for p in PROSE_PT]
    assert restore_lists(tree, blocks) == [
        *blocks[:2],
        *(("item", i) for i in ITEMS_PT),
        blocks[2],
    ]


def test_a_list_of_links_or_one_whose_neighbours_are_apart_is_not() -> None:
    links = "<ul>" + "".join(f"<li><a href='/x'>{i}</a></li>" for i in ITEMS_PT) + "</ul>"
    blocks = [("p", p) for p in PROSE_PT]
    assert restore_lists(_list_page(links), blocks) == blocks
    plain = "<ul>" + "".join(f"<li>{i}</li>" for i in ITEMS_PT) + "</ul>"
    # something the body kept stands between the paragraphs around the list: not a gap
    apart = [
        blocks[0],
        blocks[1],
        ("p", "Uma citação do debate, guardada pelo extrator."),
        blocks[2],
    ]
    assert restore_lists(_list_page(plain), apart) == apart


PROSE_DE = [
    "Der Stadtrat hat am Dienstagabend nach langer Debatte einen Haushalt beschlossen, der "
    "deutlich mehr Geld für Schulen, Radwege und den Busverkehr vorsieht als im Vorjahr.",
    "Die Opposition kritisierte vor allem den Anstieg der Schulden und nannte drei Gründe:",
    "Der Bürgermeister verteidigte den Entwurf mit den gestiegenen Baukosten und den "
    "Zuschüssen des Landes, die es nur mit einem Eigenanteil der Stadt gibt. Die Abstimmung "
    "über den Nachtragshaushalt folgt im Herbst.",
]
# headings come back only above the story's last long paragraph (restore_headings)
PROSE_PT_LONG = [
    *PROSE_PT[:2],
    PROSE_PT[2] + " A votação final do orçamento suplementar fica marcada para o outono.",
]
TERMS_DE = [
    ("Schulden", "Sie steigen zwei Jahre in Folge, auf den höchsten Stand seit 2010"),
    ("Bauzeit", "Die Arbeiten beginnen zu spät"),
    ("Kitas", "Es fehlen Plätze in allen Stadtteilen"),
]
TERMS_PT = [
    ("Dívida", "Sobe dois anos seguidos e chega ao nível mais alto desde 2010"),
    ("Obras", "Começam tarde demais"),
    ("Creches", "Faltam vagas em todos os bairros"),
]


def _headed_list_page(prose: list[str], heading: str, terms: list[tuple[str, str]]) -> str:
    items = "".join(f"<li><strong>{term}</strong><br>{text}</li>" for term, text in terms)
    return (
        f"<html><body><article><p>{prose[0]}</p><p>{prose[1]}</p><h3>{heading}</h3>"
        f"<ul>{items}</ul><p>{prose[2]}</p></article></body></html>"
    )


def test_a_list_dropped_with_its_subheading_comes_back_under_it() -> None:
    for prose, heading, terms in (
        (PROSE_DE, "Die drei Kritikpunkte", TERMS_DE),
        (PROSE_PT_LONG, "Os três pontos da oposição", TERMS_PT),
    ):
        tree = lxml.html.fromstring(_headed_list_page(prose, heading, terms))
        blocks = [("p", p) for p in prose]
        # a line break between an item's term and its text is a space, not glue
        items = [("item", f"{term} {text}") for term, text in terms]
        assert restore_headings(tree, restore_lists(tree, blocks)) == [
            *blocks[:2],
            ("head", heading),
            *items,
            blocks[2],
        ]


def test_a_headed_list_whose_neighbours_are_apart_in_the_body_is_not() -> None:
    tree = lxml.html.fromstring(_headed_list_page(PROSE_DE, "Die drei Kritikpunkte", TERMS_DE))
    # the body keeps something between the paragraphs around the heading and its list
    apart = [
        ("p", PROSE_DE[0]),
        ("p", PROSE_DE[1]),
        ("p", "Ein Zitat aus der Debatte, das der Extraktor behalten hat."),
        ("p", PROSE_DE[2]),
    ]
    assert restore_lists(tree, apart) == apart


def _boxed_list_page(prose: list[str], items: list[str], between: str) -> str:
    listed = "".join(f"<li>{item}</li>" for item in items)
    return (
        f"<html><body><article><p>{prose[0]}</p><p>{prose[1]}</p>"
        f"<div class='rich-text'><ul>{listed}</ul></div>{between}"
        f"<p>{prose[2]}</p></article></body></html>"
    )


ITEMS_DE = ["Die Schulden steigen", "Die Bauarbeiten beginnen zu spät", "Es fehlen Kitaplätze"]
PICTURE_BOX = "<div class='image'><img src='/bild.jpg' alt=''></div>"


def test_a_list_ending_its_box_before_a_picture_is_put_back() -> None:
    for prose, items in ((PROSE_DE, ITEMS_DE), (PROSE_PT, ITEMS_PT)):
        tree = lxml.html.fromstring(_boxed_list_page(prose, items, PICTURE_BOX))
        blocks = [("p", p) for p in prose]
        assert restore_lists(tree, blocks) == [
            *blocks[:2],
            *(("item", item) for item in items),
            blocks[2],
        ]


def test_a_boxed_list_followed_by_a_line_of_its_own_is_not() -> None:
    # a short line after the box (a label, a date) may be what the body left out
    label = "<div class='label'>Anzeige</div>"
    tree = lxml.html.fromstring(_boxed_list_page(PROSE_DE, ITEMS_DE, PICTURE_BOX + label))
    blocks = [("p", p) for p in PROSE_DE]
    assert restore_lists(tree, blocks) == blocks


def _table_page(rows: list[tuple[str, str]]) -> lxml.html.HtmlElement:
    cells = "".join(
        f"<tr><td><span>{a}</span> </td><td><span>{b}</span></td></tr>" for a, b in rows
    )
    return lxml.html.fromstring(f"<html><body><table>{cells}</table></body></html>")


def _blanked(rows: list[tuple[str, str]]) -> etree._Element:
    """trafilatura's table: the first cell of each row emptied."""
    return _body(
        "<table>" + "".join(f"<row><cell/><cell>{b}</cell></row>" for _, b in rows) + "</table>"
    )


def test_table_cells_blanked_as_share_buttons_get_their_text_back() -> None:
    for rows in (
        [
            ("LinkedIn", "2,50 € bis 7,00 €"),
            ("Facebook", "0,50 € bis 3,00 €"),
            ("Drucken", "0,20 €"),
        ],
        [("Twitter", "$0.50 to $2.00"), ("Email", "$0.10 per message"), ("Instagram", "$0.50")],
    ):
        body = _blanked(rows)
        refill_blank_cells(_table_page(rows), body)
        assert [text for _, text in body_blocks(body)] == [f"{a} {b}" for a, b in rows]


def test_cells_blanked_for_another_reason_or_matched_twice_stay_blank() -> None:
    # a comparison table's product cell (a picture and a link): not a share word
    rows = [("Logitech MX Master 4 See It", "Our pick"), ("Twitter", "$0.50"), ("Xing", "$0.50")]
    body = _blanked(rows)
    refill_blank_cells(_table_page(rows), body)
    # the product stays out; "$0.50" is the value of two page rows: whose label is unknown
    assert [text for _, text in body_blocks(body)] == ["Our pick", "$0.50", "$0.50"]
