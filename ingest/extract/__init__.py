"""Article page HTML -> clean structured content (PageContent).

trafilatura finds the main text; this module turns its XML body into one-line paragraphs,
drops the boilerplate trafilatura lets through (share/newsletter/cookie lines, "read more"
teasers, related-article lists, copyright lines) and reads the page metadata we need
(canonical URL, publication datetime with its offset, language) straight from the markup,
because trafilatura only gives a bare date and no canonical/lang.

Pure and CPU-bound: no I/O, safe to run in a process pool. Never raises on bad input.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import (
    Document,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
)
from trafilatura.utils import load_html

from ingest.core.text import clean_visible as clean_text
from ingest.core.types import PageContent

# trafilatura logs every discarded page at WARNING; for us an empty body is a normal outcome.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)

EMPTY = PageContent(title=None, lead=None, paragraphs=())

# --- body: trafilatura XML -> paragraphs ----------------------------------------------------

# Elements of trafilatura's output tree that start a new paragraph. Everything else
# (hi, ref, del, span ...) is inline and flows into the surrounding paragraph.
_BLOCK_TAGS = frozenset(
    {
        "p",
        "head",
        "list",
        "item",
        "quote",
        "table",
        "row",
        "code",
        "div",
        "graphic",
        "lb",
        "body",
        "doc",
        "main",
        "section",
        "article",
    }
)
_BREAK = "\x00"  # paragraph separator while linearizing; Cc, so it cannot survive clean_text


# Block-level tags of the source HTML, for text taken from the page itself (the intro).
_HTML_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "header",
        "table",
        "tr",
        "figure",
        "figcaption",
        "dd",
        "dt",
    }
)
_SKIP_HTML_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "button", "form"})


def _linearize(
    el: etree._Element, out: list[str], kinds: list[str], kind: str, blocks: frozenset[str]
) -> None:
    """Depth-first text of `el` with _BREAK around block elements.

    `kinds` records, for each _BREAK-delimited chunk, the tag of the block it started in,
    so filters can treat headings and list items differently from running text.
    """
    tag = el.tag if isinstance(el.tag, str) else ""
    is_block = tag in blocks
    if is_block:
        out.append(_BREAK)
        kinds.append(tag)
        kind = tag
    if tag == "cell" and el.getprevious() is not None:
        out.append(" ")  # table cells of one row share a paragraph, spaced apart
    if el.text and tag != "graphic" and tag not in _SKIP_HTML_TAGS:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _SKIP_HTML_TAGS:
            _linearize(child, out, kinds, kind, blocks)
            if child.tag in blocks:
                # text after a nested block belongs to the enclosing block again
                out.append(_BREAK)
                kinds.append(kind)
        if child.tail:
            out.append(child.tail)
    if is_block:
        out.append(_BREAK)
        kinds.append("")


def _split_blocks(el: etree._Element, blocks: frozenset[str]) -> list[tuple[str, str]]:
    out: list[str] = []
    kinds: list[str] = []
    _linearize(el, out, kinds, "body", blocks)
    chunks = "".join(out).split(_BREAK)
    # chunk i (i >= 1) was opened by the i-th _BREAK, whose kind is kinds[i - 1]
    result: list[tuple[str, str]] = []
    for i, chunk in enumerate(chunks):
        text = clean_text(chunk)
        if text:
            result.append((kinds[i - 1] if i else "body", text))
    return result


def body_blocks(body: etree._Element | None) -> list[tuple[str, str]]:
    """(kind, text) for each non-empty paragraph of a trafilatura body, in order."""
    return _split_blocks(body, _BLOCK_TAGS) if body is not None else []


# --- intro recovery -------------------------------------------------------------------------
# Many templates put the article's intro ("lead", "chapo", "teaser-text", "standfirst") in a
# header block next to, not inside, the body container, and trafilatura then drops it. We
# take it back when it sits just before the body in the same article and is not already there.

_INTRO_CLASS = re.compile(
    r"lead|intro|chapo|teaser|abstract|excerpt|standfirst|summary|deck|preface|subtitle|"
    r"vorspann|short-info|description",
    re.IGNORECASE,
)
# Containers of other articles' teasers, navigation and widgets: never an intro.
_NOT_INTRO_CLASS = re.compile(
    r"related|sidebar|widget|comment|carousel|recommend|slider|footer|nav|menu|more|list|"
    r"card|author|bio|caption|image|img|photo|media|video|gallery|newsletter|social|share|promo",
    re.IGNORECASE,
)
_INTRO_TAGS = frozenset({"p", "div", "h2", "h3", "section", "span", "strong"})
_NOT_INTRO_ANCESTORS = frozenset({"nav", "aside", "footer", "form", "figure", "li", "a", "script"})
_INTRO_MAX_DEPTH = 6  # how far up from the intro the body may start (same article block)


def _attr_text(el: HtmlElement) -> str:
    return f"{el.get('class', '')} {el.get('id', '')}"


def _intro_candidates(tree: HtmlElement, stop: HtmlElement) -> Iterator[HtmlElement]:
    """Intro-like elements of `tree` that come before `stop` in document order."""
    for el in tree.iter(*_INTRO_TAGS, stop.tag):
        if el is stop:
            return
        if el.tag not in _INTRO_TAGS:
            continue
        attrs = _attr_text(el)
        if not _INTRO_CLASS.search(attrs) or _NOT_INTRO_CLASS.search(attrs):
            continue
        if any(
            anc.tag in _NOT_INTRO_ANCESTORS or _NOT_INTRO_CLASS.search(_attr_text(anc))
            for anc in el.iterancestors()
            if anc.tag not in ("html", "body")
        ):
            continue
        yield el


def _find_body_start(tree: HtmlElement, first: str) -> HtmlElement | None:
    """The innermost element whose text starts with the body's first paragraph.

    Looks for the text node that begins the paragraph, then climbs to the element holding
    all of it; cheaper than calling text_content() on every element of a large page.
    """
    probe = first[:60]
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in _SKIP_HTML_TAGS:
            continue
        text = clean_text(el.text)
        if len(text) < 4 or not (probe.startswith(text) or text.startswith(probe)):
            continue
        for depth, anc in enumerate(el.iterancestors()):
            if clean_text(el.text_content()).startswith(probe):
                return el
            if depth >= 4:
                break
            el = anc
    return None


def _is_ancestor(anc: HtmlElement, el: HtmlElement) -> bool:
    return any(a is anc for a in el.iterancestors())


def recover_intro(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Intro paragraphs found just before the body and missing from it (maybe empty)."""
    if not blocks:
        return []
    start = _find_body_start(tree, blocks[0][1])
    if start is None:
        return []
    body_text = " ".join(text for _, text in blocks)
    scope = start
    for _ in range(_INTRO_MAX_DEPTH):
        if scope.getparent() is None:
            break
        scope = scope.getparent()
    # Only elements before the body's start: iterating stops there, instead of numbering
    # every element of the scope (a Python object each) to compare positions.
    for el in _intro_candidates(scope, stop=start):
        if _is_ancestor(el, start):
            continue
        intro = [(k, t) for k, t in _split_blocks(el, _HTML_BLOCK_TAGS) if t not in body_text]
        text_len = sum(len(t) for _, t in intro)
        if 40 <= text_len <= 1500:
            return [("p", t) for _, t in intro]
    return []


