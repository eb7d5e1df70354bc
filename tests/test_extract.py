"""ingest.extract: unit tests on small pages, plus a quality gate on the devdata corpus."""

from __future__ import annotations

import importlib.util
import os
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from multiprocessing import Pool
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ingest.core.dates import parse_datetime
from ingest.core.text import clean_visible as clean_text
from ingest.extract import EMPTY, extract_page, extract_text

CET = timezone(timedelta(hours=1))
DEVDATA = Path(__file__).resolve().parents[2] / "shared" / "devdata"

# Floors pinned 0.5 point below what the extractor reached on devdata (both 78.8%, F1 0.9536
# then; 2026-12-03, after issue 13: both 78.7%, F1 0.952, so the floors stay; then with the
# summary box, ordered-list numbers and marked author/promotion boxes: both 79.1%, F1 0.9528;
# plain trafilatura with include_comments=False: both 68.0%, F1 0.927; then with the intro
# recovered from the article's wrappers and before the first paragraph: both 80.8%,
# F1 0.9559; then with the recall rules of test_extract_recall: both 81.0%, F1 0.956; then
# with test_extract_leaks' rules: both 81.2%, F1 0.956).
BOTH_OK_FLOOR = 0.807
F1_FLOOR = 0.951

# Paragraph-level gate on devdata/paragraphs (issue 13), pinned 0.5 point below what the
# extractor reached on all 461 pages (token F1 0.945, paragraph F1 0.871, leaks 7.6%,
# subheadings 92.2%, title repeated 0.2%, paragraph repeated 1.3%; then, with the recall
# fallback, templated link lists, republication boxes, hard wraps and table rows: 0.948,
# 0.880, 7.35%, 92.5%, 0.2%, 1.3%; then with the intro recovery: 0.9485, 0.880, 7.35%,
# 92.4%, 0.2%, 1.3%; then with chrome.py (widget labels, slideshows, template tokens,
# card labels, photo credits) and the recall rules of test_extract_recall: 0.956, 0.888,
# 6.8%, 92.7%, 0.2%, 1.1%; then with test_extract_leaks' rules: 0.956, 0.888, 6.7%, 92.7%,
# 0.2%, 1.1%; then with teaser cards, restored lists and table cells and the
# "subscription" prose kept: 0.957, 0.890, 6.6%, 93.1%, 0.2%, 0.9%; plain trafilatura:
# 0.941, 0.841, 12.1%, 85.1%, 28.4%, 9.8%).
# Floors only rise, ceilings only fall.
PARAGRAPHS = DEVDATA / "paragraphs"
PARAGRAPH_FLOORS = {"tok_f1": 0.952, "par_f1": 0.885, "heads_kept": 0.926}
PARAGRAPH_CEILINGS = {"leak_share": 0.070, "title_rep": 0.007, "dup_rep": 0.013}

SENTENCES = [
    "Der Stadtrat hat am Dienstagabend nach langer Debatte einen neuen Haushalt beschlossen, "
    "der deutlich mehr Geld für Schulen, Radwege und den öffentlichen Nahverkehr vorsieht.",
    "Die Opposition kritisierte vor allem die steigenden Schulden und warnte vor den Folgen "
    "für künftige Generationen, die diese Lasten am Ende tragen müssten.",
    "Der Bürgermeister verteidigte den Entwurf und verwies auf die gestiegenen Baukosten sowie "
    "auf Zuschüsse des Landes, die nur mit einem Eigenanteil der Stadt abrufbar seien.",
    "Nach der Abstimmung kündigten mehrere Initiativen an, die Umsetzung der Projekte genau "
    "zu beobachten und regelmäßig öffentlich Bilanz zu ziehen.",
]


def page(
    body: str,
    *,
    head: str = "",
    title: str = "Stadtrat beschließt Haushalt",
    lang: str = "de",
    before: str = "",
    after: str = "",
) -> str:
    """A realistic article page: site chrome around an <article> holding `body`."""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>
