"""`ingest list/show/query/export`: reading the stored articles.

Filters arrive as options and become one QueryOptions (storage/search.py); the formats
are in output.py.
"""

from __future__ import annotations

import functools
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ingest.cli.common import F, config_option, handle_errors, read_config, stderr_console

if TYPE_CHECKING:
    from ingest.cli.reading import Reader
    from storage.query import Query, QueryOptions


@click.command()
@config_option
@click.argument("article_id", metavar="ARTICLE")
@click.option("--json", "as_json", is_flag=True, help="Print the article and its sources as JSON.")
@handle_errors
def show(config_path: Path, article_id: str, as_json: bool) -> None:
    """Print one stored document (exactly the file's bytes), or its record as JSON.

    ARTICLE: its id or the first characters of it, its sequence number (9 or 009), or its
    file name or path, as `ingest list` shows them.

    Example: ingest show 2c2a57; ingest show 9 | cmp - store/articles/2022-11/009_*.txt
    """
    from ingest.cli.reading import open_reader, read_config_fast

    config = read_config_fast(config_path)
    with open_reader(config) as store:
        article = store.resolve(article_id)
        if not as_json:
            # Byte-identical to the file when piped; a newline on a terminal only, so the
            # prompt does not follow the last line.
            click.echo(store.render(article), nl=sys.stdout.isatty())
            return
        from storage.export import record

        data = record(article, store.sources(article.id))
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
        from storage.query import QueryOptions  # not at import: `ingest --help` stays quick

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
            help="Published on or after DATE (YYYY-MM-DD, an ISO datetime, or 7d, 12h: "
            "that long ago).",
        ),
        click.option("--until", metavar="DATE", help="Published on or before DATE (inclusive)."),
        click.option("--lang", metavar="XX", help="Language code, such as it or en."),
    ]
    command: Any = with_filters
    for option in reversed(options):
        command = option(command)
    return command  # type: ignore[no-any-return]


@click.command("list")
@config_option
@click.option("--limit", default=20, show_default=True, help="At most N articles (0: all).")
@filter_options
@handle_errors
def list_articles(config_path: Path, limit: int, filters: QueryOptions) -> None:
    """List the latest stored articles, newest first: date, feed, title, id, path.

    --feed NAME: every article seen in that feed (as for `query` and `status`).

    Example: ingest list --limit 5 --since 7d
    """
    from ingest.cli.output import stdout_closed_ok
    from ingest.cli.reading import open_reader, read_config_fast
    from storage.query import make_query

    config = read_config_fast(config_path)
    query = make_query(replace(filters, sort="date", limit=limit or None), config.feeds)
    with open_reader(config) as store, stdout_closed_ok():
        store.check_feeds(query, [f.name for f in config.feeds])
        articles = store.run(query)
        if not sys.stdout.isatty():
            for a in articles:
                path = store.path_of(a)
                click.echo(f"{a.published_local.date()}\t{a.feed}\t{a.title}\t{a.id}\t{path}")
            return
        if not articles:
            click.echo(
                "no articles stored yet: run `ingest poll`"
                if not filters_given(filters)
                else "no matching articles",
                err=True,
            )
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("date", "feed", "title", "id", "path")
        table.columns[3].no_wrap = True
        table.columns[4].overflow = "fold"  # a path is never cut, only wrapped
        for a in articles:
            table.add_row(
                str(a.published_local.date()), a.feed, a.title, a.id, str(store.path_of(a))
            )
        Console().print(table)


def filters_given(filters: QueryOptions) -> bool:
    return bool(filters.feeds or filters.tags or filters.since or filters.until or filters.lang)


class _WordsCommand(click.Command):
    """`ingest query -putin`: an unknown '-word' is an excluded word of TEXT, not an
    unknown option (the marker is removed again by the command)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        params = self.get_params(ctx)
        known = {o for p in params for o in (*p.opts, *p.secondary_opts)}
        valued = {o for p in params if isinstance(p, click.Option) and not p.is_flag
                  for o in p.opts}  # fmt: skip
        fixed: list[str] = []
        for arg in args:
            word = arg.startswith("-") and not arg.startswith("--") and len(arg) > 2
            after_option = bool(fixed) and fixed[-1] in valued
            fixed.append(EXCLUDED + arg if word and arg not in known and not after_option else arg)
        return super().parse_args(ctx, fixed)


EXCLUDED = "\x00"


@click.command("query", cls=_WordsCommand)
@config_option
@click.argument("words", nargs=-1, metavar="[TEXT]...")
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
    type=click.Choice(["table", "json", "jsonl", "csv", "paths", "text"]),
    default="table",
    show_default=True,
    help="table for people; json, jsonl, csv, paths, text print full values for programs.",
)
@handle_errors
def query_articles(
    config_path: Path,
    words: tuple[str, ...],
    filters: QueryOptions,
    limit: int,
    offset: int,
    sort: str | None,
    fmt: str,
) -> None:
    """Search the stored articles by words, feed, date and language.

    TEXT: words (all must match), "exact phrase", OR, -excluded, put* (words starting
    with put); case and accents do not matter (citta finds città).

    Example: ingest query putin -zelensky --since 7d --format jsonl | jq .title
    """
    from ingest.cli.output import stdout_closed_ok, write_results
    from ingest.cli.reading import open_reader, read_config_fast
    from storage.query import make_query

    text = " ".join(w.removeprefix(EXCLUDED) for w in words) or None
    config = read_config_fast(config_path)
    options = replace(filters, text=text, sort=sort, limit=limit or None, offset=offset)
    query = make_query(options, config.feeds)
    with open_reader(config) as store, stdout_closed_ok():
        store.check_feeds(query, [f.name for f in config.feeds])
        terminal = None
        if sys.stdout.isatty():
            from rich.console import Console

            terminal = Console()
        shown = write_results(store, query, fmt, sys.stdout, terminal)
        if terminal:
            click.echo(total_line(store, query, shown), err=True)


def total_line(store: Reader, query: Query, shown: int) -> str:
    if not shown:
        return "no matching articles"
    total = store.count(query)
    more = " (--limit 0 for all, or --offset N)" if total > shown else ""
    return f"{shown} of {total} matching articles{more}"


@click.command("export")
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
    from storage.search import check_feeds, make_query

    fmt = fmt or ("txt" if folder else "jsonl")
    if fmt == "txt" and folder is None:
        raise click.UsageError("--format txt writes files: give the DIR to write them under")
    config = read_config(config_path, lenient=True)
    query = make_query(replace(filters, text=text, limit=None), config.feeds)
    with open_store(config) as store, stdout_closed_ok():
        check_feeds(store, query, (f.name for f in config.feeds))
        done = run_export(store, query, fmt, folder, stderr_console())
    if folder is not None:
        click.echo(f"exported {done} article{'' if done == 1 else 's'} to {folder}", err=True)
