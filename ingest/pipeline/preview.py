"""`ingest extract URL`: the document one page would be stored as, without storing it.

The same steps as a poll for one entry whose link is the URL (ingest/pipeline/poll.py
`fetch_page` guards, `prepare`: extract -> compose), the same render as the store's
files (storage/document.py); nothing is written, no database is opened. Anchor:
trafilatura's `-u URL` and newspaper's `--url`, for trying a site before adding it, or
for looking at a page that `ingest status --sites` flags.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from ingest.config import Config, FeedSpec
from ingest.core.dates import month_of
from ingest.core.errors import FetchError
from ingest.core.types import EntryData
from ingest.core.urls import is_http_url
from ingest.fetch import Fetcher
from ingest.pipeline.prepare import prepare
from storage import document

PREVIEW_FEED = "extract"


async def preview_async(config: Config, url: str, now: datetime) -> str:
    if not is_http_url(url):
        raise FetchError(f"not an http(s) URL: {url}", url)
    settings = config.settings
    async with Fetcher.from_settings(settings) as fetcher:
        try:
            fetched = await fetcher.fetch(
                url, max_bytes=settings.max_page_bytes, allow=config.allowed_networks(), kind="page"
            )
        except FetchError as exc:
            raise FetchError(f"cannot fetch {url}: {exc}", url) from None
    spec = FeedSpec(name=PREVIEW_FEED, url=url)
    entry = EntryData(url, None, url, None, None, None, None, None)
    draft, _ = prepare(
        spec, entry, fetched.content, fetched.final_url, now, None, settings.max_page_bytes
    )
    doc = document.Document(month_of(draft.published), draft.title, draft.lead, draft.paragraphs)
    return document.render(doc, settings.title_max_chars)


def preview(config: Config, url: str, now: datetime | None = None) -> str:
    """The stored document `url` would give, in the store's exact text format.

    Raises FetchError when the page cannot be fetched, Skip (with its reason) when the
    pipeline would not store it (no title, no body)."""
    return asyncio.run(preview_async(config, url, now or datetime.now(UTC)))