# --- boilerplate filters --------------------------------------------------------------------
# trafilatura keeps whatever sits inside the article container it picked; these rules catch
# the widgets publishers put *inside* that container. Every rule is limited to short
# paragraphs: real prose is long, widget text is short, and a length cap keeps a rule that
# matches a word from deleting a genuine paragraph.

_TEASER_WORDS = (
    r"read more|read also|also read|read next|see also|related|more|"
    r"lesen sie (?:auch|hier|mehr|dazu|weiter)|auch (?:interessant|lesen)|"
    r"mehr (?:zum thema|dazu|lesen)|"
    r"das könnte (?:sie|dich) (?:auch )?interessieren|(?:zum )?weiterlesen|schon gelesen\??|"
    r"lea (?:también|más|además)|lee también|lea|le puede interesar|te puede interesar|"
    r"puede interesarte|puedes ver|vea también|ver también|mira|mire|"
    r"à lire (?:aussi|également)|lire aussi|à voir aussi|voir aussi|à lire|"
    r"leggi anche|leggi anche|czytaj (?:też|także|również|więcej)|zobacz (?:też|także|również)|"
    r"dowiedz się więcej|polecamy|leia também|veja também|saiba mais"
)
# "Read more: <other article's title>" -- the phrase must be followed by a separator, so a
# sentence that merely starts with "More" or "Mira" survives.
_TEASER_PREFIX = re.compile(rf"^(?:>+\s*)?(?:{_TEASER_WORDS})\s*(?:[:»>|]|$)", re.IGNORECASE)