<body>
<header><nav><ul><li><a href="/">Startseite</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/kultur">Kultur</a></li></ul></nav></header>
<main><article><h1>{title}</h1>{before}
<div class="article-body">{body}</div>{after}</article></main>
<footer><p>Impressum | Datenschutz | Kontakt</p></footer>
</body></html>"""


def paragraphs_html(sentences: list[str] = SENTENCES) -> str:
    return "".join(f"<p>{s}</p>" for s in sentences)


# --- body structure -------------------------------------------------------------------------


def test_paragraph_boundaries_are_kept_one_line_each() -> None:
    html = page(paragraphs_html().replace("neuen Haushalt", "neuen\n   Haushalt"))
    result = extract_page(html, "https://example.org/a")
    assert list(result.paragraphs) == SENTENCES
    assert all("\n" not in p and "  " not in p for p in result.paragraphs)


def test_subheadings_and_list_items_are_own_paragraphs() -> None:
    body = (
        paragraphs_html(SENTENCES[:2])
        + "<h2>Was sich für Familien ändert</h2>"
        + "<ul><li>Mehr Kitaplätze in allen Stadtteilen</li>"
        + "<li>Kostenloses Schulessen ab dem Sommer</li></ul>"
        + paragraphs_html(SENTENCES[2:])
    )
    result = extract_page(page(body), None)
    paras = list(result.paragraphs)
    assert "Was sich für Familien ändert" in paras
    assert "Mehr Kitaplätze in allen Stadtteilen" in paras
    assert "Kostenloses Schulessen ab dem Sommer" in paras
    assert paras.index("Was sich für Familien ändert") == paras.index(SENTENCES[1]) + 1


def test_text_is_nfc_without_control_or_invisible_characters() -> None:
    decomposed = unicodedata.normalize("NFD", "Große Änderungen")
    odd = f"{decomposed} im Haus\u00adhalt\u200b\x07 der Stadt."
    body = paragraphs_html(SENTENCES) + f"<p>{odd}</p>"
    result = extract_page(page(body), None)
    last = result.paragraphs[-1]
    assert last == "Große Änderungen im Haushalt der Stadt."
    assert unicodedata.is_normalized("NFC", last)


def test_clean_text_collapses_whitespace() -> None:
    assert clean_text("  a\t\tb\r\n c\x0b ") == "a b c"
    assert clean_text(None) == ""


# --- boilerplate ----------------------------------------------------------------------------


def test_comments_are_excluded() -> None:
    comments = """<section id="comments" class="comments-area"><h3>3 Kommentare</h3>
    <ol class="comment-list"><li class="comment"><div class="comment-content">
    <p>Leserkommentar: Das ist doch alles völlig übertrieben und viel zu teuer für uns.</p>
    </div></li></ol></section>"""
    result = extract_page(page(paragraphs_html(), after=comments), None)
    text = "\n".join(result.paragraphs)
    assert SENTENCES[-1] in text
    assert "Leserkommentar" not in text


def test_nav_share_cookie_newsletter_and_related_are_excluded() -> None:
    body = (
        paragraphs_html(SENTENCES[:2])
        + "<p>Lesen Sie auch: Neue Radwege für die Innenstadt geplant</p>"
        + paragraphs_html(SENTENCES[2:])
        + "<p>Auf Facebook teilen</p>"
        + "<p>Jetzt unseren Newsletter abonnieren und nichts mehr verpassen!</p>"
        + "<p>Wir verwenden Cookies. Mit der Nutzung stimmen Sie der Datenschutzerklärung zu.</p>"
        + "<p>© 2024 Beispiel Verlag GmbH. Alle Rechte vorbehalten.</p>"
        + "<h3>Weitere Artikel zum Thema</h3>"
        + "<ul><li>Schwimmbad bleibt im Winter geschlossen</li>"
        + "<li>Neuer Bahnhof soll 2030 fertig sein</li></ul>"
    )
    result = extract_page(page(body), None)
    text = "\n".join(result.paragraphs)
    assert all(s in text for s in SENTENCES)
    for junk in (
        "Startseite",
        "Impressum",
        "Lesen Sie auch",
        "Facebook",
        "Newsletter",
        "Cookies",
        "Alle Rechte vorbehalten",
        "Weitere Artikel",
        "Schwimmbad",
        "Neuer Bahnhof",
    ):
        assert junk not in text, junk


def test_intro_outside_the_body_container_is_recovered() -> None:
    intro = '<p class="article-lead">Mehr Geld für Schulen und Radwege: Der Rat stimmt zu.</p>'
    result = extract_page(page(paragraphs_html(), before=intro), None)
    assert result.paragraphs[0] == "Mehr Geld für Schulen und Radwege: Der Rat stimmt zu."
    assert list(result.paragraphs[1:]) == SENTENCES


# --- error pages and junk -------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "404 - Seite nicht gefunden",
        "Page not found",
        "Pagina non trovata",
        "Oops! Error 404",
        "Sorry, we couldn't find that page",
        "Stránka nenalezena",
        "Sayfa bulunamadı",
    ],
)
def test_error_shell_is_detected(title: str) -> None:
    body = "<p>Die angeforderte Seite existiert leider nicht. Zur Startseite.</p>"
    result = extract_page(page(body, title=title), None)
    assert result.is_error_page


def test_article_mentioning_404_in_a_long_body_is_not_an_error_page() -> None:
    result = extract_page(page(paragraphs_html(), title="Warum Fehler 404 so häufig ist"), None)
    assert not result.is_error_page


@pytest.mark.parametrize(
    "junk",
    [b"", "", b"\x00\xff\xfe garbage \x00", "just some text", b"<html></html>", "<<<>>>", 12345],
)
def test_junk_input_gives_empty_result(junk: Any) -> None:
    result = extract_page(junk, None)
    assert result.paragraphs == ()
    assert extract_text(junk, None) is None


def test_input_is_capped_before_parsing() -> None:
    html = page(paragraphs_html(SENTENCES[:1]) + "<p>" + "Füllwort " * 50_000 + "</p>")
    capped = extract_page(html.encode(), None, max_bytes=2_000)
    assert 0 < sum(len(p) for p in capped.paragraphs) < 2_000
    assert extract_page(html, None, max_bytes=2_000).paragraphs == capped.paragraphs
    assert sum(len(p) for p in extract_page(html, None).paragraphs) > 400_000


def test_empty_constant_has_no_body() -> None:
    assert EMPTY.paragraphs == () and not EMPTY.is_error_page


# --- metadata -------------------------------------------------------------------------------


def test_metadata_from_meta_tags() -> None:
    head = """
    <link rel="canonical" href="/politik/haushalt-2024">
    <meta property="og:url" content="https://other.example.org/x">
    <meta name="description" content="  Der Rat stimmt dem   Haushalt zu. ">
    <meta property="og:site_name" content="Beispiel Zeitung">
    <meta property="article:published_time" content="2024-03-05T18:30:00+01:00">"""
    result = extract_page(page(paragraphs_html(), head=head, lang="de-CH"), "https://example.org/a")
    assert result.canonical_url == "https://example.org/politik/haushalt-2024"
    assert result.lead == "Der Rat stimmt dem Haushalt zu."
    assert result.site_name == "Beispiel Zeitung"
    assert result.language == "de"
    assert result.title == "Stadtrat beschließt Haushalt"
    assert result.published == datetime(2024, 3, 5, 18, 30, tzinfo=timezone(timedelta(hours=1)))


def test_og_url_and_json_ld_date_as_fallbacks() -> None:
    head = """
    <meta property="og:url" content="https://example.it/articolo/123">
    <script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "WebPage"},
     {"@type": "NewsArticle", "datePublished": "2023-11-02T07:15:00Z"}]}
    </script>"""
    result = extract_page(page(paragraphs_html(), head=head, lang="it"), None)
    assert result.canonical_url == "https://example.it/articolo/123"
    assert result.published == datetime(2023, 11, 2, 7, 15, tzinfo=UTC)
    assert result.language == "it"


def test_date_without_offset_is_naive() -> None:
    head = '<meta property="article:published_time" content="2022-01-31 09:00">'
    result = extract_page(page(paragraphs_html(), head=head), None)
    assert result.published == datetime(2022, 1, 31, 9, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5)),
        ("2024-03-05T18:30:00+0100", datetime(2024, 3, 5, 18, 30, tzinfo=CET)),
        ("2024-03-05T18:30:00.123Z", datetime(2024, 3, 5, 18, 30, 0, 123000, tzinfo=UTC)),
        ("yesterday", None),
        ("2024-13-45", None),
        (None, None),
    ],
)
def test_parse_datetime(value: str | None, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


# --- quality gate on the devdata corpus ------------------------------------------------------


def _load_measure() -> ModuleType:
    spec = importlib.util.spec_from_file_location("devdata_measure", DEVDATA / "measure.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_MEASURE: list[ModuleType] = []  # one import per worker process


def _score(job: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    data_dir, record = job
    if not _MEASURE:
        _MEASURE.append(_load_measure())
    measure = _MEASURE[0]
    html = measure.read_html(data_dir, record["file"])
    return measure.score_page(record, extract_text(html, record.get("url")))


@pytest.mark.slow  # 40-100 s on a shared 2-core machine; still runs by default
def test_quality_gate_on_devdata() -> None:
    if not (DEVDATA / "pages.jsonl").is_file():
        reason = f"devdata corpus not found at {DEVDATA}"
        print(reason)
        pytest.skip(reason)
    measure = _load_measure()
    records = measure.load_pages(str(DEVDATA))
    jobs = [(str(DEVDATA), record) for record in records]
    with Pool(max(1, min(4, os.cpu_count() or 1))) as pool:
        results = pool.map(_score, jobs, chunksize=8)
    summary = measure.summarize(results)
    print(
        f"devdata: both {summary['both_ok']:.1%}, F1 {summary['f1']:.4f}, "
        f"with {summary['with_ok']:.1%}, without {summary['without_ok']:.1%}"
    )
    assert summary["pages"] == len(records)
    assert summary["both_ok"] >= BOTH_OK_FLOOR
    assert summary["f1"] >= F1_FLOOR


_PARAGRAPH_MEASURE: list[ModuleType] = []


def _load_paragraph_measure() -> ModuleType:
    spec = importlib.util.spec_from_file_location("paragraphs_measure", PARAGRAPHS / "measure.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score_paragraphs(record: dict[str, Any]) -> dict[str, Any]:
    if not _PARAGRAPH_MEASURE:
        _PARAGRAPH_MEASURE.append(_load_paragraph_measure())
    measure = _PARAGRAPH_MEASURE[0]
    html = measure.read_html(str(PARAGRAPHS), record["file"])
    return measure.score_page(record, extract_text(html, record.get("url")))


@pytest.mark.slow  # 15-30 s on a shared 2-core machine; still runs by default
def test_paragraph_gate_on_devdata() -> None:
    if not (PARAGRAPHS / "truth.jsonl").is_file():
        reason = f"devdata paragraphs set not found at {PARAGRAPHS}"
        print(reason)
        pytest.skip(reason)
    measure = _load_paragraph_measure()
    records = measure.load_records(str(PARAGRAPHS))
    with Pool(max(1, min(4, os.cpu_count() or 1))) as pool:
        rows = pool.map(_score_paragraphs, records, chunksize=8)
    summary = measure.summarise(rows)
    print("devdata/paragraphs: " + ", ".join(f"{k} {summary[k]:.4f}" for k in sorted(summary)))
    assert summary["pages"] == len(records)
    for key, floor in PARAGRAPH_FLOORS.items():
        assert summary[key] >= floor, key
    for key, ceiling in PARAGRAPH_CEILINGS.items():
        assert summary[key] <= ceiling, key
