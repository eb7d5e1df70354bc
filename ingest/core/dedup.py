"""Deduplication: one story, stored once, and never two stories as one. Pure: values in,
decisions out.

(About 790 lines, against our ~400: the spec below, its thresholds and the vetoes' word
alignment must agree line by line; splitting the alignment into its own module is a
planned follow-up.)

What counts as the same story
    Two articles are the same story when their *bodies* (the extracted paragraphs; not
    the headline, not the feed's lead, which outlets rewrite) are the same text up to
    normalisation, or an edited copy of one text: a wire story re-published in another
    template, with another headline, a byline or footer, its lead rewritten or dropped,
    paragraphs trimmed at the end, split or merged, one local paragraph added, a
    correction line appended, other quotes and dashes. A follow-up on the same event,
    another outlet's own report, two stories that share a site template, two briefs
    written on one template (other company, team, region, figures), two live pages that
    share an intro: *different* stories. A wrong merge loses a story silently, a missed
    one stores a copy: precision comes first.

Normalisation (`tokenize`, `normalize_text`)
    Unicode NFKC, case folded, accents removed (copy desks disagree on "perché" and
    "perchè"), punctuation and whitespace dropped, except what makes a figure: a number
    keeps its separators as one token ("3.1", "1.234", "14.32": "," and ":" become ".")
    and the signs % ‰ ° $ € £ ¥ ₹ are tokens. Digits are a story's identity ("rose 3.1%"
    is not "rose 2.4%"), so they are in the shingles and the hash. Markup, tracking
    parameters and the URL play no part: the body is extracted text already.

Screen, tried in this order (the first that holds decides; `Match.rule` records it)
    canonical_url  the same canonical URL (decided by the store, before content).
    exact          sha256 of the normalised body is equal (`text_hash`): a re-post
                   under a new GUID or URL. One indexed lookup.
    near           Jaccard of word 3-shingles at least `near`, OR containment of the
                   shorter body's shingles in the longer at least `contain` (a copy
                   trimmed by 40% has J = 0.6 but containment 1.0); AND the opening of
                   one body (its first `LEDE_TOKENS` words) found in the other at least
                   `lede`, or, for bodies of `LEDE_MIN_PARAGRAPHS` paragraphs or more,
                   the `LEDE_TOKENS` words after the first paragraph found both ways
                   (a copy keeps the lede, or the lede is all it rewrote).
    near:short     Jaccard at least the stricter `short` (containment does not count),
                   when the shorter body has fewer than `short_tokens` words.
    Bodies under `min_tokens` words merge only by the exact rule.

Vetoes (`compare`): a screened pair is the same story only when none holds. Each is
recorded on the new article's source (`Verdict.veto`), with the similarity it had.
    The two bodies are aligned word by word (difflib, on the normalised tokens). Runs of
    equal words are shared text; a *substitution* is a run replaced by another run of at
    most `SLOT_TOKENS` words on each side, with at least `CONTEXT_TOKENS` equal words on
    each side (or the body's start or end): the slot of a template. Runs that close
    (`_GAP_TOKENS`) are tried joined too ("2-1" / "1-2" aligns as three runs). A run
    that is whole paragraphs on both sides is an outlet's byline, dateline or photo
    credit line ("di Laura Conti" / "ROMA -"), not a slot.
    figures   a substitution changes a figure: a token with a digit or a % / currency
              sign ("3.1" -> "2.4", "2 1" -> "0 3"), or the word right after a figure
              (its unit: "3 points" -> "3 percent"). Figures are compared in place, so
              "2-1" and "1-2" differ; a run with figures on one side only is a number
              spelled out ("sei per cento" -> "6 per cento"), no veto.
    names     a substitution changes a name: a capitalised token ("Acme" -> "Globex",
              "Liguria" -> "Piemonte") on both sides, each absent from the other body
              (so "Smith and Jones" -> "Jones and Smith", or "The" -> "A" at a
              sentence's start, is no veto).
    entries   both bodies have at least `LIVE_PARAGRAPHS` paragraphs of their own (half
              their words unaligned, at least `ENTRY_TOKENS` words), carrying figures or
              names the other body lacks: two live pages sharing an intro, each with its
              own entries. (An edited copy rewrites a lead or adds one local paragraph:
              one paragraph of its own; what it cuts is the other side's.)
    dated     the shorter body has fewer than `short_tokens` words and the publication
              dates are more than `short_max_days` apart: a recurring notice ("the A1 is
              closed between ...") is a new event, even word for word. Applies to the
              exact rule too.
    Days and months written in words count as figures (`DATE_WORDS`: "Monday" ->
    "Tuesday", "lundi" -> "mardi"). Copy-edits of plain words (said / told, quotes,
    dashes, a sentence cut) are no veto; German capitalises every noun, so there a noun
    substituted for another is one (precision first).

Nothing lost (`Verdict.longer`)
    When the new body contains the stored one (at least `CONTAINS_ALL` of the stored
    words aligned) and is at least `LONGER_BY` longer (the full story after a brief, a
    live page grown), the pipeline rewrites the stored article in place with it (same
    id, same file), within `max_updates`; otherwise the copy becomes a source. The one
    local paragraph or rewritten lead of a shorter copy is what a source does not keep.

Candidate lookup (constant cost per new article, any store size)
    MinHash with `NUM_PERM` = 128 hash functions (multiply-add-shift over 64-bit
    shingle hashes built from per-word hashes, all in numpy) of the body's shingle set,
    cut into `BANDS` = 32 bands of `ROWS` = 4 values, plus `LEDE_BANDS` = 8 bands of the
    MinHash of its opening (the first `LEDE_TOKENS` words: a brief and its full story
    share it but have a low Jaccard); each band hashes to one signed 64-bit key stored
    in an indexed table. A new article reads the rows matching any of its 40 keys (at
    most `PER_BAND_LIMIT` per key, so a key made popular by shared boilerplate cannot
    make the lookup grow), keeps the `max_candidates` articles sharing the most bands,
    and verifies each with the screen and the vetoes above, computed from the
    candidate's stored body and publication date. The chance that a pair becomes a
    candidate by the body bands is 1 - (1 - J**4)**32: 0.87 at J = 0.5, 0.99 at J = 0.6,
    0.23 at J = 0.3, 0.003 at J = 0.1; a pair with the same opening always is.
    A 64-bit SimHash with 4 x 16-bit bands was measured and rejected:
    a one-paragraph cut flips ~7 of 64 bits, so only about half of such copies share
    a band (see bench/dedup_bench.py).

Guards (precision before recall)
    - Verification is on the stored body, never the sketch alone.
    - The opening guard: two stories sharing a long template footer or disclaimer can
      reach a high Jaccard when their own text is short, but their openings differ
      (and they are too short for the second opening).
    - The vetoes: figures, names, entries, dated (above).
    - Short bodies: a much stricter threshold, exact only below `min_tokens`, and the
      dated veto.
    - A feed with `dedup: false` is neither merged by content nor merged into.

Threshold table (measured on tests/data/dedup and the generated corpus of
tests/dedup_corpus.py; "J" Jaccard of word 3-shingles, "C" containment):

    variant                               J / C measured   outcome
    re-post, other headline, quotes,      1.00             exact
      dashes, paragraphs split or merged
    byline, footer, correction added      0.87-0.99        near
    trimmed 10-40% at the end             0.56-0.90 / 1.0  near (C for the 40% cuts)
    lead dropped / rewritten              0.70-0.87        near (second opening)
    one local paragraph added             0.85-0.90        near; longer: rewritten in place
    several edits at once                 0.50-0.85 / 0.8  near
    full story after a brief              0.30-0.60 / 1.0  near; longer: rewritten in place
    follow-up on the same event           0.05-0.25        distinct (screen)
    same site template, other story       0.60             distinct (opening guard)
    templated brief, other slots          0.43-0.98        distinct (figures / names veto)
    live pages, one intro                 0.62-0.67        distinct (figures / entries veto)
    the same short notice, weeks apart    1.00             distinct (dated veto)

    constant            value   why
    near                0.50    lowest J among copies ~0.55; negatives <= 0.35 unless
                                templated or live, and those are vetoed
    contain             0.80    a trimmed copy is contained whole; a follow-up reusing
                                background paragraphs stays under ~0.5
    short               0.85    short text: only copy-edits of the same words
    lede                0.50    half of one opening's shingles found in the other body
    SLOT_TOKENS         6       a template slot ("Borussia Mönchengladbach 2 1") is short;
                                a rewritten passage is longer and handled as novel text
    CONTEXT_TOKENS      3       equal words on each side of a slot (stray matches of "the"
                                inside two different passages make no slots)
    LIVE_PARAGRAPHS     2       an edited copy adds or rewrites one paragraph
    short_max_days      3       wire copies run within a day or two of each other
    CONTAINS_ALL        0.90    the stored body found in the new one: nothing lost
    LONGER_BY           1.10    at least a tenth more words: worth a rewrite

Updates (`is_update`)
    The same canonical URL fetched again counts as changed only when its *stable* text
    changed: the numbers in short paragraphs (at most `VOLATILE_MAX_TOKENS` words) are
    masked, as that is where "updated 14:32" and "read 1,234 times" live. A paragraph
    added, removed or reworded is a change; the rewrites per article are capped
    (`max_updates`) so a page that changes on every fetch cannot churn the store. A live
    page (one URL, new entries) is thus one article, updated in place.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import struct
import threading
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from ingest.core.types import EntryData

SHINGLE_WORDS = 3
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
# Bands of the opening's MinHash (its first LEDE_TOKENS words), after the body's: a brief
# and its full story, or a copy trimmed by 40%, share the opening word for word but have
# a low body Jaccard (0.3-0.6), which the body bands find only by chance.
LEDE_BANDS = 8
LEDE_TOKENS = 50
LEDE_MIN_PARAGRAPHS = 4  # a body this long has a second opening (after its lead)
PER_BAND_LIMIT = 50
VOLATILE_MAX_TOKENS = 12
SLOT_TOKENS = 6  # the longest run that counts as a template slot (see the table)
LIVE_PARAGRAPHS = 2  # own paragraphs on both sides: two pages' own entries
ENTRY_TOKENS = 8  # the shortest paragraph that counts as an entry ("21:20 - Half-time: 1-0")
CONTAINS_ALL = 0.9  # share of the stored words found in a new body that supersedes it
LONGER_BY = 1.1  # ... which must be this much longer
# Bump when the tokens, shingles or hashing change: stored bands are then stale, and
# fingerprints.backfill re-indexes the rows of older versions. 3: figures are tokens,
# and the opening's bands.
SCHEME_VERSION = 3

# Defaults of `settings: dedup:` (ingest/config.py); why: the table above.
NEAR_THRESHOLD = 0.5
CONTAIN_THRESHOLD = 0.8
SHORT_THRESHOLD = 0.85
LEDE_THRESHOLD = 0.5
MIN_TOKENS = 25  # below: exact match only
SHORT_TOKENS = 80  # below: the short threshold and the dated veto
SHORT_MAX_DAYS = 3.0
MAX_CANDIDATES = 10  # bodies verified per new article
MAX_UPDATES = 5  # in-place rewrites per article
# Memory bounds for hostile input (the audit: 441 MB for 1.4 MB of distinct words).
MAX_FINGERPRINT_CHARS = 200_000  # of body text fingerprinted, ~30,000 words
MAX_BARE_CHARS = 4096  # characters whose bare form is remembered (_bare_char)
MINHASH_ROWS = 256  # shingles per slice of the MinHash matrix (256 KB at 128 functions)

# A figure as one token (its separators kept, made "."), a word, or a sign that gives a
# figure its unit. `[^\W_]` is \w without "_": "snake_case" is two words.
_TOKEN_RE = re.compile(r"\d+(?:[.,:]\d+)*|[^\W_]+|[%‰°$€£¥₹]", re.UNICODE)
_SEPARATORS = str.maketrans({",": ".", ":": "."})
_DIGITS_RE = re.compile(r"\d+")
_SIGNS = frozenset("%‰°$€£¥₹")

# Token flags (one byte per token in `Fingerprint.flags`)
FIGURE = 1  # has a digit, is a % / currency sign, or names a day or month
NAME = 2  # capitalised
# Days and months (normalised) in the corpus' languages: dates are figures of a story
# ("rain on Monday" is not "rain on Tuesday") even when written in words. Not the words
# that are common verbs or adverbs too (English "may", "march", German/French "hier").
DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday "
    "tonight january february april june july august september october november "
    "december "
    "lunedi martedi mercoledi giovedi venerdi sabato domenica oggi domani ieri gennaio "
    "febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre "
    "montag dienstag mittwoch donnerstag freitag samstag sonntag heute gestern januar "
    "februar marz mai juni juli oktober dezember "
    "lundi mardi mercredi jeudi vendredi samedi dimanche demain janvier fevrier mars "
    "avril juin juillet aout septembre octobre novembre decembre "
    "lunes martes miercoles jueves viernes domingo hoy manana ayer enero febrero abril mayo "
    "junio julio agosto septiembre octubre noviembre diciembre".split()
)
PARAGRAPH = 4  # first token of a paragraph


@dataclass(frozen=True)
class Thresholds:
    near: float = NEAR_THRESHOLD
    short: float = SHORT_THRESHOLD
    lede: float = LEDE_THRESHOLD
    min_tokens: int = MIN_TOKENS
    short_tokens: int = SHORT_TOKENS
    max_candidates: int = MAX_CANDIDATES
    contain: float = CONTAIN_THRESHOLD
    short_max_days: float = SHORT_MAX_DAYS


@dataclass(frozen=True)
class Fingerprint:
    """What dedup knows about one body."""

    text_hash: str  # sha256 of the normalised body: the exact rule
    tokens: int
    shingles: frozenset[int]
    lede: frozenset[int]  # shingles of the first LEDE_TOKENS words
    bands: tuple[int, ...]  # BANDS + LEDE_BANDS signed 64-bit keys; empty for an empty body
    # shingles of the LEDE_TOKENS words after the first paragraph, for bodies of at least
    # LEDE_MIN_PARAGRAPHS paragraphs: what a copy with a rewritten lead still shares
    after_lede: frozenset[int] = frozenset()
    words: tuple[str, ...] = ()  # the normalised tokens, in order: the alignment's input
    flags: bytes = b""  # FIGURE | NAME | PARAGRAPH per token

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled packed (each extraction worker sends one per article to the pool's
        parent): the shingle sets as arrays of 64-bit words and the words as one string,
        which take half the CPU of a set of ints and a tuple of strings to load, a fifth
        to dump. The same Fingerprint once loaded."""
        words: str | tuple[str, ...] = _WORD_SEP.join(self.words)
        if not self.words or words.count(_WORD_SEP) != len(self.words) - 1:
            words = self.words  # none, or a word holding the separator: as they are
        return _unpacked, (
            self.text_hash,
            self.tokens,
            *(array("Q", s).tobytes() for s in (self.shingles, self.lede, self.after_lede)),
            self.bands,
            words,
            self.flags,
        )


