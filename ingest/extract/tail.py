"""The article's tail: what follows the last paragraph of prose and is not body.

After the story, templates put credits, the author box, reader polls,
appeals to support the newsroom, newsletter and app promotions, "more on this topic"
lists and comment counters, often still inside the container trafilatura picked.

Structure first: only the tail zone is touched (the blocks after the last long paragraph,
at most TAIL_SCAN of them), a line is a candidate only when it is short, and a marker line
("About the author", "More on this topic") takes the short lines after it
along. The phrase table second: the markers and the one-line notices, in the languages
we see.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from ingest.core.text import clean_visible, comparison_key

TAIL_SCAN = 12  # blocks after the last long paragraph that may be chrome
PROSE_CHARS = 200  # a paragraph this long ends the tail zone (scanning backwards)
TAIL_LINE_MAX = 300  # characters: notices are short; longer text is kept whatever it says
MARKER_TAKES = 8  # short lines after a marker that go with it (author bio, source list)

# Headings that open an end-of-article box: whatever short follows belongs to the box.
# Source and reference lists are not here: many publishers count them as the article's.
_TAIL_MARKER = re.compile(
    r"^(?:about the author|written by|more (?:on|about) this (?:topic|story)|"
    r"über (?:den|die) autor(?:in)?|zur person|mehr zum thema|"
    r"sobre (?:el|la) autor(?:a)?|más sobre (?:este|el) tema|"
    r"à propos de l'auteur|sur le même sujet|plus sur ce sujet|"
    r"sull'autore|o autorze|sobre o autor)\s*:?$",
    re.IGNORECASE,
)

# One-line notices that end articles: credits naming an agency, polls, appeals, promos.
_TAIL_LINE = re.compile(
    # credits: "(AP)", "— Reuters", "With AFP", "Mit Material von dpa", "Con información de EFE"
    r"^(?:with|additional reporting by|reporting by|mit material (?:von|der)|mit agenturen|"
    r"con información de|con (?:agencias|info(?:rmación)? de)|avec|d'après|con|z agencji)\s+"
    r"(?:the\s+)?(?:ap|afp|dpa|epa|efe|reuters|kna|epd|ansa|pap|apa|sda|agencias|agencies|"
    r"associated press|bloomberg)\b"
    r"|^(?:\(|—|–|-)?\s*(?:ap|afp|dpa|efe|reuters|ansa|pap|apa|sda|kna|epd)\s*(?:\)|/\w+)?\.?$"
    r"|^(?:\w+\s*/\s*)?(?:ap|afp|dpa|efe|reuters|ansa|pap|apa|sda|kna|epd)(?:\s*/\s*\w+)*$"
    # reader polls about the article
    r"|^(?:what do you think|what's your (?:take|opinion)|was meinen sie|was denken sie|"
    r"wie finden sie|qu'en pensez-vous|¿?qué (?:opinas|opina usted|piensas)|"
    r"cosa ne pensi|co o tym myślisz|o que você acha)\b"
    r"|^(?:how (?:useful|helpful) was this|was this (?:article )?helpful|"
    r"war (?:dieser artikel|dieser beitrag) hilfreich|¿te (?:ha )?(?:result|sirvi)|"
    r"cet article vous a-t-il)"
    # support appeals
    r"|\bsupport (?:our|independent|quality) (?:journalism|reporting|newsroom)|"
    r"unterstützen sie (?:unseren|unabhängigen|den) (?:journalismus|qualitätsjournalismus)|"
    r"apoya (?:el|nuestro) periodismo|soutenez (?:notre|le) journalisme|"
    r"sostieni (?:il|il nostro) giornalismo|wesprzyj (?:nasze )?dziennikarstwo|"
    r"apoie o jornalismo|\b(?:donate|spenden sie|haz una donación|faites un don)\b"
    # newsletter and app promotions, e-mail fields
    r"|^(?:download|get|install) (?:our|the) (?:free )?(?:\w+ )?app\b|"
    r"^(?:laden sie|holen sie sich) (?:unsere|die) .{0,30}app\b|"
    r"^descarga (?:nuestra|la) app|^téléchargez (?:notre |l')appli|^scarica (?:la nostra |l')app"
    r"|^(?:enter )?(?:your )?e-?mail(?: address)?:?$|^(?:ihre )?e-?mail-adresse:?$"
    r"|^(?:correo electrónico|adresse e-?mail|indirizzo e-?mail):?$"
    # comment counters and prompts
    r"|^(?:\d+\s+)?(?:comments?|kommentare?|comentarios?|commentaires?|commenti|komentarz[ey]?)"
    r"(?:\s*\(\d+\))?$|^join the (?:conversation|discussion)\b|^diskutieren sie mit\b"
    # author-box lines
    r"|^(?:read more|see all|view all) (?:posts|articles|stories) (?:by|from)\b"
    r"|^(?:mehr|alle) (?:artikel|beiträge) (?:von|des autors)\b"
    r"|^(?:posted|filed) (?:in|under)\b|^(?:tags|schlagwörter|etiquetas|mots-clés)\s*:"
    # republication notes and the outlet's disclaimers
    r"|^(?:this (?:article|story|post) (?:was )?(?:originally|first) "
    r"(?:published|appeared|written)|"
    r"(?:originally|first) (?:published|appeared) (?:on|in|at)\b|"
    r"dieser (?:artikel|beitrag) erschien zuerst|"
    r"(?:este|el) artículo (?:fue publicado|se publicó) originalmente|"
    r"cet article a (?:d'abord|initialement) été publié)"
    r"|\bviews (?:expressed )?(?:in this|by the|are) .{0,80}(?:their|the author's) own\b"
    r"|^(?:follow us|folgen sie uns|síguenos|suivez-nous|seguici)\b.{0,40}$"
    r"|^republish this (?:article|story)\b",
    re.IGNORECASE,
)
_SENTENCE_END = (".", "!", "?", "…", '"', "”", "»")


# An author box's biography: "Jane Smith is a freelance writer based in ...". A name (two
# to four capitalised words), a copula, and a profession of the press within the line.
_BIO_REST = (
    r",?\s(?:is|was|ist|es|est|è|jest|é)\s"
    r".{0,160}\b(?i:writer|editor|journalist|reporter|correspondent|columnist|contributor|"
    r"author|freelancer|photographer|(?:freie[rn]? )?(?:journalist(?:in)?|redakteur(?:in)?|"
    r"autor(?:in)?|korrespondent(?:in)?)|periodista|redactor(?:a)?|corresponsal|"
    r"journaliste|rédact(?:eur|rice)|giornalista|dziennikar(?:z|ka)|jornalista)s?\b"
)
_AUTHOR_BIO = re.compile(r"^(?:[A-ZÀ-Þ][\w.'’-]+\s){1,3}[A-ZÀ-Þ][\w.'’-]+" + _BIO_REST)
# Where no sentence of the story can stand (an intro above it), a first name will do:
# "Archie is a writer from South London."
_FIRST_NAME_BIO = re.compile(r"^[A-ZÀ-Þ][\w.'’-]+" + _BIO_REST)
BIO_MAX = 600  # characters: a biography of a few sentences


def is_tail_line(text: str) -> bool:
    """A credit, poll, appeal, promotion, comment counter or author-box line."""
    if len(text) <= BIO_MAX and _AUTHOR_BIO.match(text):
        return True
    return len(text) <= TAIL_LINE_MAX and bool(_TAIL_LINE.search(text))


def is_author_bio(text: str) -> bool:
    """An author's biography, opening with the name alone or with the full name."""
    return len(text) <= BIO_MAX and bool(_FIRST_NAME_BIO.match(text) or _AUTHOR_BIO.match(text))


