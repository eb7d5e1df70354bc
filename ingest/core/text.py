"""Text hygiene shared by every stage and by the document format: one line of clean text.

The paragraph rules (NFC, no control characters, whitespace runs collapsed) are what the
stored document guarantees; storage/document.py renders with them, and feed parsing,
extraction and composing apply them as early as they see text.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
import unicodedata

# C0/C1 controls, line/paragraph separators, zero-width space and BOM, non-characters.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff\ufffe\uffff]")
# Invisible format characters (soft hyphen, direction marks, word joiner) break substring
# search and word matching in extracted text, so they are deleted, not spaced.
# ZWJ/ZWNJ are kept: they carry meaning in Persian/Indic scripts and emoji sequences.
_INVISIBLE_RE = re.compile("[\u00ad\u200b\ufeff\u200e\u200f\u2060\u202a-\u202e\u2066-\u2069]")
_PUNCT_RE = re.compile(r"[\W_]+", re.UNICODE)


def clean_text(text: str | None) -> str:
    """One line of clean text: NFC, controls removed, whitespace runs collapsed ("" for None)."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    # Runs on every paragraph of every article: substitute only when needed, and
    # str.split() (the same whitespace as regex \s) is several times faster than a regex.
    if _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub(" ", text)
    return " ".join(text.split())


def clean_visible(text: str | None) -> str:
    """`clean_text` with invisible format characters deleted first (for page text)."""
    if text and _INVISIBLE_RE.search(text):
        text = _INVISIBLE_RE.sub("", text)
    return clean_text(text)


def comparison_key(text: str) -> str:
    """Comparison form: case, accents' composition, punctuation and spaces ignored."""
    if len(text) > KEY_CACHED_CHARS:
        return _comparison_key(text)
    return _cached_comparison_key(text)


# The extraction passes (boilerplate, headings, boxes, summary, FAQ) each key the same body
# lines: on devdata a page keys 150 lines of which 40 distinct, and keying was 5% of the
# extraction CPU. Lines up to this length are remembered (a page's worth of them: at most
# 512 x 4,000 characters, a few hundred KB in practice), not the joined texts of a whole
# body, which are keyed once.
KEY_CACHED_CHARS = 4000
KEY_CACHE_SIZE = 512


def _comparison_key(text: str) -> str:
    return _PUNCT_RE.sub("", unicodedata.normalize("NFKC", text).casefold())


_cached_comparison_key = functools.lru_cache(maxsize=KEY_CACHE_SIZE)(_comparison_key)


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 read as Windows-1252, the usual culprit (a title pasted
    from a Windows editor into a UTF-8 feed); undefined ones become U+FFFD."""
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("ingest-cp1252", _cp1252_fallback)


def decode_utf8_lenient(data: bytes) -> str:
    """UTF-8 (a BOM dropped), recovering invalid bytes as Windows-1252 instead of losing
    them to U+FFFD: "Caf\xe9" in a UTF-8 document reads "Café"."""
    return data.decode("utf-8-sig", errors="ingest-cp1252")


# Site memory (storage/site_memory.py, ingest/compose.py): a short paragraph found word for
# word in this many stored articles of one site is that site's boilerplate (a footer, a
# disclaimer, a promotion) and is left out of its new articles. Only paragraphs of at most
# SITE_NOISE_MAX_WORDS words count: boilerplate is short, and a long background paragraph
# that a series of follow-ups reuses is the story's text.
SITE_NOISE_MIN_ARTICLES = 3
SITE_NOISE_MAX_WORDS = 40


def paragraph_key(text: str) -> int:
    """A signed 64-bit key of a paragraph's exact text (fits a BIGINT column)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def site_noise_candidates(paragraphs: tuple[str, ...] | list[str]) -> set[int]:
    """Keys of the paragraphs short enough to be remembered as a site's boilerplate."""
    return {paragraph_key(p) for p in paragraphs if len(p.split()) <= SITE_NOISE_MAX_WORDS}
