"""Boilerplate phrase tables, one family for feeds and pages (data, mostly).

Two uses: publisher tails at the end of feed descriptions ("The post ... appeared first
on ...", "Read more"), cut by `strip_boilerplate`; and whole short paragraphs of article
pages that are widgets, not prose (share/newsletter/cookie lines, teasers, copyright and
photo credits, datelines), recognised by `is_boilerplate`, `is_related_heading` and
`is_date_line`. The structural rules that use them live in ingest/extract/boilerplate.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

# --- feed descriptions: publisher tails ------------------------------------------------------
# Publisher boilerplate at the end of feed descriptions (WordPress, Blogger, Italian,
# German, French, Spanish news CMSs). Anchored at the end: only a tail is cut.
TAIL_WINDOW = 800  # longer than the longest tail a pattern below can match
MAX_TAIL_PASSES = 4  # tails come stacked, e.g. "[…] Read more The post … appeared first on …"
_TAIL_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\s*The (?:post|article) .{1,300}? (?:appeared|was published) first on .{1,200}?\.?$",
        r"\s*L'articolo .{1,300}? (?:proviene da|sembra essere il primo su) .{1,200}?\.?$",
        r"\s*Der Beitrag .{1,300}? erschien zuerst auf .{1,200}?\.?$",
        r"\s*(?:Continue|Keep) reading.{0,80}$",
        r"\s*(?:Read|Learn) (?:more|the (?:full|rest of the) (?:story|article)).{0,80}$",
        r"\s*(?:Continua(?:re)? a leggere|Leggi (?:tutto|di più|l'articolo)).{0,80}$",
        r"\s*(?:Weiterlesen|Mehr lesen|Lesen Sie (?:mehr|weiter)).{0,80}$",
        r"\s*(?:Lire la suite|Lire plus|Leer más|Seguir leyendo|Continuar leyendo).{0,80}$",
        r"\s*\[(?:…|\.\.\.|&hellip;)\]\s*$",
        r"\s*(?:…|\.\.\.)\s*(?:→|»|>>)\s*$",
    )
]


def strip_boilerplate(text: str) -> str:
    """Remove publisher tails ("The post ... appeared first on ...", "Read more", "[…]").

    Only the last TAIL_WINDOW characters are searched, a bounded number of times: the
    patterns are anchored at the end, and a hostile description made of thousands of
    "Read more" must not cost quadratic time.
    """
    head, tail = text[:-TAIL_WINDOW], text[-TAIL_WINDOW:]
    for _ in range(MAX_TAIL_PASSES):
        stripped = tail
        for pattern in _TAIL_BOILERPLATE:
            stripped = pattern.sub("", stripped).rstrip()
        if stripped == tail:
            break
        tail = stripped
    return (head + tail).rstrip()


# --- article pages: a "read more" link closing a paragraph --------------------------------
# A teaser's link left at the end of the paragraph it closes ("... die Pläne. [weiterlesen]",
# "... w tym roku [czytaj więcej]"): the bracket holds the link's words and nothing else,
# so "(More on this below.)" or "(Learn more in the announcement.)" are prose and stay.
_MORE_LINK = re.compile(
    r"\s*[\[(]\s*(?:read more|more|continue reading|keep reading|full story|"
    r"weiterlesen|mehr|mehr lesen|zum artikel|lire la suite|lire plus|en savoir plus|"
    r"leer más|seguir leyendo|ver más|leggi tutto|leggi di più|continua a leggere|"
    r"czytaj (?:więcej|dalej)|więcej|leia mais|ler mais|saiba mais|lees meer|meer lezen|"
    r"läs mer|les mer|læs mere)\s*(?:…|\.\.\.|»|>>?|→)?\s*[\])]$",
    re.IGNORECASE,
)


def strip_more_link(text: str) -> str:
    """`text` without a bracketed "read more" link at its end."""
    if not text.endswith(("]", ")")):
        return text
    return _MORE_LINK.sub("", text)


# --- article pages: widget paragraphs --------------------------------------------------------
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
_TEASER_PREFIX = re.compile(
    rf"^(?:>+\s*|[\[(]\s*)?(?:{_TEASER_WORDS})\s*(?:[:»>|]|$)"
    # "Read our full <product> review": a link to the outlet's own review, one per item
    r"|^read (?:our|the) (?:full|complete|in-depth) .{1,80} (?:review|guide)\.?$",
    re.IGNORECASE,
)

# Headings of related-article / recommendation boxes; the teaser titles after them go too.
_RELATED_HEADING = re.compile(
    # "related", "popular", "recommended" only as the whole heading (or with a word for
    # what is listed): "Related papers" or "Popular cities" head a section of the text.
    # An invitation may come first: "Browse related articles", "Explore more related content".
    r"^(?:>+\s*)?(?:(?:(?:browse|explore|see|view|discover|check out)\s+"
    r"(?:(?:more|our|all|other)\s+)?)?related(?:\s+(?:articles?|posts?|stories|content|news|"
    r"links|reading|reads|coverage|topics|videos?))?\s*:?$|"
    r"recommended(?:\s+(?:for you|articles?|posts?|stories|reading))?\s*:?$|"
    r"you (?:may|might) also like|more (?:from|stories|news|on)|"
    r"read (?:this )?next|most (?:read|popular)|"
    r"popular(?:\s+(?:posts?|articles?|stories|news|now))?\s*:?$|"
    r"related (?:articles?|posts?|stories) (?:that )?(?:may|might|you) |"
    r"you (?:may|might) (?:also )?be interested in|"
    r"next article|previous article|(?:next|previous) (?:post|story)\s*:?$|"
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
    # paywall and subscription prompts. The English noun "subscription" only in a
    # prompt's words ("Start your subscription"): a line of prose about a service's
    # subscription ("The subscription costs $12.99 monthly") is the text. ("subscribe"
    # also matches "subscriber": dropping that cost devdata a must-not snippet.)
    (
        200,
        re.compile(
            r"(?:subscribe|abonnieren|abonnement|suscr[ií]b|suscripci|"
            r"abonne|abbona|subskrypc|prenumerat|assine|hazte miembro|\bunterstütze\b|"
            r"\b(?:start|get|buy|activate|your|a digital|requires? an?) (?:free |digital |paid )?"
            r"subscription\b)",
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
    # a photo credit standing alone: "Getty Images", "AP Photo/Jane Doe", "Foto: dpa"
    (
        80,
        re.compile(
            r"^(?:(?:photo|foto|image|bild|imagen|crédit)s?\s*:?\s*)?(?:[\w.' -]{0,40}/\s*)?"
            r"(?:getty(?: images)?|shutterstock|istock(?:photo)?|ap(?: photo)?|reuters|afp|dpa|"
            r"epa|picture[- ]alliance|imago|keystone|alamy|unsplash|pexels|efe|ansa)"
            r"(?:\s*(?:/|via|for)\s*[\w.' -]{0,40})?\.?$",
            re.I,
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
            r"commission)|\bmay earn (?:us )?(?:a )?(?:small )?(?:commission|compensation)|"
            r"\b(?:purchases|anything you buy) (?:made )?through (?:our |these )?links\b|"
            r"\bprices (?:were|are) accurate (?:at|as of) the time|"
            r"\berhalten wir (?:eine|ggf\. eine) (?:kleine )?provision|"
            r"\bpodemos recibir una comisión|\bnous pouvons percevoir une commission",
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
    # page furniture standing alone: a pop-up's dismiss button, an author box's link,
    # the label over a page's contents, skip links, a byline label without its name
    (
        60,
        re.compile(
            r"^(?:no,? thanks|nein,? danke|no,? gracias|non,? merci|no,? grazie|"
            r"nie,? dziękuję|não,? obrigad[oa]|(?:view |read |see )?full bio(?:graphy)?|"
            r"on this page|auf dieser seite|en esta página|sur cette page|in questa pagina|"
            r"na tej stronie|nesta página|in this article|in diesem artikel|"
            r"en este artículo|dans cet article|in questo articolo|w tym artykule|"
            r"neste artigo|advertiser disclosure|advertising disclosure|"
            r"jump to (?:details|review|recipe|content|main content|section|a section)|"
            r"skip to (?:main )?content|zum inhalt springen|ir al contenido|"
            r"aller au contenu|click to print\b.*|print this (?:page|article)|"
            r"(?:medically |fact[- ])?(?:checked|reviewed|edited) by|geprüft von|"
            r"revisado por|vérifié par)\s*[.:]?$",
            re.I,
        ),
    ),
    # sign-up forms: their field labels, anti-spam traps, consent and status messages
    # (a form builder's defaults recur on thousands of sites), and the lines that sell a
    # trial or a demo beside the article
    (
        120,
        re.compile(
            r"^(?:enter |your )*e-?mail(?: address)?\s*[:*]?$|"
            r"^(?:first|last) name\s*(?:\(optional\))?\s*[:*]?$|"
            r"ignore this field|\bby (?:entering|submitting|providing) your e-?mail|"
            r"your submission has been received|"
            r"something went wrong while submitting|"
            r"(?:straight|right|directly|delivered) (?:to|in|into) your inbox|"
            r"^(?:(?:book|request|schedule|get) a (?:free )?demo|"
            r"get started (?:today|now|for free))[.!]?$|"
            r"^(?:was this (?:page|article|post) (?:helpful|useful)|"
            r"thanks? (?:you )?for your feedback|war diese seite hilfreich|danke für ihr feedback|"
            r"¿(?:te|le) (?:resultó|fue) útil (?:esta página|este artículo)|"
            r"merci pour votre (?:avis|retour))",
            re.I,
        ),
    ),
    # a trial offered on a button or a line of its own (a review's sentence may say it)
    (
        60,
        re.compile(
            r"\bno credit card (?:required|needed)|\bfree \d+[- ]day trial\b|"
            r"keine kreditkarte (?:erforderlich|nötig)|jetzt kostenlos testen|"
            r"sin tarjeta de crédito|sans carte (?:bancaire|de crédit)",
            re.I,
        ),
    ),
    # a date or reading-time label whose value was a widget (or a script) and is gone,
    # and a topic list: "Last updated on:", "Lesezeit:", "Topics: budget, transport"
    (
        60,
        re.compile(
            r"^(?:(?:last )?(?:updated|modified|published|posted)(?: on)?|"
            r"(?:estimated )?reading time|lesezeit|(?:zuletzt )?aktualisiert(?: am)?|"
            r"veröffentlicht(?: am)?|publicado(?: el)?|actualizado(?: el)?|tiempo de lectura|"
            r"publié le|mis à jour le|temps de lecture)\s*:?$",
            re.I,
        ),
    ),
    (
        200,
        re.compile(
            r"^(?:topics|tags|filed under|schlagwörter|themen|etiquetas|temas|mots-clés)"
            r"\s*:\s*\S[^.!?]*$",
            re.I,
        ),
    ),
    # links to the outlet's editorial policies beside bylines
    (
        120,
        re.compile(
            r"\b(?:our|the) editorial (?:policy|policies|process|guidelines|standards)\b|"
            r"\bredaktionelle(?:n)? (?:richtlinien|grundsätze)\b|"
            r"\bpolítica editorial\b|\bcharte (?:éditoriale|déontologique)\b",
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
    "min mins minute minutes read reading minuten lesezeit minutos lectura lecture "
    "mis à jour letzte änderung stand release date datum fecha zuletzt last modified "
    "montag dienstag mittwoch donnerstag freitag samstag sonntag monday tuesday wednesday "
    "thursday friday saturday sunday".split()
)


# A byline of the writing or checking standing alone: "Fact checked by Jane Smith",
# "Geprüft von Dr. Max Muster, MD". Case matters (a name is capitalised), so that
# "Reviewed by the court" stays; head.py drops bylines above the text, this one anywhere.
_ROLE_BYLINE = re.compile(
    r"^(?:(?:Medically |Fact[- ]|Expert[- ])?(?:[Cc]hecked|[Rr]eviewed|[Ee]dited|[Vv]erified)|"
    r"Written|Article (?:written|reviewed)|Geprüft|Geschrieben|Revisado|Escrito|Vérifié|Écrit|"
    r"Rédigé) (?:by|von|por|par):? [A-ZÀ-Þ][\w.'’-]+(?: [A-ZÀ-Þ][\w.'’-]+){0,3}"
    r"(?:, [A-Z][\w.]+){0,3}$"
)
ROLE_BYLINE_MAX = 80
# A byline or photo credit whose label is glued to the name: the label is a visually
# hidden element, or one the stylesheet spaces, and the text reads "ByANI", "PorEFE",
# "PhotoCreditJane Smith for The Times". Case matters: the label, then at once a capital
# ("ByteDance", "Portugal", "Paris" read on in lower case).
_GLUED_LABEL = re.compile(
    r"^(?:By|Von|Por|Par|Przez|Photo ?[Cc]redit|Image ?[Cc]redit|Foto ?[Cc]redit|Crédito)"
    r"[A-ZÀ-Þ][\w.'’&+ -]*$"
)


def is_date_line(text: str) -> bool:
    """A dateline or "Updated: ..." stamp standing alone (not prose that mentions a date)."""
    if len(text) > 80:
        return False
    tokens = re.findall(r"\w+", text.lower())
    # a digit is required: "April" or "Monday" alone is a section heading, not a date
    return any(t.isdigit() for t in tokens) and all(
        t.isdigit() or t in _DATE_LABELS for t in tokens
    )


# Every rule is limited to paragraphs this short (the teaser and date rules to shorter ones)
_BOILERPLATE_MAX = max(limit for limit, _ in _BOILERPLATE)


def is_boilerplate(text: str) -> bool:
    """A short paragraph that is a widget line (share, newsletter, cookie, credit, teaser...)."""
    return len(text) <= _BOILERPLATE_MAX and _short_is_boilerplate(text)


@lru_cache(maxsize=8192)
def _short_is_boilerplate(text: str) -> bool:
    # Cached (short texts only, so the cache stays a few MB): filter_blocks sees each
    # paragraph twice (before and after intro recovery), and a site repeats its
    # boilerplate lines on every page.
    if is_teaser(text):
        return True
    if is_date_line(text):
        return True
    if len(text) <= ROLE_BYLINE_MAX and (_ROLE_BYLINE.match(text) or _GLUED_LABEL.match(text)):
        return True
    lowered, size = text.lower(), len(text)
    return any(size <= limit and rx.search(lowered) for limit, rx in _BOILERPLATE_LOWER)


def is_teaser(text: str) -> bool:
    """A "Read more: <other article>" line."""
    return len(text) <= 300 and bool(_TEASER_PREFIX.match(text))


def is_related_heading(text: str) -> bool:
    """The heading of a related-articles / recommendations box."""
    return len(text) <= 80 and bool(_RELATED_HEADING.match(text))