_WORD_SEP = "\x00"  # never in a token: tokens are runs of letters, digits or a sign


def _unpacked(
    text_hash: str,
    tokens: int,
    shingles: bytes,
    lede: bytes,
    after_lede: bytes,
    bands: tuple[int, ...],
    words: str | tuple[str, ...],
    flags: bytes,
) -> Fingerprint:
    """A Fingerprint from Fingerprint.__reduce__'s packed fields."""

    def unpacked(packed: bytes) -> frozenset[int]:
        values = array("Q")
        values.frombytes(packed)
        return frozenset(values)

    return Fingerprint(
        text_hash=text_hash,
        tokens=tokens,
        shingles=unpacked(shingles),
        lede=unpacked(lede),
        bands=bands,
        after_lede=unpacked(after_lede),
        words=tuple(words.split(_WORD_SEP)) if isinstance(words, str) else words,
        flags=flags,
    )


@dataclass(frozen=True)
class Match:
    rule: str  # "exact" | "near" | "near:short"
    similarity: float  # Jaccard of shingles (1.0 for exact)


@dataclass(frozen=True)
class Verdict:
    """A screened pair: the rule it passed, and whether a veto makes it two stories."""

    rule: str  # "exact" | "near" | "near:short"
    similarity: float
    veto: str | None = None  # "figures: 3.1 / 2.4", "names: acme / globex", ...: distinct
    longer: bool = False  # the new body contains the old one and adds to it

    @property
    def match(self) -> Match | None:
        return None if self.veto else Match(self.rule, self.similarity)


