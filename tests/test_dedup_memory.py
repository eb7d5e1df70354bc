"""Fingerprinting memory is bounded (audit: about 2.2 KB per distinct word, 441 MB for
1.4 MB of text): a 5 MB body of distinct words stays under 100 MB, and the bound keeps
what dedup needs (the same text gives the same fingerprint, a cut copy still matches)."""

from __future__ import annotations

import random
import string
import tracemalloc

from ingest.core import dedup


def distinct_words(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(string.ascii_lowercase, k=7)) for _ in range(count)]


def test_a_5_mb_body_of_distinct_words_fingerprints_in_under_100_mb() -> None:
    words = distinct_words(700_000)  # 5.6 MB of text
    paragraphs = [" ".join(words[i : i + 700]) for i in range(0, len(words), 700)]
    assert sum(map(len, paragraphs)) > 5_000_000
    dedup.warm_up()
    tracemalloc.start()
    try:
        fp = dedup.fingerprint(paragraphs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000, f"{peak / 1e6:.0f} MB"
    assert fp.bands and fp.tokens > 10_000


def test_the_minhash_in_slices_equals_the_whole_matrix() -> None:
    n = dedup._numbers()  # noqa: SLF001
    hashes = dedup.shingle_hashes(distinct_words(3 * dedup.MINHASH_ROWS + 17))
    whole = (hashes[:, None] * n.multipliers[None, :] + n.seeds[None, :]).min(axis=0) >> n.s32
    assert dedup.minhash(hashes) == tuple(int(v) for v in whole)
