"""`ingest reextract`: stored articles extracted again by the current rules, in place.

For each stored article whose text came from its page: fetch the page again (with a
poll's guards), extract and compose it as a poll would (the feed's `extract:` overrides
and the site memory included; the stored title, lead and date stand for the feed entry),
and when its text changed, replace it: the database row first, then the file, under the
same id, number and path. A page that cannot be fetched or extracted keeps its text.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ingest.config import Config, FeedSpec
from ingest.core.errors import ExtractError, Skip, StorageError
from ingest.core.types import EntryData
from ingest.pipeline.poll import extract_entry, fetch_page
from ingest.pipeline.report import log
from ingest.pipeline.runtime import Context, bounded, close_context, open_context
from storage.models import Article


@dataclass
class ReextractReport:
    checked: int = 0
    changed: int = 0
    failed: Counter[str] = field(default_factory=Counter)  # reason -> articles kept as they were

    def summary(self) -> str:
        failed = sum(self.failed.values())
        reasons = ", ".join(f"{r}={n}" for r, n in sorted(self.failed.items()))
        return (
            f"re-extracted {self.checked} articles: {self.changed} changed, "
            f"{self.checked - self.changed - failed} unchanged, {failed} kept as they were"
            + (f" ({reasons})" if reasons else "")
        )


async def reextract_async(
    config: Config,
    feeds: Sequence[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> ReextractReport:
    """Extract again the articles first stored from `feeds` (every feed's by default)."""
    specs = {spec.name: spec for spec in config.feeds}
    for name in feeds:
        config.feed(name)  # an unknown name is an error that lists the known ones
    report = ReextractReport()
    ctx = await open_context(config)
    try:
        articles = await ctx.db(ctx.store.articles_to_reextract, list(feeds))

        async def one(article: Article) -> None:
            spec = specs.get(article.feed) or FeedSpec(name=article.feed, url=article.url)
            report.checked += 1
            try:
                report.changed += await reextract_one(article, spec, ctx)
            except (Skip, ExtractError, StorageError) as exc:
                reason = exc.reason if isinstance(exc, Skip) else type(exc).__name__
                report.failed[reason] += 1
                log.warning("article=%s url=%s kept as it was: %s", article.id, article.url, exc)
            if on_progress:
                on_progress(1)

        await bounded((one(a) for a in articles), limit=config.settings.concurrency)
    finally:
        await close_context(ctx)
    log.debug(report.summary())
    return report


async def reextract_one(article: Article, spec: FeedSpec, ctx: Context) -> bool:
    """Fetch, extract, compose; replace the stored text if it changed. True if it did."""
    entry = EntryData(
        key=f"reextract:{article.id}",
        guid=None,
        link=article.url,
        title=article.title,
        summary=article.lead,
        content=None,
        published=article.published_local,
        updated=None,
        language=article.language,
    )
    html, final_url = await fetch_page(spec, article.url, ctx, entry)
    draft, fp = await extract_entry(
        spec, entry, html, final_url, article.language, ctx, ctx.clock()
    )
    if draft.text_source != "page" or not draft.paragraphs:
        raise Skip("page:no_body", "the page gives no body now; the stored text stays")
    same = (draft.title, draft.lead, draft.paragraphs) == (
        article.title,
        article.lead,
        article.paragraphs,
    )
    if same:
        return False
    async with ctx.store_lock:
        stored = await ctx.db(
            ctx.store.replace_text, article.id, draft.title, draft.lead, draft.paragraphs, fp
        )
        error = await ctx.db(ctx.store.write_file, stored)
    if error:
        raise StorageError(error)
    return True


def reextract(
    config: Config,
    feeds: Sequence[str] = (),
    on_progress: Callable[[int], None] | None = None,
) -> ReextractReport:
    """The library entry point of `ingest reextract`."""
    return asyncio.run(reextract_async(config, feeds, on_progress))