@cache
def _combining_class_bmp() -> re.Pattern[str]:
    """The characters of the Basic Multilingual Plane that unicodedata.combining flags.

    BMP only: the regex engine tests a BMP class with one table lookup, but every range
    beyond it one by one.
    """
    spans: list[list[int]] = []
    for code in range(0x10000):
        if unicodedata.combining(chr(code)):
            if spans and spans[-1][1] == code - 1:
                spans[-1][1] = code
            else:
                spans.append([code, code])
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in spans) + "]")


def _strip_marks(text: str) -> str:
    """`text` without combining marks (accents, once decomposed)."""
    if text.isascii():
        return text
    if max(text) > "\uffff":  # astral characters (rare): the exact, slower way
        return "".join(c for c in text if not unicodedata.combining(c))
    return _combining_class_bmp().sub("", text)  # ten times faster than a test per character


def _normalize_token(token: str) -> str:
    """Case folded, accents removed; a number's separators made "."."""
    folded = token.casefold()
    if not folded.isascii():
        folded = _strip_marks(unicodedata.normalize("NFKD", folded))
    return folded.translate(_SEPARATORS) if token[0].isdigit() else folded


def _bare(text: str) -> str:
    """NFKC, accents removed, case kept (the names need it).

    Equal to stripping the marks of the whole text's NFKD, which only reorders marks
    among themselves (all of which go): each non-ASCII character is replaced by its own
    bare form, looked up, and the ASCII around it is left alone. Decomposing and scanning
    every character, as before, was a third of the tokenising.
    """
    if text.isascii():
        return text
    return _NON_ASCII_RE.sub(_bare_run, unicodedata.normalize("NFKC", text))


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]+")


