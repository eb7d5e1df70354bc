"""Error pages answering HTTP 200: "page not found" shells with almost no body."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from ingest.core.text import clean_visible as clean_text

_ERROR_TITLE = re.compile(
    r"\b404\b|\b410\b|not found|page (?:does not|doesn't|no longer) exist|"
    r"nicht gefunden|nicht mehr verfügbar|existiert nicht|fehlerseite|"
    r"non trovata|non trovato|non esiste|no encontrad|no existe|introuvable|non trouvée|"
    r"n'existe pas|nie znaleziono|nie istnieje|não encontrada|não encontrado|"
    r"niet gevonden|^error\b|^fehler\b|^erreur\b|^errore\b|^oops|"
    r"page (?:you (?:were|are) looking for|(?:could not|cannot|can't) be found)|"
    r"(?:couldn't|could not|can't) find (?:the|that|this) page|"
    r"nenalezena|kunde inte hittas|blev ikke fundet|bulunamadı|nie została znaleziona",
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