def is_tail_marker(text: str) -> bool:
    """The heading of an author box, source list or "more on this topic" box."""
    return len(text) <= 60 and bool(_TAIL_MARKER.match(text))


# Headings of an end-of-page list of sources or of further reading. Not "Sources" or
# "References" alone: a report or a paper keeps those as part of its text.
_SOURCES_MARKER = re.compile(
    r"^(?:article sources|citations|further reading|more reading|"
    r"quellenangaben|weiterführende (?:links|lektüre)|fuentes del artículo|lecturas recomendadas|"
    r"sources de l'article|pour aller plus loin)\s*:?$",
    re.IGNORECASE,
)
SOURCES_SCAN = 40  # blocks from the end where such a list may start
SOURCE_LINE_MAX = 400  # characters: an entry (a reference, a teaser); prose runs longer


def cut_source_list(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop a closing list of sources or further reading: its heading and every entry
    after it, when all of them are short."""
    for i in range(len(blocks) - 1, max(len(blocks) - SOURCES_SCAN, 0) - 1, -1):
        text = blocks[i][1]
        if len(text) > SOURCE_LINE_MAX:
            return blocks
        if len(text) <= 40 and _SOURCES_MARKER.match(text):
            return blocks[:i]
    return blocks


# The button of a republication box (a licence and the rules for republishing: a dozen
# paragraphs of prose, too long for the tail zone). Nothing of the story follows it.
_REPUBLISH_MARKER = re.compile(
    r"^(?:republish this (?:article|story|post)|republish our (?:articles|stories)|"
    r"diesen (?:artikel|beitrag) (?:weiterverwenden|übernehmen)|"
    r"republica (?:este|esta) (?:artículo|historia|nota)|republier cet article|"
    r"ripubblica questo articolo|republique (?:este|esta) (?:artigo|matéria|reportagem))\s*:?$",
    re.IGNORECASE,
)


REPUBLISH_AFTER = 3  # paragraphs of prose before the button: it follows the story


def cut_republish_box(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop a republication box, from its button to the end, when the button follows
    REPUBLISH_AFTER paragraphs of prose (the same button in a share bar above the story
    cuts nothing)."""
    prose = 0
    for i, (_, text) in enumerate(blocks):
        if prose >= REPUBLISH_AFTER and len(text) <= 40 and _REPUBLISH_MARKER.match(text):
            return blocks[:i]
        prose += len(text) >= PROSE_CHARS
    return blocks


def trim_tail(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop the credits, polls, appeals, promotions and boxes after the story."""
    blocks = cut_source_list(cut_republish_box(blocks))
    start = len(blocks)
    while start > 0 and len(blocks) - start < TAIL_SCAN:
        if len(blocks[start - 1][1]) >= PROSE_CHARS and not is_tail_line(blocks[start - 1][1]):
            break
        start -= 1
    kept: list[tuple[str, str]] = []
    taking = 0  # short lines still to drop after a marker
    for kind, text in blocks[start:]:
        if is_tail_marker(text):
            taking = MARKER_TAKES
            continue
        if taking and len(text) <= TAIL_LINE_MAX:
            taking -= 1
            continue
        taking = 0
        if is_tail_line(text):
            continue
        kept.append((kind, text))
    return blocks[:start] + kept


# A closing list of links to the site's other articles: a lead-in ("More travel guides",
# "Check out these articles!", "Zobacz także:") and then nothing but links, each a title
# (short, not closed like a sentence), to the end of the body. Links alone are not enough:
# a guide's last section may list its sources or tools as links; the lead-in is what
# turns them into a box of teasers.
LINK_LIST_MIN = 2  # links after the lead-in
LINK_TITLE_MAX = 120  # characters: an article's title
LEAD_IN_MAX = 100  # characters: "If you're looking for more tips, check out these articles!"
_TITLE_CLOSED = (".", "!", "?", "…")
_ADDRESS = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)


def _link_texts(tree: HtmlElement) -> set[str]:
    """Comparison keys of the texts of the page's links."""
    keys = {comparison_key(clean_visible(a.text_content())) for a in tree.iter("a")}
    keys.discard("")
    return keys


def _is_title(text: str) -> bool:
    """Short, not closed like a sentence, not an address (a source cited by its URL)."""
    return (
        len(text) <= LINK_TITLE_MAX
        and not text.endswith(_TITLE_CLOSED)
        and not _ADDRESS.match(text)
    )


def cut_link_list(tree: HtmlElement, blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop a closing list of links and its lead-in (a heading, or a short line ending in
    ":" or "!")."""
    if len(blocks) <= LINK_LIST_MIN or not all(
        _is_title(text) for _, text in blocks[-LINK_LIST_MIN:]
    ):
        return blocks  # most bodies end in a sentence: the page's links are not read
    links = _link_texts(tree)
    start = len(blocks)
    while start > 0 and _is_title(blocks[start - 1][1]):
        if comparison_key(blocks[start - 1][1]) not in links:
            break
        start -= 1
    if len(blocks) - start < LINK_LIST_MIN or start == 0:
        return blocks
    kind, lead_in = blocks[start - 1]
    if len(lead_in) > LEAD_IN_MAX or not (kind == "head" or lead_in.endswith((":", "!"))):
        return blocks
    return blocks[: start - 1]