# Headings of related-article / recommendation boxes; the teaser titles after them go too.
_RELATED_HEADING = re.compile(
    r"^(?:>+\s*)?(?:related|recommended|you (?:may|might) also like|more (?:from|stories|news|on)|"
    r"read next|most (?:read|popular)|popular|next article|previous article|"
    r"weitere (?:artikel|beiträge|themen|nachrichten|meldungen|informationen|infos|"
    r"aktuelle themen|tourentipps)|mehr (?:themen|zum thema|aus|news|artikel)|top-themen|"
    r"meist(?:gelesen|-gelesen|diskutiert|-diskutiert|geklickt)|auch interessant|auch lesen|"
    r"das könnte (?:sie|dich)|(?:das thema )?könnte (?:sie|dich) auch|schon gelesen|lesen sie auch|"
    r"empfohlen|kommentierte artikel|beiträge aus dem forum|vorschau auf den|"
    r"nächster artikel|vorheriger artikel|(?:zum )?weiterlesen|"
    r"(?:noticias|notas|artículos) relacionad|contenido relacionado|más (?:noticias|sobre|leídas)|"
    r"te puede interesar|le puede interesar|"
    r"à lire aussi|sur le même sujet|à voir aussi|articles? similaires|"
    r"leggi anche|articoli correlati|czytaj (?:też|także)|zobacz (?:też|także)|polecamy|"
    r"najczęściej czytane|veja também|leia também|"
    r"kontakt|pressekontakt|ansprechpartner|contact)",
    re.IGNORECASE,
)

