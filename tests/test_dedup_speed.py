"""The fingerprint's faster paths give what the plain definitions give: the openings'
shingles sliced from the body's windows, the bare text built character by character,
the MinHash in a reused buffer, and the packed pickle (pool worker -> parent)."""

from __future__ import annotations

import pickle
import random
import threading
import unicodedata

from ingest.core import dedup
from tests.dedup_corpus import load_corpus

BODIES = [d.paragraphs for d in load_corpus()] + [
    (),
    ("",),
    ("one",),
    ("one two",),
    ("one two three",),
    ("A, b", "c"),
    ("Eins zwei", "drei", "vier fünf sechs", "sieben", "acht neun"),
]


def plain_fingerprint_sets(paragraphs: tuple[str, ...]) -> tuple[frozenset[int], ...]:
    """The shingle sets as defined: each span's words hashed on their own."""
    tokens, flags = dedup.tokens_and_flags(paragraphs)
    starts = [k for k, f in enumerate(flags) if f & dedup.PARAGRAPH]
    second = starts[1] if len(starts) >= dedup.LEDE_MIN_PARAGRAPHS else len(tokens)
    return (
        dedup.shingles(tokens),
        dedup.shingles(tokens[: dedup.LEDE_TOKENS]),
        dedup.shingles(tokens[second : second + dedup.LEDE_TOKENS]),
    )


def test_the_openings_sliced_from_the_body_windows_are_their_own_shingles() -> None:
    for body in BODIES:
        fp = dedup.fingerprint(body)
        assert (fp.shingles, fp.lede, fp.after_lede) == plain_fingerprint_sets(body)


def plain_bare(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_the_bare_text_is_nfkd_without_marks() -> None:
    rng = random.Random(7)
    blocks = [(0x20, 0x250), (0x300, 0x370), (0x370, 0x600), (0x1E00, 0x1F00), (0x3040, 0x3100),
              (0xAC00, 0xAC40), (0x1100, 0x1180), (0xFB00, 0xFB50), (0xFF00, 0xFF60),
              (0x1D400, 0x1D440), (0x1F600, 0x1F650)]  # fmt: skip
    for _ in range(3000):
        text = "".join(chr(rng.randrange(*rng.choice(blocks))) for _ in range(rng.randint(0, 30)))
        assert dedup._bare(text) == plain_bare(text), repr(text)  # noqa: SLF001
    # a mark after a letter it composes with, and a mark reordered before another
    for text in ("e\u0301", "a\u0323\u0302b", "Ａｂ ﬁ ½ Straße", "x\u0345\u0301"):
        assert dedup._bare(text) == plain_bare(text)  # noqa: SLF001


def test_the_minhash_is_the_same_from_several_threads() -> None:
    hashes = [dedup.shingle_hashes(dedup.tokenize(" ".join(b))) for b in BODIES[:40]]
    n = dedup._numbers()  # noqa: SLF001
    expected = [
        tuple(int(v) for v in ((h[:, None] * n.multipliers + n.seeds).min(axis=0) >> n.s32))
        if len(h) else ()
        for h in hashes
    ]  # fmt: skip
    results: dict[int, list[tuple[int, ...]]] = {}

    def run(k: int) -> None:
        results[k] = [dedup.minhash(h) for h in hashes for _ in range(3)][::3]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results.values())


def test_a_fingerprint_comes_back_from_pickle_equal_and_smaller() -> None:
    for body in BODIES:
        fp = dedup.fingerprint(body)
        assert pickle.loads(pickle.dumps(fp)) == fp
    fp = dedup.fingerprint(BODIES[0])
    plain = pickle.dumps((fp.text_hash, fp.tokens, fp.shingles, fp.lede, fp.bands,
                          fp.after_lede, fp.words, fp.flags))  # fmt: skip
    assert len(pickle.dumps(fp)) < 0.9 * len(plain)


def test_a_word_holding_the_separator_is_pickled_as_it_is() -> None:
    fp = dedup.Fingerprint("h", 2, frozenset({1}), frozenset(), (), words=("a\x00b", "c"))
    assert pickle.loads(pickle.dumps(fp)) == fp
