"""Deduplication: one story, stored once. Pure: values in, decisions out.

What counts as the same story
    Two articles are the same story when their *bodies* (the extracted paragraphs; not
    the headline, not the feed's lead, which outlets rewrite) are the same text up to
    normalisation, or nearly the same text: a wire story re-published in another
    template, with a changed headline, an added byline or footer, a paragraph cut or
    appended, light copy-edits. A follow-up on the same event, another outlet's own
    report, or two stories that share a site template are *different* stories.

Normalisation (`normalize_text`)
    Unicode NFKC, case folded, accents removed (copy desks disagree on "perché" and
    "perchè"), every run of punctuation or whitespace made one space. Markup, tracking
    parameters and the URL play no part: the body is extracted text already.

Rules, tried in this order (the first that holds decides; `Match.rule` records it)
    canonical_url  the same canonical URL (decided by the store, before content).
    exact          sha256 of the normalised body is equal (`text_hash`): a re-post
                   under a new GUID or URL. One indexed lookup.
    near           Jaccard similarity of word 3-shingles at least `near` AND the
                   opening of one body (its first `LEDE_TOKENS` words) found in the
                   other at least `lede` (containment).
    near:short     the same, with the stricter `short` threshold, when the shorter body
                   has fewer than `short_tokens` words.
    Bodies under `min_tokens` words merge only by the exact rule: a two-line brief
    shares too much phrasing ("ROMA, 12 NOV - Il ministro ha detto ...") with others.

Candidate lookup (constant cost per new article, any store size)
    MinHash with `NUM_PERM` = 128 hash functions (multiply-add-shift over 64-bit
    shingle hashes built from per-word hashes, all in numpy) of the body's shingle set, cut into
    `BANDS` = 32 bands of `ROWS` = 4 values; each band hashes to one signed 64-bit
    key stored in an indexed table. A new article reads the rows matching any of its
    32 keys (at most `PER_BAND_LIMIT` per key, so a key made popular by shared
    boilerplate cannot make the lookup grow), keeps the `max_candidates` articles
    sharing the most bands, and verifies each with the exact Jaccard above, computed
    from the candidate's stored body. The chance that a pair becomes a candidate is
    1 - (1 - J**4)**32: 0.87 at J = 0.5, 0.99 at J = 0.6, 0.23 at J = 0.3, 0.003 at
    J = 0.1. A 64-bit SimHash with 4 x 16-bit bands was measured and rejected: a
    one-paragraph cut flips ~7 of 64 bits, so only about half of such copies share
    a band (see bench/dedup_bench.py).

Guards (precision before recall)
    - Verification is exact Jaccard on the stored body, never the sketch alone.
    - The opening guard: two stories sharing a long template footer or disclaimer can
      reach a high Jaccard when their own text is short, but their openings differ;
      a copy keeps the lede (cuts happen at the end, bylines add a few words).
    - Short bodies: a much stricter threshold, and exact only below `min_tokens`.
    - A feed with `dedup: false` is neither merged by content nor merged into.

Threshold table (Jaccard of word 3-shingles, measured on tests/data/dedup):

    variant                          typical J    rule
    exact re-post / other template   0.85-1.00    exact / near
    byline or footer added           0.85-0.95    near
    one paragraph cut / appended     0.70-0.90    near
    light copy-edits (5-10 words)    0.80-0.95    near
    follow-up on the same event      0.05-0.25    (distinct)
    same template, other story       0.05-0.35    (distinct; the opening guard)
    two short briefs, same phrasing  0.10-0.50    (distinct; short rule)

Updates (`is_update`)
    The same canonical URL fetched again counts as changed only when its *stable* text
    changed: the numbers in short paragraphs (at most `VOLATILE_MAX_TOKENS` words) are
    masked, as that is where "updated 14:32" and "read 1,234 times" live. A paragraph
    added, removed or reworded is a change; the rewrites per article are capped
    (`max_updates`) so a page that changes on every fetch cannot churn the store.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
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
LEDE_TOKENS = 50
PER_BAND_LIMIT = 50
VOLATILE_MAX_TOKENS = 12
# Bump when the tokens, shingles or hashing change: stored bands are then stale, and
# fingerprints.backfill re-indexes the rows of older versions.
SCHEME_VERSION = 2

# Defaults of `settings: dedup:` (ingest/config.py), and why.
NEAR_THRESHOLD = 0.5  # the lowest J among real copies in the corpus is ~0.6; negatives <= 0.35
SHORT_THRESHOLD = 0.85  # short text: only copy-edits of the same words
LEDE_THRESHOLD = 0.5  # half of one opening's shingles found in the other body
MIN_TOKENS = 25  # below: exact match only
SHORT_TOKENS = 80  # below: the short threshold
MAX_CANDIDATES = 10  # bodies verified per new article
MAX_UPDATES = 5  # in-place rewrites per article

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_DIGITS_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class Thresholds:
    near: float = NEAR_THRESHOLD
    short: float = SHORT_THRESHOLD
    lede: float = LEDE_THRESHOLD
    min_tokens: int = MIN_TOKENS
    short_tokens: int = SHORT_TOKENS
    max_candidates: int = MAX_CANDIDATES


@dataclass(frozen=True)
class Fingerprint:
    """What dedup knows about one body."""

    text_hash: str  # sha256 of the normalised body: the exact rule
    tokens: int
    shingles: frozenset[int]
    lede: frozenset[int]  # shingles of the first LEDE_TOKENS words
    bands: tuple[int, ...]  # BANDS signed 64-bit keys; empty for an empty body


@dataclass(frozen=True)
class Match:
    rule: str  # "exact" | "near" | "near:short"
    similarity: float  # Jaccard of shingles (1.0 for exact)


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


def normalize_text(text: str) -> str:
    """Case, accents, punctuation and whitespace ignored: the comparison form."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    bare = _strip_marks(decomposed)
    return " ".join(_WORD_RE.findall(bare.replace("_", " ")))


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
    words = _word_hashes(tokens)
    count = len(tokens) - k + 1
    z = words[:count].copy()
    for i in range(1, k):
        z = _mix(z ^ n.order[i]) ^ words[i : i + count]
    return n.np.unique(_mix(z))