_BOILERPLATE = [
    # share / follow / messenger-channel calls to action
    (
        60,
        re.compile(
            r"\b(?:share|teilen|compartir|partager|condividi|udostępnij|tweet|pin it)\b", re.I
        ),
    ),
    (
        300,
        re.compile(
            r"\b(?:follow|folgen sie|folge uns|síguenos|siguenos|suivez|seguici|obserwuj|"
            r"únete|join)\b"
            r".{0,200}\b(?:facebook|twitter|instagram|telegram|youtube|linkedin|whatsapp|tiktok)\b",
            re.I,
        ),
    ),
    (
        200,
        re.compile(
            r"\b(?:canal|channel|kanal) (?:de |on |auf )?(?:telegram|whatsapp|youtube)", re.I
        ),
    ),
    # newsletter and sign-up boxes
    (200, re.compile(r"newsletter", re.I)),
    (
        160,
        re.compile(
            r"\bsign(?:ing)? ?up\b.*\b(?:our|free|here|now|today|email|inbox)\b"
            r"|\b(?:free|now|here) sign ?up\b",
            re.I,
        ),
    ),
    # paywall and subscription prompts
    (
        200,
        re.compile(
            r"(?:subscribe|subscription|subscriber|abonnieren|abonnement|suscr[ií]b|suscripci|"
            r"abonne|abbona|subskrypc|prenumerat|assine|hazte miembro|\bunterstütze\b)",
            re.I,
        ),
    ),
    (
        200,
        re.compile(
            r"^(?:pour (?:lire la suite|accéder)|"
            r"to (?:view|read|continue reading) (?:the full|this|the rest)|"
            r"ten tekst przeczytasz|czytasz właśnie|wählen sie ihren zugang|jetzt weiterlesen|"
            r"if you enjoyed reading)",
            re.I,
        ),
    ),
    # cookie banners and consent placeholders for embeds
    (
        300,
        re.compile(
            r"\bcookies?\b.*\b(?:accept|akzeptier|zustimm|einverstanden|consent|einwillig|"
            r"datenschutz|privacy|acept|utiliz|verwende|use)",
            re.I,
        ),
    ),
    (
        250,
        re.compile(
            r"(?:inhalt|content|inhalte) (?:von|from) .{0,80}(?:zu )?(?:laden|load)|"
            r"externe[nr]? (?:inhalt|content|medien)",
            re.I,
        ),
    ),
    # copyright and reprint lines, photo credits
    (300, re.compile(r"^(?:©|\(c\)|copyright\b)", re.I)),
    (
        400,
        re.compile(
            r"all rights reserved|alle rechte vorbehalten|todos los derechos reservados|"
            r"tous droits réservés|tutti i diritti riservati|wszelkie prawa zastrzeżone|"
            r"copyrighted property|chroniony prawem autorskim|nachdruck nur mit",
            re.I,
        ),
    ),
    (200, re.compile(r"©")),
    (
        150,
        re.compile(
            r"^\(?(?:fotos?|bild(?:er)?|photos?|images?|credits?|crédits?(?: photos?)?|titelbild|"
            r"beitragsbild|headerbild|aufmacherbild|image illustrative|fot\.|grafik|illustration|"
            r"quelle|source|fuente|foto ?credit)\s*[:©]",
            re.I,
        ),
    ),
    (
        300,
        re.compile(
            r"\((?:foto|photo|bild|image|imagen|credit|crédit|fuente)s?\s*:[^)]*\)\.?$", re.I
        ),
    ),
    # advertising labels and affiliate disclaimers
    (
        120,
        re.compile(
            r"^\*?(?:anzeige|werbung|advertisement|publicidad|publicité|reklama|sponsored|"
            r"pubblicità|gesponsert)\b",
            re.I,
        ),
    ),
    (
        400,
        re.compile(
            r"\baffiliate[- ]?links?\b|\bwe may (?:receive|earn) (?:a )?(?:compensation|"
            r"commission)",
            re.I,
        ),
    ),
    # comment widgets, log-in prompts, UI labels
    (
        120,
        re.compile(
            r"^(?:keine|no|\d+) (?:kommentare?|comments?)\b|view comments|kommentare insgesamt|"
            r"leave a (?:comment|reply)|kommentar schreiben|comments are closed|"
            r"eingeloggt|logged in|log in to|einloggen|in den kommentaren",
            re.I,
        ),
    ),
    (
        40,
        re.compile(
            r"^(?:wird geladen|loading|print|drucken|mehr anzeigen|show more|load more|back to top|"
            r"nach oben|inhaltsverzeichnis|table of contents|índice|sommaire|spis treści|"
            r"temas|tags|schlagworte|schlagwörter|themen|kategorie|category|categories|merken|"
            r"bewerten|rate this|gefällt mir|werbung|anzeige)\b",
            re.I,
        ),
    ),
    # "click here" link lines
    (
        150,
        re.compile(
            r"^(?:hier geht(?:'s| es) zu|hier (?:klicken|gibt es|finden sie|findest du)|"
            r"klicken sie hier|click here|weitere infos? (?:unter|auf|hier)|"
            r"mehr infos? (?:unter|auf|hier))"
            r"|(?:findest du|finden sie|gibt(?:'s| es)) hier\.?$",
            re.I,
        ),
    ),
]