def _bare_run(found: re.Match[str]) -> str:
    return "".join([_bare_char(c) for c in found.group()])


# A few hundred characters for any mix of alphabets; bounded for a hostile page of every
# code point, and safe across the threads that fingerprint (a shared dict that one
# thread clears while another reads it back was not).
@functools.lru_cache(maxsize=MAX_BARE_CHARS)
def _bare_char(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


def tokenize(text: str) -> list[str]:
    """The comparison tokens of a text: folded words, figures, signs."""
    return tokens_and_flags([text])[0]


def normalize_text(text: str) -> str:
    """Case, accents, punctuation and whitespace ignored: the comparison form."""
    return " ".join(tokenize(text))


def tokens_and_flags(paragraphs: Sequence[str]) -> tuple[list[str], bytearray]:
    """The body's tokens (normalised) with a flag byte each (FIGURE, NAME, PARAGRAPH)."""
    words: list[str] = []
    flags = bytearray()
    for paragraph in paragraphs:
        found = _TOKEN_RE.findall(_bare(paragraph))
        if not found:
            continue
        # list comprehensions, not a loop of statements: this runs for every word stored
        folded = [_normalize_token(t) if t[0].isdigit() or not t.isascii() else t.lower()
                  for t in found]  # fmt: skip
        # FIGURE: a number, a sign, a code with digits ("A12", "COVID19"), a date word;
        # NAME: capitalised. Inline, not a function per token: a fifth of the tokenising.
        marks = [FIGURE if not t.isalpha() or f in DATE_WORDS else NAME if t[0].isupper() else 0
                 for t, f in zip(found, folded, strict=True)]  # fmt: skip
        marks[0] |= PARAGRAPH
        words += folded
        flags += bytes(marks)
    return words, flags


@dataclass(frozen=True)
class _Numbers:
    """numpy and the hashing constants, made on first use: importing numpy costs every
    command a tenth of a second, and only fingerprinting needs it."""

    np: Any
    seeds: Any  # NUM_PERM uint64: b_i of the MinHash functions
    multipliers: Any  # NUM_PERM odd uint64: a_i
    order: Any  # SHINGLE_WORDS uint64: per-position constants, so "a b c" != "c b a"
    mix1: Any
    mix2: Any
    s27: Any
    s30: Any
    s31: Any
    s32: Any


@cache
def _numbers() -> _Numbers:
    import numpy as np

    def words(label: bytes, n: int) -> Any:
        # from SHAKE-128 of fixed labels: the same on every machine and version
        return np.frombuffer(hashlib.shake_128(label).digest(8 * n), dtype=">u8").astype(np.uint64)

    return _Numbers(
        np=np,
        seeds=words(b"news-ingest minhash seeds", NUM_PERM),
        multipliers=words(b"news-ingest minhash multipliers", NUM_PERM) | np.uint64(1),
        order=words(b"news-ingest shingle positions", SHINGLE_WORDS),
        mix1=np.uint64(0xBF58476D1CE4E5B9),
        mix2=np.uint64(0x94D049BB133111EB),
        s27=np.uint64(27),
        s30=np.uint64(30),
        s31=np.uint64(31),
        s32=np.uint64(32),
    )


def warm_up() -> None:
    """Build the lazily made tables now (numpy's import included), in the calling thread."""
    _numbers()
    _combining_class_bmp()


def _mix(z: Any) -> Any:
    """splitmix64's finalizer, elementwise on uint64 (numpy's arithmetic wraps, as it wants)."""
    n = _numbers()
    z = (z ^ (z >> n.s30)) * n.mix1
    z = (z ^ (z >> n.s27)) * n.mix2
    return z ^ (z >> n.s31)


def _word_hashes(tokens: Sequence[str]) -> Any:
    """A stable 64-bit hash per token; each distinct word is hashed once."""
    np = _numbers().np
    ids: dict[str, int] = {}
    codes = [ids.setdefault(t, len(ids)) for t in tokens]
    words = b"".join(hashlib.blake2b(w.encode(), digest_size=8).digest() for w in ids)
    return np.frombuffer(words, dtype=">u8").astype(np.uint64)[codes]


def shingle_hashes(tokens: Sequence[str], k: int = SHINGLE_WORDS) -> Any:
    """Distinct 64-bit hashes of the k-word windows (a uint64 array); a body shorter than k
    is one shingle.

    A window's hash combines its words' hashes (order matters), in numpy: hashing every
    window's text, as before, was most of a fingerprint's CPU.
    """
    n = _numbers()
    if not tokens:
        return n.np.zeros(0, dtype=n.np.uint64)
    if len(tokens) < k:
        return _word_hashes([" ".join(tokens)])
    return n.np.unique(_windows(_word_hashes(tokens), k))


def _windows(words: Any, k: int = SHINGLE_WORDS) -> Any:
    """The hash of every k-word window of `words` (word hashes, at least k), in order:
    window i covers words i .. i+k-1, so any span's windows are a slice of them."""
    n = _numbers()
    count = len(words) - k + 1
    z = words[:count].copy()
    for i in range(1, k):
        z = _mix(z ^ n.order[i]) ^ words[i : i + count]
    return _mix(z)


def _span_hashes(tokens: Sequence[str], windows: Any, lo: int, hi: int) -> Any:
    """shingle_hashes(tokens[lo:hi]), from `windows` (the body's `_windows`; None for a
    body shorter than a window): the body and its openings, each word hashed once."""
    span = tokens[lo:hi]
    if windows is None or len(span) < SHINGLE_WORDS:
        return shingle_hashes(span)
    return _numbers().np.unique(windows[lo : lo + len(span) - SHINGLE_WORDS + 1])


def shingles(tokens: Sequence[str], k: int = SHINGLE_WORDS) -> frozenset[int]:
    """The shingle hashes as a set of ints (for the exact Jaccard)."""
    return frozenset(shingle_hashes(tokens, k).tolist())


def minhash(hashes: Any, perms: int = NUM_PERM) -> tuple[int, ...]:
    """NUM_PERM minima, one per hash function, over the shingles' 64-bit hashes.

    Hash function i is multiply-add-shift, (a_i * x + b_i) mod 2**64 >> 32 with a_i odd:
    a universal family, enough over inputs that are already well mixed. The (shingles x
    NUM_PERM) matrix is computed and reduced by numpy in C; a SHAKE-128 digest of
    NUM_PERM words per shingle, the first scheme, cost several times as much.
    """
    if not len(hashes):
        return ()
    n = _numbers()
    multipliers, seeds = n.multipliers[:perms], n.seeds[:perms]
    # In slices of MINHASH_ROWS shingles, each computed in place in this thread's buffer:
    # the whole (shingles x perms) matrix of a hostile 5 MB page would be gigabytes, and
    # a new matrix per call, freed at once, is a fresh mapping of zeroed pages each time
    # where the heap's thresholds are held (core/heap.py, the extraction workers): five
    # times the arithmetic's CPU.
    buffer = _minhash_buffer()
    low = None
    for start in range(0, len(hashes), MINHASH_ROWS):
        part = hashes[start : start + MINHASH_ROWS]
        z = buffer[: len(part), :perms]
        n.np.multiply(part[:, None], multipliers, out=z)
        z += seeds
        least = z.min(axis=0)
        low = least if low is None else n.np.minimum(low, least, out=low)
    assert low is not None
    return tuple(int(v) for v in low >> n.s32)  # shifting keeps the order


_local = threading.local()


def _minhash_buffer() -> Any:
    """This thread's (MINHASH_ROWS x NUM_PERM) scratch matrix for `minhash`: per thread,
    as the storage thread fingerprints stored bodies while extraction threads (workers:
    1) fingerprint new ones."""
    buffer = getattr(_local, "minhash", None)
    if buffer is None:
        np = _numbers().np
        buffer = _local.minhash = np.empty((MINHASH_ROWS, NUM_PERM), dtype=np.uint64)
    return buffer


def bands(signature: Sequence[int], first: int = 0) -> tuple[int, ...]:
    """One signed 64-bit key per band of ROWS values (fits BIGINT on every backend);
    `first`: the number of the first band (the opening's bands follow the body's)."""
    keys = []
    for band in range(len(signature) // ROWS):
        values = signature[band * ROWS : (band + 1) * ROWS]
        packed = struct.pack(f">I{ROWS}I", first + band, *values)
        keys.append(_signed(packed))
    return tuple(keys)


def _all_bands(hashes: Any, lede_hashes: Any) -> tuple[int, ...]:
    if not len(hashes):
        return ()
    opening = minhash(lede_hashes, LEDE_BANDS * ROWS)
    return bands(minhash(hashes)) + bands(opening, first=BANDS)


def _signed(packed: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(packed, digest_size=8).digest(), "big", signed=True)


def fingerprint(paragraphs: Sequence[str], with_bands: bool = True) -> Fingerprint:
    """`with_bands=False` for a stored candidate: only the verification needs it.

    Only the first MAX_FINGERPRINT_CHARS characters count: far beyond any article, and
    what bounds the memory of a hostile page (every distinct word costs a token, a
    shingle and its hashes).
    """
    tokens, flags = tokens_and_flags(_capped(paragraphs))
    # every window hashed once; the openings' shingles are slices of them
    windows = _windows(_word_hashes(tokens)) if len(tokens) >= SHINGLE_WORDS else None
    hashes = _span_hashes(tokens, windows, 0, len(tokens))
    lede_hashes = _span_hashes(tokens, windows, 0, LEDE_TOKENS)
    starts = [k for k, f in enumerate(flags) if f & PARAGRAPH]
    second = starts[1] if len(starts) >= LEDE_MIN_PARAGRAPHS else len(tokens)
    after_hashes = _span_hashes(tokens, windows, second, second + LEDE_TOKENS)
    return Fingerprint(
        text_hash=hashlib.sha256(" ".join(tokens).encode()).hexdigest(),
        tokens=len(tokens),
        shingles=frozenset(hashes.tolist()),
        lede=frozenset(lede_hashes.tolist()),
        after_lede=frozenset(after_hashes.tolist()),
        bands=_all_bands(hashes, lede_hashes) if with_bands else (),
        words=tuple(tokens),
        flags=bytes(flags),
    )


def _capped(paragraphs: Sequence[str]) -> Sequence[str]:
    """The paragraphs up to MAX_FINGERPRINT_CHARS characters in all (the last one cut)."""
    if sum(map(len, paragraphs)) <= MAX_FINGERPRINT_CHARS:
        return paragraphs
    kept: list[str] = []
    room = MAX_FINGERPRINT_CHARS
    for paragraph in paragraphs:
        if room <= 0:
            break
        kept.append(paragraph[:room])
        room -= len(paragraph)
    return kept


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def containment(part: frozenset[int], whole: frozenset[int]) -> float:
    """Share of `part` found in `whole`."""
    return len(part & whole) / len(part) if part else 0.0


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    return 1.0 if a.text_hash == b.text_hash else jaccard(a.shingles, b.shingles)


def screen(new: Fingerprint, old: Fingerprint, t: Thresholds = Thresholds()) -> Match | None:
    """The rule by which `new` looks like a copy of `old` (before the vetoes), or None."""
    if new.tokens and new.text_hash == old.text_hash:
        return Match("exact", 1.0)
    shorter = min(new.tokens, old.tokens)
    if shorter < t.min_tokens:
        return None
    score = jaccard(new.shingles, old.shingles)
    short = shorter < t.short_tokens
    if short:  # a short text: only copy-edits of the same words, however contained
        if score < t.short:
            return None
    elif score < t.near:
        smaller, larger = sorted((new.shingles, old.shingles), key=len)
        if containment(smaller, larger) < t.contain:
            return None
    opening = max(
        containment(new.lede, old.shingles),
        containment(old.lede, new.shingles),
        # a rewritten lead: what follows it is shared both ways
        min(containment(new.after_lede, old.shingles), containment(old.after_lede, new.shingles)),
    )
    if opening < t.lede:
        return None
    return Match("near:short" if short else "near", round(score, 4))


@dataclass(frozen=True)
class _Run:
    """One differing run of the alignment: old[i1:i2] replaced by new[j1:j2], with the
    number of equal words around it (`CONTEXT_TOKENS` at a body's start or end)."""

    i1: int
    i2: int
    j1: int
    j2: int
    before: int = 0
    after: int = 0


# Differing runs this close (equal words between them) are one substitution: "2 1" / "1 2"
# aligns as "2" deleted, "1" kept, "2" inserted, and is one slot.
_GAP_TOKENS = 2
# A slot sits in shared text: this many equal words on each side. Inside two different
# passages the alignment still pairs stray common words ("di", "the"); the runs between
# them are not slots.
CONTEXT_TOKENS = 3


def _differing_runs(old: Fingerprint, new: Fingerprint) -> list[_Run]:
    """The runs where the bodies differ, with their equal context."""
    matcher = difflib.SequenceMatcher(None, old.words, new.words, autojunk=False)
    ops = matcher.get_opcodes()
    runs = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            continue
        # the neighbours of a run are equal runs; one that reaches a body's start or end
        # is context enough ("Shares in | Acme Corp | rose")
        before = after = CONTEXT_TOKENS
        if n > 0 and ops[n - 1][1] > 0:
            before = ops[n - 1][2] - ops[n - 1][1]
        if n + 1 < len(ops) and ops[n + 1][2] < len(old.words):
            after = ops[n + 1][2] - ops[n + 1][1]
        runs.append(_Run(i1, i2, j1, j2, before, after))
    return runs


def _joined(runs: Sequence[_Run]) -> list[_Run]:
    """The runs with close ones joined (see _GAP_TOKENS)."""
    joined: list[_Run] = []
    for run in runs:
        last = joined[-1] if joined else None
        if last and run.i1 - last.i2 <= _GAP_TOKENS and run.j1 - last.j2 <= _GAP_TOKENS:
            joined[-1] = _Run(last.i1, run.i2, last.j1, run.j2, last.before, run.after)
        else:
            joined.append(run)
    return joined


def _marked(fp: Fingerprint, lo: int, hi: int, flag: int) -> list[str]:
    return [fp.words[k] for k in range(lo, hi) if fp.flags[k] & flag]


def _whole_paragraphs(fp: Fingerprint, lo: int, hi: int) -> bool:
    """True when words [lo, hi) are whole paragraphs."""
    return bool(fp.flags[lo] & PARAGRAPH) and (
        hi == len(fp.words) or bool(fp.flags[hi] & PARAGRAPH)
    )


def _slot_veto(old: Fingerprint, new: Fingerprint, run: _Run) -> str | None:
    """A template slot filled differently: figures, a unit, or a name that differ."""
    if not (0 < run.i2 - run.i1 <= SLOT_TOKENS and 0 < run.j2 - run.j1 <= SLOT_TOKENS):
        return None
    if min(run.before, run.after) < CONTEXT_TOKENS:
        return None
    if _whole_paragraphs(old, run.i1, run.i2) and _whole_paragraphs(new, run.j1, run.j2):
        return None  # a byline, dateline or photo credit line of each outlet, not a slot
    a, b = _marked(old, run.i1, run.i2, FIGURE), _marked(new, run.j1, run.j2, FIGURE)
    if a and b and a != b:  # one side without: a number spelled out ("sei" / "6")
        return f"figures: {' '.join(a)} / {' '.join(b)}"
    # The unit of a figure: the word right after one, replaced ("3 points" / "3 percent").
    if run.i1 > 0 and old.flags[run.i1 - 1] & FIGURE and old.words[run.i1 - 1] not in DATE_WORDS:
        return f"figures: {old.words[run.i1 - 1]} {old.words[run.i1]} / {new.words[run.j1]}"
    a, b = _marked(old, run.i1, run.i2, NAME), _marked(new, run.j1, run.j2, NAME)
    gone = [w for w in a if w not in new.words]
    came = [w for w in b if w not in old.words]
    if gone and came:
        return f"names: {' '.join(gone)} / {' '.join(came)}"
    return None


def _own_paragraphs(fp: Fingerprint, aligned: Sequence[bool]) -> list[tuple[int, int]]:
    """(start, end) of the paragraphs of which at least half the words are unaligned, and
    long enough to be an entry (a dateline or a "read more" line is not)."""
    starts = [k for k in range(len(fp.words)) if fp.flags[k] & PARAGRAPH] + [len(fp.words)]
    return [
        (p0, p1)
        for p0, p1 in zip(starts, starts[1:], strict=False)
        if p1 - p0 >= ENTRY_TOKENS and sum(not aligned[k] for k in range(p0, p1)) * 2 >= p1 - p0
    ]


def _entries_veto(
    old: Fingerprint, new: Fingerprint, old_aligned: Sequence[bool], new_aligned: Sequence[bool]
) -> str | None:
    """Both bodies carry paragraphs of their own, with their own figures or names: two
    pages' own entries under one intro, not an edited copy (which rewrites a lead or adds
    one local paragraph, and otherwise only cuts)."""
    mine, theirs = _own_paragraphs(old, old_aligned), _own_paragraphs(new, new_aligned)
    if min(len(mine), len(theirs)) < LIVE_PARAGRAPHS:
        return None
    old_words, new_words = set(old.words), set(new.words)
    own_old = {w for lo, hi in mine for w in _marked(old, lo, hi, FIGURE | NAME)} - new_words
    own_new = {w for lo, hi in theirs for w in _marked(new, lo, hi, FIGURE | NAME)} - old_words
    if own_old and own_new:
        return f"entries: {len(mine)} / {len(theirs)} paragraphs of their own"
    return None


def _aligned(length: int, runs: Sequence[_Run], old_side: bool) -> list[bool]:
    flags = [True] * length
    for run in runs:
        lo, hi = (run.i1, run.i2) if old_side else (run.j1, run.j2)
        for k in range(lo, hi):
            flags[k] = False
    return flags


def compare(
    new: Fingerprint,
    old: Fingerprint,
    t: Thresholds = Thresholds(),
    days_apart: float | None = None,
) -> Verdict | None:
    """How `new` relates to `old`: None when it does not even look like a copy, else the
    rule it passed and the veto that makes it a different story, if any.

    `days_apart`: between the two publication dates, when both are known.
    """
    found = screen(new, old, t)
    if found is None:
        return None
    rule, score = found.rule, found.similarity
    shorter = min(new.tokens, old.tokens)
    if days_apart is not None and shorter < t.short_tokens and days_apart > t.short_max_days:
        return Verdict(rule, score, f"dated: {days_apart:.0f} days apart, short text")
    if rule == "exact":
        return Verdict(rule, score)
    if not new.words or not old.words:  # built without words: the screen alone decides
        return Verdict(rule, score)
    runs = _differing_runs(old, new)
    # each run on its own, then close runs together: "acme corp rose 3.1" is a slot of
    # two names and a figure, and joining may make it longer than SLOT_TOKENS
    for run in (*runs, *_joined(runs)):
        if veto := _slot_veto(old, new, run):
            return Verdict(rule, score, veto)
    old_aligned = _aligned(old.tokens, runs, old_side=True)
    new_aligned = _aligned(new.tokens, runs, old_side=False)
    if veto := _entries_veto(old, new, old_aligned, new_aligned):
        return Verdict(rule, score, veto)
    found_old = sum(old_aligned)  # (close runs joined: a slight undercount, on the safe side)
    longer = found_old >= CONTAINS_ALL * old.tokens and new.tokens >= LONGER_BY * old.tokens
    return Verdict(rule, score, longer=longer)


def match(
    new: Fingerprint,
    old: Fingerprint,
    t: Thresholds = Thresholds(),
    days_apart: float | None = None,
) -> Match | None:
    """The rule that makes `new` a copy of `old`, or None: they are different stories."""
    verdict = compare(new, old, t, days_apart)
    return verdict.match if verdict else None


def is_near_duplicate(a: Sequence[str], b: Sequence[str], t: Thresholds = Thresholds()) -> bool:
    """True when the bodies (paragraph lists) are the same story by any content rule."""
    return match(fingerprint(a), fingerprint(b), t) is not None


def days_between(a: datetime | None, b: datetime | None) -> float | None:
    """Days between two aware dates, or None when either is unknown."""
    if a is None or b is None:
        return None
    return abs((a - b).total_seconds()) / 86400


def best_match(
    new: Fingerprint,
    candidates: Iterable[tuple[str, Fingerprint] | tuple[str, Fingerprint, float | None]],
    t: Thresholds = Thresholds(),
) -> tuple[str, Verdict] | None:
    """(candidate id, verdict): the most similar candidate that is the same story; else
    the most similar one that a veto kept apart (to record why); else None.

    A candidate is (id, fingerprint) or (id, fingerprint, days apart).
    """
    same: list[tuple[float, str, Verdict]] = []
    vetoed: list[tuple[float, str, Verdict]] = []
    for cid, fp, *rest in candidates:
        verdict = compare(new, fp, t, rest[0] if rest else None)
        if verdict is not None:
            (vetoed if verdict.veto else same).append((verdict.similarity, cid, verdict))
    pool = same or vetoed
    if not pool:
        return None
    _, cid, verdict = max(pool, key=lambda x: (x[0], x[1]))
    return cid, verdict


def stable_text(paragraphs: Sequence[str]) -> str:
    """The body with the numbers of short lines masked (timestamps, counters)."""
    kept = []
    for p in paragraphs:
        norm = normalize_text(p)
        if len(norm.split()) <= VOLATILE_MAX_TOKENS:
            norm = _DIGITS_RE.sub("#", norm)
        kept.append(norm)
    return "\n".join(kept)


def is_update(old: Sequence[str], new: Sequence[str]) -> bool:
    """True when the stable content changed (an in-place update, not a fetch artefact)."""
    return stable_text(old) != stable_text(new)


def entry_version(entry: EntryData) -> datetime | None:
    """The date that moves when a publisher edits an entry: updated, else published."""
    return entry.updated or entry.published
