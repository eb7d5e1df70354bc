"""The `ingest` command: a thin skin over the library (ingest.pipeline, storage).

Each command loads the configuration once, calls the library, and prints. IngestError
becomes a clean message and a non-zero exit here, and only here.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from ingest import __version__
from ingest.config import Config, load_config
from ingest.core.errors import IngestError
from ingest.pipeline.report import PollReport, setup_logging

if TYPE_CHECKING:
    from storage.search import QueryOptions

F = TypeVar("F", bound=Callable[..., Any])
console = Console(stderr=True)


def handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IngestError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def config_option(fn: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="INGEST_CONFIG",
        default="feeds.yaml",
        show_default=True,
        help="The feeds.yaml to use (also $INGEST_CONFIG).",
    )(fn)


def load(config_path: Path, log_level: str | None = None) -> Config:
    config = load_config(config_path)
    setup_logging(log_level or config.settings.log_level)
    return config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="news-ingest")
def main() -> None:
    """news-ingest: poll news feeds, extract clean articles, store each story once.

    Reads ./feeds.yaml unless --config or $INGEST_CONFIG says otherwise.
    """


@main.command()
@config_option
@click.option("--feed", "feeds", multiple=True, metavar="NAME", help="Poll only this feed.")
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING, ERROR.")
@handle_errors
def poll(config_path: Path, feeds: tuple[str, ...], log_level: str | None) -> None:
    """Poll every enabled feed once, store new articles, print a summary.

    Example: ingest poll --feed gazzetta

    Exits 1 when any feed failed (the others are still polled and stored).
    """
    from ingest.cli.output import progress_bar
    from ingest.pipeline.poll import poll as run_poll
    from ingest.pipeline.poll import select_feeds

    config = load(config_path, log_level)
    specs = select_feeds(config, feeds)
    if not specs:
        raise click.ClickException(f"no enabled feeds in {config.path}")
    with progress_bar(console, len(specs), "polling feeds") as advance:
        report = run_poll(config, feeds, (lambda _report: advance(1)) if advance else None)
    _print_summary(report)
    if report.failed:
        sys.exit(1)


def _print_summary(report: PollReport) -> None:
    click.echo(report.summary())
    for failed in report.failed:
        click.echo(f"  failed: {failed.feed} ({failed.url}): {failed.error}", err=True)


# -- feeds: managing sources (ingest.sources) -------------------------------------------


@main.group()
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

    config = load_config(config_path)
    if existing := sources.find_by_url(config.feeds, url):
        raise click.ClickException(sources.duplicate_message(existing, url))
    found = discover(url, config)
    if not found.candidates:
        raise click.ClickException(sources.no_feed_message(found))
    click.echo("\n".join(sources.candidate_lines(found, config.feeds)))
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

    spec = load_config(config_path).feed(name)
    remove_feed(config_path, name)
    click.echo(f"removed {spec.name}: {spec.url} (previous file: {config_path}.bak)")


@feeds.command("list")
@config_option
@handle_errors
def feeds_list(config_path: Path) -> None:
    """List the feeds: name, URL, enabled, interval, tags (tab-separated when piped).

    Example: ingest feeds list | cut -f2
    """
    from ingest.sources.manage import list_rows

    rows = list_rows(load_config(config_path))
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
@click.argument("names", nargs=-1, metavar="[NAME]...")
@handle_errors
def feeds_check(config_path: Path, names: tuple[str, ...]) -> None:
    """Fetch and parse feeds now, store nothing, report format, items, caching, problems.

    Example: ingest feeds check gazzetta

    Exits 1 when a feed cannot be fetched or parsed.
    """
    from datetime import UTC, datetime

    from ingest.sources.health import check_feeds, health_lines

    results = check_feeds(load_config(config_path), names, datetime.now(UTC))
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

    plan = import_opml(load_config(config_path), file, dry_run=dry_run)
    for entry in plan.added:
        click.echo(f"{'would add' if dry_run else 'added'} {entry['name']}: {entry['url']}")
    for url, why in plan.skipped:
        click.echo(f"skipped {url}: {why}")
    click.echo(f"{len(plan.added)} added, {len(plan.skipped)} skipped")


@feeds.command("export")
@config_option
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def feeds_export(config_path: Path, file: Path | None) -> None:
    """Write the feeds as OPML 2.0 to FILE, or to standard output.

    Example: ingest feeds export subscriptions.opml
    """
    from datetime import UTC, datetime

    from ingest.sources.feeds_file import write_atomic
    from ingest.sources.manage import export_feeds

    text = export_feeds(load_config(config_path), datetime.now(UTC))
    if file is None or str(file) == "-":
        click.echo(text, nl=False)
    else:
        write_atomic(file, text, backup=False)


@main.command("list")
@config_option
@click.option("--limit", default=20, show_default=True, help="How many articles.")
@click.option("--feed", default=None, metavar="NAME", help="Only articles first stored from it.")
@handle_errors
def list_articles(config_path: Path, limit: int, feed: str | None) -> None:
    """List the latest stored articles: date, feed, title, path.

    Example: ingest list --limit 5
    """
    from ingest.pipeline.runtime import open_store

    config = load_config(config_path)
    with open_store(config) as store:
        articles = store.latest(limit, feed)
        if not sys.stdout.isatty():
            for a in articles:
                path = store.path_of(a)
                click.echo(f"{a.published_local.date()}\t{a.feed}\t{a.title}\t{path}")
            return
        table = Table("date", "feed", "title", "path")
        for a in articles:
            table.add_row(str(a.published_local.date()), a.feed, a.title, str(store.path_of(a)))
        Console().print(table)


@main.command()
@config_option
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the article and its sources as JSON.")
@handle_errors
def show(config_path: Path, article_id: str, as_json: bool) -> None:
    """Print one stored document (exactly the file's text), or its record as JSON.

    Example: ingest show 2c2a5702b678812c
    """
    from ingest.pipeline.runtime import open_store

    config = load_config(config_path)
    with open_store(config) as store:
        article = store.get(article_id)
        if article is None:
            raise click.ClickException(f"no article with id {article_id}")
        if not as_json:
            click.echo(store.render(article))
            return
        from storage.export import record

        data = record(article, store.sources(article_id))
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def filter_options(fn: F) -> F:
    """--feed, --tag, --since, --until, --lang: the filters of `query` and `export`, passed
    to the command as one `filters: QueryOptions`."""

    @functools.wraps(fn)
    def with_filters(
        *args: Any,
        feeds: tuple[str, ...],
        tags: tuple[str, ...],
        since: str | None,
        until: str | None,
        lang: str | None,
        **kwargs: Any,
    ) -> Any:
        from storage.search import QueryOptions  # not at import: `ingest --help` stays quick

        # No --feed means any feed (an empty tuple would mean none).
        filters = QueryOptions(feeds=feeds or None, tags=tags, since=since, until=until, lang=lang)
        return fn(*args, filters=filters, **kwargs)

    options = [
        click.option(
            "--feed",
            "feeds",
            multiple=True,
            metavar="NAME",
            help="Seen in this feed, under any of its sources (repeatable).",
        ),
        click.option(
            "--tag",
            "tags",
            multiple=True,
            metavar="TAG",
            help="From a feed with this tag in feeds.yaml (repeatable).",
        ),
        click.option(
            "--since",
            metavar="DATE",
            help="Published on or after DATE (YYYY-MM-DD, or an ISO datetime).",
        ),
        click.option("--until", metavar="DATE", help="Published on or before DATE (inclusive)."),
        click.option("--lang", metavar="XX", help="Language code, such as it or en."),
    ]
    command: Any = with_filters
    for option in reversed(options):
        command = option(command)
    return command  # type: ignore[no-any-return]


@main.command("query")
@config_option
@click.argument("text", required=False)
@filter_options
@click.option("--limit", default=50, show_default=True, help="At most N articles (0: all).")
@click.option("--offset", default=0, help="Skip the first N.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date"]),
    default=None,
    help="relevance (the default with TEXT) or date (newest first).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "paths", "text"]),
    default="table",
    show_default=True,
    help="table for people; json, jsonl, paths, text print full values for programs.",
)
@handle_errors
def query_articles(
    config_path: Path,
    text: str | None,
    filters: QueryOptions,
    limit: int,
    offset: int,
    sort: str | None,
    fmt: str,
) -> None:
    """Search the stored articles by words, feed, date and language.

    TEXT: words (all must match), "exact phrase", OR, -excluded; case and accents do
    not matter (citta finds città).

    Example: ingest query putin --since 2022-11-01 --format jsonl | jq .title
    """
    from ingest.cli.output import stdout_closed_ok, write_results
    from ingest.pipeline.runtime import open_store
    from storage.search import make_query

    config = load_config(config_path)
    options = replace(filters, text=text, sort=sort, limit=limit or None, offset=offset)
    query = make_query(options, config.feeds)
    with open_store(config) as store, stdout_closed_ok():
        terminal = Console() if sys.stdout.isatty() else None
        if not write_results(store, query, fmt, sys.stdout, terminal) and terminal:
            click.echo("no matching articles", err=True)


@main.command("export")
@config_option
@click.argument(
    "folder", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["txt", "jsonl"]),
    default=None,
    help="txt: the documents as files (default with DIR); jsonl: one JSON object "
    "per article, to DIR/articles.jsonl or standard output.",
)
@click.option("--query", "-q", "text", metavar="TEXT", help="Full-text query, as for `query`.")
@filter_options
@handle_errors
def export_articles(
    config_path: Path, folder: Path | None, fmt: str | None, text: str | None, filters: QueryOptions
) -> None:
    """Write stored articles out, rebuilt from the database.

    txt: the same files, names and folders as under the store's articles/, byte for byte.

    Example: ingest export out/ --since 2022-11-01; ingest export --format jsonl > all.jsonl
    """
    from ingest.cli.output import run_export, stdout_closed_ok
    from ingest.pipeline.runtime import open_store
    from storage.search import make_query

    fmt = fmt or ("txt" if folder else "jsonl")
    if fmt == "txt" and folder is None:
        raise click.UsageError("--format txt writes files: give the DIR to write them under")
    config = load_config(config_path)
    query = make_query(replace(filters, text=text, limit=None), config.feeds)
    with open_store(config) as store, stdout_closed_ok():
        done = run_export(store, query, fmt, folder, console)
    if folder is not None:
        click.echo(f"exported {done} articles to {folder}", err=True)


@main.command("serve")
@config_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default answers this machine only.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@handle_errors
def serve_api(config_path: Path, host: str, port: int) -> None:
    """Serve a read-only JSON API over the store; OpenAPI docs at /docs.

    Example: ingest serve --port 8000, then curl 'http://127.0.0.1:8000/articles?q=putin'
    """
    try:
        from ingest.api import serve
    except ImportError as exc:
        raise click.ClickException(
            f"the API needs FastAPI and uvicorn: pip install 'news-ingest[api]' ({exc})"
        ) from exc
    config = load(config_path)
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(f"warning: listening on {host}: whoever reaches it can read the store", err=True)
    serve(config, host, port)


@main.command()
@config_option
@click.option("--log-level", default=None, help="DEBUG, INFO, WARNING, ERROR (else settings).")
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    metavar="PORT",
    help="Serve Prometheus metrics on this port (needs news-ingest[metrics]).",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address for the metrics endpoint.",
)
@handle_errors
def run(
    config_path: Path, log_level: str | None, metrics_port: int | None, metrics_host: str
) -> None:
    """Run as a service: poll each feed on its schedule until SIGTERM or Ctrl-C.

    Example: ingest run --metrics-port 9108

    Edits to feeds.yaml apply within seconds; one `ingest run` per store.
    """
    from ingest.service.daemon import run_daemon

    config = load(config_path, log_level)
    run_daemon(
        config,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        fixed_log_level=log_level is not None,
    )


@main.command()
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people, JSON for scripts.",
)
@click.option("--sites", is_flag=True, help="Extraction health per site instead of feeds.")
@click.option(
    "--days",
    type=float,
    default=7,
    show_default=True,
    help="With --sites: articles fetched in the last DAYS days.",
)
@handle_errors
def status(config_path: Path, fmt: str, sites: bool, days: float) -> None:
    """Show each feed's last poll, next poll, articles and errors (works while `run` runs).

    Example: ingest status --format json
    """
    from datetime import UTC, datetime

    from ingest.cli import status_view

    config = load_config(config_path)
    now = datetime.now(UTC)
    report = (
        status_view.sites_report(config, now, days)
        if sites
        else status_view.feeds_report(config, now)
    )
    if fmt == "json":
        click.echo(report.to_json())
    elif isinstance(report, status_view.SitesReport):
        Console(width=max(Console().width, 100)).print(status_view.sites_table(report))
    else:
        Console(width=max(Console().width, 140)).print(status_view.feeds_table(report))