# The same rules, case-sensitive, for lower-cased text: re.IGNORECASE defeats the regex
# engine's literal search, and these alternations of words ran on every short paragraph
# (2.3x faster; the same verdicts on the 8,700 paragraphs of 300 devdata pages).
_BOILERPLATE_LOWER = [(limit, re.compile(rx.pattern)) for limit, rx in _BOILERPLATE]

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "januar februar märz mai juni juli oktober dezember jän "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "janvier février mars avril juin juillet août septembre octobre novembre décembre "
    "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października "
    "listopada grudnia"
).split()
_DATE_LABELS = set(_MONTHS) | set(
    "am pm uhr um at on de el le du the of "
    "updated update aktualisiert veröffentlicht published posted publicado actualizado publié "
    "mis à jour letzte änderung stand release date datum fecha zuletzt last modified "
    "montag dienstag mittwoch donnerstag freitag samstag sonntag monday tuesday wednesday "
    "thursday friday saturday sunday".split()
)


def _is_date_line(text: str) -> bool:
    """A dateline or "Updated: ..." stamp standing alone (not prose that mentions a date)."""
    if len(text) > 80:
        return False
    tokens = re.findall(r"\w+", text.lower())
    return bool(tokens) and all(t.isdigit() or t in _DATE_LABELS for t in tokens)


# Every rule is limited to paragraphs this short (the teaser and date rules to shorter ones)
_BOILERPLATE_MAX = max(limit for limit, _ in _BOILERPLATE)


def _is_boilerplate(text: str) -> bool:
    return len(text) <= _BOILERPLATE_MAX and _short_is_boilerplate(text)


@lru_cache(maxsize=8192)
def _short_is_boilerplate(text: str) -> bool:
    # Cached (short texts only, so the cache stays a few MB): filter_blocks sees each
    # paragraph twice (before and after intro recovery), and a site repeats its
    # boilerplate lines on every page.
    if _TEASER_PREFIX.match(text) and len(text) <= 300:
        return True
    if _is_date_line(text):
        return True
    lowered, size = text.lower(), len(text)
    return any(size <= limit and rx.search(lowered) for limit, rx in _BOILERPLATE_LOWER)


def _is_related_heading(text: str) -> bool:
    return len(text) <= 80 and bool(_RELATED_HEADING.match(text))


def _looks_like_teaser(kind: str, text: str) -> bool:
    """A linked headline: short and not closed like a sentence."""
    closed = text.endswith((".", ":", "“", '"'))
    return len(text) <= 160 and (kind in ("item", "head") or not closed)