def shingles(tokens: Sequence[str], k: int = SHINGLE_WORDS) -> frozenset[int]:
    """The shingle hashes as a set of ints (for the exact Jaccard)."""
    return frozenset(shingle_hashes(tokens, k).tolist())


def minhash(hashes: Any) -> tuple[int, ...]:
    """NUM_PERM minima, one per hash function, over the shingles' 64-bit hashes.

    Hash function i is multiply-add-shift, (a_i * x + b_i) mod 2**64 >> 32 with a_i odd:
    a universal family, enough over inputs that are already well mixed. The (shingles x
    NUM_PERM) matrix is computed and reduced by numpy in C; a SHAKE-128 digest of
    NUM_PERM words per shingle, the first scheme, cost several times as much.
    """
    if not len(hashes):
        return ()
    n = _numbers()
    z = hashes[:, None] * n.multipliers[None, :] + n.seeds[None, :]
    return tuple(int(v) for v in z.min(axis=0) >> n.s32)  # shifting keeps the order


def bands(signature: Sequence[int]) -> tuple[int, ...]:
    """One signed 64-bit key per band of ROWS values (fits BIGINT on every backend)."""
    keys = []
    for band in range(len(signature) // ROWS):
        values = signature[band * ROWS : (band + 1) * ROWS]
        packed = struct.pack(f">I{ROWS}I", band, *values)
        keys.append(_signed(packed))
    return tuple(keys)


def _signed(packed: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(packed, digest_size=8).digest(), "big", signed=True)


def fingerprint(paragraphs: Sequence[str], with_bands: bool = True) -> Fingerprint:
    """`with_bands=False` for a stored candidate: only the verification needs it."""
    normalized = normalize_text("\n".join(paragraphs))
    tokens = normalized.split()
    hashes = shingle_hashes(tokens)
    return Fingerprint(
        text_hash=hashlib.sha256(normalized.encode()).hexdigest(),
        tokens=len(tokens),
        shingles=frozenset(hashes.tolist()),
        lede=shingles(tokens[:LEDE_TOKENS]),
        bands=bands(minhash(hashes)) if with_bands else (),
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def containment(part: frozenset[int], whole: frozenset[int]) -> float:
    """Share of `part` found in `whole`."""
    return len(part & whole) / len(part) if part else 0.0


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    return 1.0 if a.text_hash == b.text_hash else jaccard(a.shingles, b.shingles)


def match(new: Fingerprint, old: Fingerprint, t: Thresholds = Thresholds()) -> Match | None:
    """The rule that makes `new` a copy of `old`, or None: they are different stories."""
    if new.tokens and new.text_hash == old.text_hash:
        return Match("exact", 1.0)
    shorter = min(new.tokens, old.tokens)
    if shorter < t.min_tokens:
        return None
    score = jaccard(new.shingles, old.shingles)
    short = shorter < t.short_tokens
    if score < (t.short if short else t.near):
        return None
    opening = max(containment(new.lede, old.shingles), containment(old.lede, new.shingles))
    if opening < t.lede:
        return None
    return Match("near:short" if short else "near", round(score, 4))


def is_near_duplicate(a: Sequence[str], b: Sequence[str], t: Thresholds = Thresholds()) -> bool:
    """True when the bodies (paragraph lists) are the same story by any content rule."""
    return match(fingerprint(a), fingerprint(b), t) is not None


def best_match(
    new: Fingerprint, candidates: Iterable[tuple[str, Fingerprint]], t: Thresholds = Thresholds()
) -> tuple[str, Match] | None:
    """(candidate id, match) with the highest similarity, or None."""
    found = [(m.similarity, cid, m) for cid, fp in candidates if (m := match(new, fp, t))]
    if not found:
        return None
    _, cid, m = max(found, key=lambda x: (x[0], x[1]))
    return cid, m


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
