"""Managing sources: the decisions behind `ingest feeds add/remove/import/export`.

Pure deciders (names, duplicates, import plans) take values and return values; the few
functions at the bottom read OPML files and write feeds.yaml through feeds_file.py.
What the commands print is ingest/cli/feeds.py's.

Two feeds are the same feed when their canonical URLs are equal (ingest.core.urls: scheme
and host case, default port, fragment, tracking parameters, query order do not count).
Names are generated from the feed's title: lower-case ASCII words joined by "-", made
unique with "-2", "-3", ...; without a title, from the URL's host and path.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ingest.config import Config, FeedSpec, parse_duration
from ingest.core.errors import ConfigError
from ingest.core.urls import canonical_url, is_http_url
from ingest.sources.discover import Candidate
from ingest.sources.feeds_file import add_entries
from ingest.sources.opml import OpmlFeed, export_opml, parse_opml

MAX_NAME_CHARS = 60


# -- names and identity -------------------------------------------------------------------


def slugify(text: str) -> str:
    """'Ars Technica – All content' -> 'ars-technica-all-content' (may be empty)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_NAME_CHARS].rstrip("-")


def name_from_url(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return slugify(f"{host} {parts.path}") or "feed"


def unique_name(base: str, taken: Iterable[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is not taken yet."""
    used = set(taken)
    if base not in used:
        return base
    n = 2
    while f"{base}-{n}" in used:
        n += 1
    return f"{base}-{n}"


def suggest_name(title: str | None, url: str, taken: Iterable[str]) -> str:
    return unique_name(slugify(title or "") or name_from_url(url), taken)


def find_by_url(feeds: Sequence[FeedSpec], url: str) -> FeedSpec | None:
    """The configured feed with the same canonical URL, if any."""
    wanted = canonical_url(url)
    return next((f for f in feeds if canonical_url(f.url) == wanted), None)


def duplicate_message(existing: FeedSpec, url: str) -> str:
    return f"{url} is already in feeds.yaml as {existing.name!r} ({existing.url})"


# -- add ----------------------------------------------------------------------------------


def new_entry(
    config: Config,
    candidate: Candidate,
    *,
    name: str | None = None,
    interval: str | None = None,
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """The feeds.yaml entry for a picked candidate; ConfigError on duplicates."""
    existing = find_by_url(config.feeds, candidate.url)
    if existing is not None:
        raise ConfigError(duplicate_message(existing, candidate.url))
    taken = [f.name for f in config.feeds]
    if name is not None and name in taken:
        raise ConfigError(f"a feed named {name!r} already exists; choose another --name")
    if interval is not None:
        try:
            parse_duration(interval)
        except ValueError as exc:
            raise ConfigError(f"--interval: {exc}") from None
    return {
        "name": name or suggest_name(candidate.title, candidate.url, taken),
        "url": candidate.url,
        "interval": interval,
        "tags": list(tags),
    }


def add_feed(config: Config, entry: dict[str, Any]) -> Config:
    """Append one entry to the config's file; returns the new, validated Config."""
    return add_entries(config.path, [entry])


# -- import / export ----------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What importing an OPML file does: entries to add, URLs skipped and why."""

    added: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)


def plan_import(config: Config, feeds: Sequence[OpmlFeed]) -> ImportPlan:
    """Merge without duplicates: a URL already configured or seen earlier is skipped."""
    plan = ImportPlan()
    taken = [f.name for f in config.feeds]
    seen: dict[str, str] = {}  # canonical URL -> name given in this import
    for feed in feeds:
        url = feed.url.strip()
        existing = find_by_url(config.feeds, url) if is_http_url(url) else None
        if not is_http_url(url):
            plan.skipped.append((url, "not an http(s) URL"))
        elif existing is not None:
            plan.skipped.append((url, f"already in feeds.yaml as {existing.name!r}"))
        elif canonical_url(url) in seen:
            plan.skipped.append((url, f"listed twice (added once as {seen[canonical_url(url)]!r})"))
        else:
            name = suggest_name(feed.title, url, taken)
            taken.append(name)
            seen[canonical_url(url)] = name
            plan.added.append({"name": name, "url": url, "tags": list(feed.tags)})
    return plan


def import_opml(config: Config, file: Path, *, dry_run: bool = False) -> ImportPlan:
    """Read an OPML file and append its new feeds to feeds.yaml in one write."""
    try:
        body = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    opml = parse_opml(body)
    plan = plan_import(config, opml.feeds)
    plan.skipped.extend(opml.ignored)
    added = {entry["url"] for entry in plan.added}
    plan.skipped.extend(
        (url, f"listed {n} times in the file (imported once, with the tags of each)")
        for url, n in opml.repeats
        if url in added
    )
    if plan.added and not dry_run:
        add_entries(config.path, plan.added)
    return plan


def export_feeds(config: Config, now: datetime) -> str:
    return export_opml(config.feeds, now)
