"""`ingest feeds add/remove/list/check/import/export`: managing the sources in feeds.yaml.

The decisions are in ingest/sources/; this module asks, prints and exits.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.cli.common import config_option, handle_errors, read_config

# ingest.sources (and with it httpx) is imported inside the commands, as everywhere in
# the CLI: `ingest --help` and `ingest list` do not pay for it.

if TYPE_CHECKING:
    from ingest.config import Config, FeedSpec
    from ingest.sources.discover import Discovery
    from ingest.sources.health import FeedHealth


@click.group()
def feeds() -> None:
    """Manage the feeds in feeds.yaml: add, remove, list, check, import, export.

    Commands that write feeds.yaml keep its comments and layout, write it atomically
    and leave the previous version in feeds.yaml.bak.
    """


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@feeds.command("add")
@config_option
@click.argument("url")
@click.option("--name", default=None, help="Feed name (default: from the feed's title).")
@click.option("--interval", default=None, help="Poll interval such as 15m (default: settings).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag; repeatable.")
@click.option("--first", is_flag=True, help="Take the first feed found, without asking.")
@handle_errors
def feeds_add(
    config_path: Path,
    url: str,
    name: str | None,
    interval: str | None,
    tags: tuple[str, ...],
    first: bool,
) -> None:
    """Add a feed by its URL or by a page of its site (the page's feeds are found).

    Example: ingest feeds add https://www.example.com/ --first --interval 15m
    """
    from ingest.sources import manage as sources
    from ingest.sources.discover import discover

    config = read_config(config_path)
    if existing := sources.find_by_url(config.feeds, url):
        raise click.ClickException(sources.duplicate_message(existing, url))
    found = discover(url, config)
    if not found.candidates:
        raise click.ClickException(no_feed_message(found))
    click.echo("\n".join(candidate_lines(found, config.feeds)))
    if len(found.candidates) == 1 or first:
        choice = 1
    elif _on_terminal():
        choice = click.prompt("Add which feed", type=click.IntRange(1, len(found.candidates)))
    else:
        raise click.ClickException(
            f"{len(found.candidates)} feeds found: run again with the URL of one, or --first"
        )
    picked = found.candidates[choice - 1]
    entry = sources.new_entry(config, picked, name=name, interval=interval, tags=tags)
    sources.add_feed(config, entry)
    click.echo(f"added {entry['name']}: {entry['url']}")


@feeds.command("remove")
@config_option
@click.argument("name")
@handle_errors
def feeds_remove(config_path: Path, name: str) -> None:
    """Remove the feed NAME from feeds.yaml (stored articles are kept).

    Example: ingest feeds remove gazzetta
    """
    from ingest.sources.feeds_file import remove_feed

    spec = read_config(config_path).feed(name)
    remove_feed(config_path, name)
    click.echo(f"removed {spec.name}: {spec.url} (previous file: {config_path}.bak)")


@feeds.command("enable")
@config_option
@click.argument("name")
@handle_errors
def feeds_enable(config_path: Path, name: str) -> None:
    """Enable the feed NAME in feeds.yaml (a running `ingest run` starts polling it).

    Example: ingest feeds enable gazzetta
    """
    _set_enabled(config_path, name, True)


@feeds.command("disable")
@config_option
@click.argument("name")
@handle_errors
def feeds_disable(config_path: Path, name: str) -> None:
    """Disable the feed NAME in feeds.yaml: not polled, its articles kept.

    Example: ingest feeds disable gazzetta
    """
    _set_enabled(config_path, name, False)


def _set_enabled(config_path: Path, name: str, enabled: bool) -> None:
    from ingest.sources.feeds_file import set_enabled

    spec = read_config(config_path).feed(name)
    word = "enabled" if enabled else "disabled"
    if spec.enabled is enabled:
        click.echo(f"{name} is {word} already")
        return
    set_enabled(config_path, name, enabled)
    click.echo(f"{word} {name} (previous file: {config_path}.bak)")


@feeds.command("list")
@config_option
@handle_errors
def feeds_list(config_path: Path) -> None:
    """List the feeds: name, URL, enabled, interval, tags (tab-separated when piped).

    Example: ingest feeds list | cut -f2
    """
    rows = list_rows(read_config(config_path, lenient=True))
    if not sys.stdout.isatty():
        for row in rows:
            click.echo("\t".join(row))
        return
    # URLs are never cut: they get no width limit, the terminal wraps long lines instead.
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(_FEED_COLUMNS)]
    for row in [_FEED_COLUMNS, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


_FEED_COLUMNS = ("NAME", "URL", "ENABLED", "INTERVAL", "TAGS")


@feeds.command("check")
@config_option
@click.argument("names", nargs=-1, metavar="[NAME|URL]...")
@handle_errors
def feeds_check(config_path: Path, names: tuple[str, ...]) -> None:
    """Fetch and parse feeds now, store nothing, report format, items, caching, problems.

    NAME: a configured feed; URL: a feed to try before adding it.

    Example: ingest feeds check gazzetta; ingest feeds check https://www.example.com/feed.xml

    Exits 1 when a feed cannot be fetched or parsed.
    """
    from ingest.sources.health import check_feeds

    results = check_feeds(read_config(config_path), names, datetime.now(UTC))
    if not results:
        raise click.ClickException(f"no feeds in {config_path}")
    for health in results:
        click.echo("\n".join(health_lines(health)))
    if any(not h.ok for h in results):
        sys.exit(1)


@feeds.command("import")
@config_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@handle_errors
def feeds_import(config_path: Path, file: Path, dry_run: bool) -> None:
    """Add the feeds of an OPML file (folders become tags); known URLs are skipped.

    Example: ingest feeds import subscriptions.opml
    """
    from ingest.sources.manage import import_opml

    plan = import_opml(read_config(config_path), file, dry_run=dry_run)
    for entry in plan.added:
        click.echo(f"{'would add' if dry_run else 'added'} {entry['name']}: {entry['url']}")
    for url, why in plan.skipped:
        click.echo(f"skipped {url}: {why}")
    added = "would be added (dry run: nothing written)" if dry_run else "added"
    click.echo(f"{len(plan.added)} {added}, {len(plan.skipped)} skipped")


@feeds.command("export")
@config_option
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def feeds_export(config_path: Path, file: Path | None) -> None:
    """Write the feeds as OPML 2.0 to FILE, or to standard output.

    Example: ingest feeds export subscriptions.opml
    """
    from ingest.sources.feeds_file import write_atomic
    from ingest.sources.manage import export_feeds

    config = read_config(config_path, lenient=True)
    text = export_feeds(config, datetime.now(UTC))
    if file is None or str(file) == "-":
        click.echo(text, nl=False)
    else:
        write_atomic(file, text, backup=False)
        click.echo(f"wrote {plural(len(config.feeds), 'feed')} to {file}", err=True)


# -- what the commands print --------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """900 -> '15m', 7200 -> '2h', 90 -> '90s': the largest unit that divides evenly."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def format_date(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "no dates"


def candidate_lines(found: Discovery, feeds: Sequence[FeedSpec]) -> list[str]:
    """The numbered list shown before picking: title, format, items, newest date, URL."""
    from ingest.sources.manage import find_by_url

    lines = []
    for number, c in enumerate(found.candidates, 1):
        existing = find_by_url(feeds, c.url)
        note = f"  (already in feeds.yaml as {existing.name!r})" if existing else ""
        lines.append(
            f"{number}. {c.title or '(untitled)'}  [{c.format}, {plural(c.items, 'item')}, "
            f"newest {format_date(c.newest)}]{note}"
        )
        lines.append(f"   {c.url}")
    lines.extend(f"   not usable: {url}: {why}" for url, why in found.rejected)
    return lines


def no_feed_message(found: Discovery) -> str:
    from ingest.sources.discover import COMMON_PATHS

    paths = ", ".join(COMMON_PATHS)
    text = (
        f"no feed found at {found.url}: the page advertises no working feed "
        f'(<link rel="alternate"> of an RSS, Atom or JSON Feed type) and none of {paths} '
        "at the site's root is a feed"
    )
    return "\n".join([text, *(f"  {url}: {why}" for url, why in found.rejected)])


def interval_rule(config: Config, feed: FeedSpec) -> str:
    """How `ingest run` paces `feed`, in words: the interval that will be used, and why."""
    s = config.settings
    if feed.interval is not None:
        return f"{format_duration(feed.interval)} (its own interval)"
    if not s.adaptive:
        return f"{format_duration(s.interval)} (settings.interval, adaptive: false)"
    bounds = f"{format_duration(s.min_interval)}-{format_duration(s.max_interval)}"
    return f"adaptive {bounds} (its publishing rate)"


def list_rows(config: Config) -> list[tuple[str, str, str, str, str]]:
    """(name, url, enabled, interval, tags) per feed, in file order, URLs in full."""
    return [
        (f.name, f.url, "yes" if f.enabled else "no", interval_rule(config, f), ",".join(f.tags))
        for f in config.feeds
    ]


def health_lines(health: FeedHealth) -> list[str]:
    """A few lines per feed for `ingest feeds check`."""
    state = "ok" if health.ok else "BROKEN"
    lines = [f"{health.name}: {state}  {health.url}"]
    if health.ok:
        lines.append(
            f"  {health.format}, {plural(health.items, 'item')}, "
            f"newest {format_date(health.newest)}"
            + (f", title {health.title!r}" if health.title else "")
        )
        max_age = format_duration(health.max_age) if health.max_age is not None else "-"
        revalidation = {True: "304", False: "200 (ignored)", None: "-"}[health.revalidates]
        lines.append(
            f"  HTTP {health.http_status}; ETag {health.etag or '-'}; "
            f"Last-Modified {health.last_modified or '-'}; max-age {max_age}; "
            f"conditional GET -> {revalidation}"
        )
    lines.extend(f"  problem: {p}" for p in health.problems)
    return lines
