"""Speed changes of ingest.extract (issue 17) keep what they replace: same answers, same
candidates, no state carried from one page to the next.

The dev-set check is bench/extract_dump.py (every field of every page, byte for byte);
these cases pin each change on small inputs.
"""

from __future__ import annotations

from ingest.core.text import (
    KEY_CACHED_CHARS,
    _cached_comparison_key,
    _comparison_key,
    comparison_key,
)


def test_comparison_key_remembers_lines_but_not_whole_bodies() -> None:
    _cached_comparison_key.cache_clear()
    line = "Ünïcode, SPACES  and — punctuation!"
    assert comparison_key(line) == comparison_key(line) == _comparison_key(line)
    assert _cached_comparison_key.cache_info().hits == 1
    body = "Ab, c. " * (KEY_CACHED_CHARS // 4)
    assert comparison_key(body) == _comparison_key(body)
    assert _cached_comparison_key.cache_info().currsize == 1  # the long text is not kept
