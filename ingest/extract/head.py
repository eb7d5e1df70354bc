"""The article's head: what stands before the first body paragraph and is not body.

trafilatura's main text often starts with the page's headline (whole, or split over a
kicker and a title element), a section label,
a byline, a reading time or an update stamp. In the stored document the title has a line
of its own, so here it would be a repeat; the rest is page chrome.

Only the head zone is touched: the blocks before the first long paragraph, at most
HEAD_SCAN of them. A rule that matched a short line further down could delete a
subheading or a list item of the article itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

HEAD_SCAN = 8  # blocks looked at before giving up on finding the body's start
BODY_START_CHARS = 120  # a paragraph this long is prose: the head zone ends before it
TITLE_EXTRA_WORDS = 3  # "Title | Opinion": the title plus a label of this many words
KICKER_MAX_WORDS = 4  # section labels and kickers above the headline are this short
KICKER_MAX_CHARS = 30  # and this, which also bounds scripts written without spaces

# Separators publishers put between a headline and the outlet's name in <title>.
SITE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|/|«|»)\s+")

# Bylines, reading times, update stamps, audio players: one short line each. Several
# languages; each alternative is a label that cannot start a sentence of prose when the
# line is this short and stands before the body.
_HEAD_LINE = re.compile(
    r"^(?:(?:written |reviewed |fact[- ]checked |edited |updated |reported )?by|von|por|par|"
    r"di|door|av|af|przez|autor(?:in)?:|author:|text:)(?:\s+\w|\s*$)"
    r"|^\d+\s*(?:min(?:ute)?s?\.?|minuten|minutos|mins?\.?)(?:\s+(?:read|reading|lesezeit|"
    r"de lectura|de lecture|lettura|czytania|leitura))?\b"
    r"|^(?:lesezeit|reading time|temps de lecture|tiempo de lectura|tempo di lettura)\b"
    r"|^(?:min\.? read|read time)\b"
    r"|^(?:last )?(?:updated|modified|published|posted)(?: on| at)?\b.*\d"
    r"|^(?:zuletzt )?(?:aktualisiert|veröffentlicht)\b.*\d"
    r"|^(?:actualizado|publicado|mis à jour|publié|modifié|aggiornato|pubblicato|"
    r"zaktualizowano|opublikowano|atualizado|publicado)\b.*\d"
    r"|^(?:listen to (?:this|the) (?:article|story)|artikel (?:anhören|vorlesen)|"
    r"escuchar (?:este )?(?:artículo|noticia)|écouter (?:cet|l')article|"
    r"ascolta (?:l'|questo )articolo|posłuchaj (?:artykułu|tekstu)|ouvir (?:este )?artigo)",
    re.IGNORECASE,
)
_HEAD_LINE_MAX = 90  # characters: a byline or stamp, never a paragraph of prose
_SENTENCE_END = (".", "!", "?", ":", "…", '"', "”", "“", "»", "«", "'", "’", "。", "！", "？")


def norm(text: str) -> str:
    """Word tokens, casefolded, single-spaced: the comparison form of a line."""
    return " ".join(re.findall(r"\w+", text.casefold()))


def title_variants(titles: Iterable[str | None]) -> set[str]:
    """Normalised titles and their parts around a site separator ("Title | Outlet")."""
    variants: set[str] = set()
    for title in titles:
        if not title:
            continue
        for part in [title, *SITE_SEPARATORS.split(title)]:
            key = norm(part)
            if len(key.split()) >= 2 or (key and key == norm(title)):
                variants.add(key)
    return variants


def repeats_title(text: str, variants: set[str]) -> bool:
    """The line is a title: equal, a large part of one, or one plus a short label."""
    key = norm(text)
    if not key:
        return False
    words = len(key.split())
    padded = f" {key} "
    for title in variants:
        if key == title:
            return True
        title_words = len(title.split())
        # the headline split over two elements: each part is a big piece of the title
        if padded in f" {title} " and words >= max(2, title_words / 2):
            return True
        if f" {title} " in padded and words - title_words <= TITLE_EXTRA_WORDS:
            return True
    return False


def is_head_line(text: str) -> bool:
    """A byline, reading time, update stamp or audio-player label."""
    return len(text) <= _HEAD_LINE_MAX and bool(_HEAD_LINE.match(text))


def _is_kicker(kind: str, text: str) -> bool:
    """A section label or kicker: a few words, no sentence, not a heading of the text."""
    return (
        kind != "head"
        and len(text.split()) <= KICKER_MAX_WORDS
        and len(text) <= KICKER_MAX_CHARS
        and not text.endswith(_SENTENCE_END)
    )


def trim_head(blocks: list[tuple[str, str]], titles: Iterable[str | None]) -> list[tuple[str, str]]:
    """Drop the title, kickers, bylines and stamps standing before the body."""
    variants = title_variants(titles)

    # The lead is not dropped here: a page's description is as often its first paragraph
    # as a standfirst, and the stored lead is the feed's when it has one; compose drops
    # the body paragraphs that repeat the lead it chose.
    def repeat_or_stamp(text: str) -> bool:
        return repeats_title(text, variants) or is_head_line(text)

    body_start = None
    for i, (_, text) in enumerate(blocks[:HEAD_SCAN]):
        if len(text) >= BODY_START_CHARS and not repeat_or_stamp(text):
            body_start = i
            break
    # Without a clear start of the prose, only the unambiguous rules run: a short line
    # might be the first item of a list that is the article.
    end = body_start if body_start is not None else min(len(blocks), HEAD_SCAN)
    kept = [
        (kind, text)
        for kind, text in blocks[:end]
        if not (repeat_or_stamp(text) or (body_start is not None and _is_kicker(kind, text)))
    ]
    return kept + blocks[end:]


def strip_site_suffix(
    title: str | None, site_name: str | None, headlines: Iterable[str]
) -> str | None:
    """The title without the outlet's name ("Title | Outlet", "Outlet - Title").

    The name is recognised by the page's own og:site_name, or because the other part of
    the title is the headline the page shows (h1, og:title). A separator alone proves
    nothing: "Haushalt - was sich ändert" is one headline.
    """
    if not title:
        return title
    site = norm(site_name or "")
    shown = {norm(h) for h in headlines if h}
    parts = SITE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    for keep, drop in ((parts[:-1], parts[-1]), (parts[1:], parts[0])):
        rest = " - ".join(keep) if len(keep) > 1 else keep[0]
        dropped = norm(drop)
        if not dropped or not norm(rest):
            continue
        if site and (dropped == site or dropped.replace(" ", "") == site.replace(" ", "")):
            return rest
        if norm(rest) in shown and len(dropped.split()) <= 5:
            return rest
    return title