def filter_blocks(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop boilerplate paragraphs and related-article boxes (heading + teaser titles)."""
    kept: list[tuple[str, str]] = []
    seen: set[str] = set()
    in_related = 0  # teaser titles still allowed to be skipped after a related heading
    for kind, text in blocks:
        if in_related and _looks_like_teaser(kind, text):
            in_related -= 1
            continue
        in_related = 0
        if _is_related_heading(text):
            in_related = 10
            continue
        if _is_boilerplate(text):
            continue
        # repeated captions/pull quotes; short repeats ("***", "Fazit") may be legitimate
        if len(text) >= 20:
            if text in seen:
                continue
            seen.add(text)
        kept.append((kind, text))
    return kept


# --- metadata -------------------------------------------------------------------------------

# Publication-date sources in order of trust: explicit "published" meta, JSON-LD, <time>.
_DATE_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
    "article.published",
    "published_time",
    "cxenseparse:recs:publishtime",
)
_ISO_DATE = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


def parse_datetime(value: str | None) -> datetime | None:
    """ISO-8601-ish string -> datetime; aware only when the string carries an offset."""
    if not value:
        return None
    match = _ISO_DATE.search(value.strip())
    if not match:
        return None
    day, clock, offset = match.groups()
    text = day + (f"T{clock}" if clock else "")
    if offset:
        offset = "+00:00" if offset == "Z" else offset
        if ":" not in offset:
            offset = f"{offset[:3]}:{offset[3:]}"
        text += offset
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    # a bare date with an offset makes no sense; keep the date naive
    return parsed if clock or parsed.tzinfo is None else parsed.replace(tzinfo=None)


def _meta_map(tree: HtmlElement) -> dict[str, str]:
    """First value of each <meta name|property|itemprop> key, lower-cased keys."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or ""
        value = el.get("content") or el.get("datetime") or ""
        key = key.strip().lower()
        if key and value.strip() and key not in found:
            found[key] = value.strip()
    return found


def _json_ld_dates(tree: HtmlElement) -> Iterator[str]:
    """datePublished values from JSON-LD blocks, depth-first."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                value = item.get("datePublished") or item.get("dateCreated")
                if isinstance(value, str):
                    yield value
                stack.extend(reversed(list(item.values())))
            elif isinstance(item, list):
                stack.extend(reversed(item))


def find_published(
    tree: HtmlElement, meta: dict[str, str], url: str | None, guess: bool = True
) -> datetime | None:
    """Publication datetime stated by the page; htmldate's day guess as the last resort."""
    for key in _DATE_META_KEYS:
        parsed = parse_datetime(meta.get(key))
        if parsed:
            return parsed
    for value in _json_ld_dates(tree):
        parsed = parse_datetime(value)
        if parsed:
            return parsed
    for el in tree.iter("time"):
        if el.get("pubdate") is not None or "publish" in _attr_text(el).lower():
            parsed = parse_datetime(el.get("datetime"))
            if parsed:
                return parsed
    # htmldate's guess (date only) when the page states nothing explicit. Its extensive
    # search was a quarter of all CPU in the benchmark, for a date that only stands in for
    # a feed entry without one.
    if not guess:
        return None
    return parse_datetime(find_date(tree, url=url, extensive_search=False, original_date=True))


def _absolute_http(href: str | None, base: str | None) -> str | None:
    if not href or not href.strip():
        return None
    absolute = urljoin(base or "", href.strip())
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def find_canonical(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            found = _absolute_http(link.get("href"), url)
            if found:
                return found
    return _absolute_http(meta.get("og:url"), url)


def find_language(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """Primary language subtag ("de" from "de-CH"), from <html lang>, meta or og:locale."""
    candidates = (
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        tree.get("xml:lang"),
        meta.get("content-language"),
        meta.get("language"),
        meta.get("og:locale"),
        meta.get("dc.language"),
    )
    for value in candidates:
        match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value or "")
        if match:
            return match.group(1).lower()
    return None


def _http_equiv_language(tree: HtmlElement) -> str | None:
    for el in tree.iter("meta"):
        if (el.get("http-equiv") or "").lower() == "content-language":
            return el.get("content")
    return None


# --- error pages ------------------------------------------------------------------------------

_ERROR_TITLE = re.compile(
    r"\b404\b|\b410\b|not found|page (?:does not|doesn't|no longer) exist|"
    r"nicht gefunden|nicht mehr verfügbar|existiert nicht|fehlerseite|"
    r"non trovata|non trovato|non esiste|no encontrad|no existe|introuvable|non trouvée|"
    r"n'existe pas|nie znaleziono|nie istnieje|não encontrada|não encontrado|"
    r"niet gevonden|^error\b|^fehler\b|^erreur\b|^errore\b|^oops",
    re.IGNORECASE,
)
_ERROR_BODY_MAX = 600  # characters: error shells carry an apology and links, not an article


def is_error_shell(tree: HtmlElement, title: str | None, paragraphs: tuple[str, ...]) -> bool:
    """A "page not found" page served with HTTP 200: error title/h1 and almost no body."""
    if sum(len(p) for p in paragraphs) > _ERROR_BODY_MAX:
        return False
    headings = [title or ""]
    raw_title = tree.find(".//title")
    if raw_title is not None:
        headings.append(raw_title.text_content())
    headings.extend(h.text_content() for h in tree.iter("h1"))
    return any(_ERROR_TITLE.search(clean_text(h)) for h in headings if h)


def extract_page(
    html: bytes | str, url: str | None, *, max_bytes: int = 5_000_000, guess_date: bool = True
) -> PageContent:
    """Extract title, lead, body paragraphs and metadata from one article page.

    `guess_date=False` skips htmldate's guess when the page's markup states no date (the
    caller has the feed's). Returns EMPTY (no paragraphs) for anything that cannot be
    parsed; never raises.
    """
    try:
        return _extract_page(html, url, max_bytes, guess_date)
    except Exception:  # noqa: BLE001 - junk input must never take down the worker pool
        return EMPTY


def extract_text(html: bytes | str, url: str | None) -> str | None:
    """The body as text, one paragraph per line, or None when there is no body."""
    paragraphs = extract_page(html, url).paragraphs
    return "\n".join(paragraphs) if paragraphs else None


def _cap(html: bytes | str, max_bytes: int) -> bytes | str:
    """Truncate to max_bytes before parsing, so a huge page costs bounded CPU and memory."""
    if isinstance(html, str):
        data = html.encode("utf-8", "surrogatepass")
        if len(data) <= max_bytes:
            return html
        return data[:max_bytes].decode("utf-8", "ignore")
    if isinstance(html, (bytes, bytearray, memoryview)):
        return bytes(html[:max_bytes])
    raise TypeError(f"html must be bytes or str, not {type(html).__name__}")


def _extract_page(
    html: bytes | str, url: str | None, max_bytes: int, guess_date: bool
) -> PageContent:
    html = _cap(html, max_bytes)
    if not html or not html.strip():
        return EMPTY
    tree = load_html(html)
    if tree is None:
        return EMPTY
    doc = _main_text(tree, url)
    blocks = filter_blocks(body_blocks(doc.body if doc is not None else None))
    if blocks:
        blocks = filter_blocks(recover_intro(tree, blocks) + blocks)
    paragraphs = tuple(text for _, text in blocks)
    meta = _meta_map(tree)
    http_lang = _http_equiv_language(tree)
    if http_lang and "content-language" not in meta:
        meta["content-language"] = http_lang
    info = page_info(tree)
    title = clean_text(info.title) or None
    return PageContent(
        title=title,
        lead=clean_text(info.description) or None,
        paragraphs=paragraphs,
        published=find_published(tree, meta, url, guess=guess_date),
        language=find_language(tree, meta),
        canonical_url=find_canonical(tree, meta, url),
        site_name=clean_text(meta.get("og:site_name") or info.sitename) or None,
        is_error_page=is_error_shell(tree, title, paragraphs),
    )


# trafilatura's fallbacks (readability, jusText) and its comparison with them are a third
# of its time and change few results: its fast mode first, and the full comparison only
# for a body shorter than this (characters), where the fallbacks most often find more.
# Measured on devdata (both / snippet F1): full mode always 78.8% / 0.954, 11% slower
# than this, which gives 78.5% / 0.952 (1,000 to 2,000 give the same); fast mode only
# 78.1% / 0.947.
FULL_EXTRACTION_BELOW = 1000


def _main_text(tree: HtmlElement, url: str | None) -> Document | None:
    """trafilatura's main text: fast mode, then full mode for a short or missing body."""

    def run(fast: bool) -> Document | None:
        return trafilatura.bare_extraction(
            tree, url=url, include_comments=False, output_format="python", fast=fast
        )

    doc = run(fast=True)
    if doc is None or len(doc.text or "") < FULL_EXTRACTION_BELOW:
        doc = run(fast=False)
    return doc


def page_info(tree: HtmlElement) -> Document:
    """Title, description and site name as trafilatura's metadata finds them.

    Only the parts of trafilatura.extract_metadata we use: its author, category, tag and
    license searches were a third of the extraction CPU, and the date is ours (above).
    """
    info = examine_meta(tree)
    try:
        info = extract_meta_json(tree, info)
    except Exception:  # noqa: BLE001 - trafilatura guards this call the same way
        pass
    info.title = info.title or extract_title(tree)
    sitename = (info.sitename or extract_sitename(tree) or "").lstrip("@")
    info.sitename = sitename or None
    return info
