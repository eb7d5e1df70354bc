"""The extraction pool's tasks: a feed's parse, and one entry's CPU work (page -> extract
-> compose -> fingerprint).

A module of its own, light to import: the pool's forkserver preloads it (with
ingest.feeds), so workers carry trafilatura but not the database, HTTP or CLI layers.
The event loop names these functions to the pool (pickled by reference, so imported
there too) but never runs them: what they run is imported inside them, which keeps
lxml, feed parsing and composing (~8 MB and 0.1 s of CPU) out of the main process;
the workers have it preloaded (runtime.EXTRACTION_MODULES).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ingest.config import FeedSpec
from ingest.core.types import ArticleDraft, EntryData, FeedData

if TYPE_CHECKING:
    from ingest.core.dedup import Fingerprint


def parse_feed(url: str, body: bytes, content_type: str | None = None) -> FeedData:
    """ingest.feeds.parse_feed, in the pool."""
    from ingest.feeds import parse_feed

    return parse_feed(url, body, content_type)


def prepare(
    spec: FeedSpec,
    entry: EntryData,
    html: bytes | None,
    final_url: str,
    now: datetime,
    feed_language: str | None,
    max_page_bytes: int,
    site_noise: frozenset[int] = frozenset(),
) -> tuple[ArticleDraft, Fingerprint | None]:
    """extract -> compose -> fingerprint: the CPU work for one entry, in one worker call.
    `site_noise`: keys of the paragraphs its site repeats (the site memory), left out.

    One call, not two: each round trip to the pool pickles the page both ways.
    """
    # Imported here: trafilatura and its dependencies cost the main process ~40 MB and a
    # third of a second of start-up, and with a process pool only the workers extract.
    from ingest.compose import compose, without_site_noise
    from ingest.core.dedup import fingerprint
    from ingest.extract import extract_page
    from ingest.extract.overrides import apply_overrides

    page = None
    if html is not None and spec.extract is not None:
        rules = spec.extract
        html = apply_overrides(html[:max_page_bytes], rules.body, rules.drop)
    if html is not None:
        # htmldate's guess at the page date only matters when the entry has no date
        guess_date = entry.published is None and entry.updated is None
        page = extract_page(html, final_url, max_bytes=max_page_bytes, guess_date=guess_date)
    draft = without_site_noise(
        compose(spec, entry, page, final_url, now, feed_language), site_noise
    )
    return draft, fingerprint(draft.paragraphs) if draft.paragraphs else None
