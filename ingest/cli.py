"""The `ingest` command: a thin skin over the library (ingest.pipeline, storage).

Each command loads the configuration once, calls the library, and prints. IngestError
becomes a clean message and a non-zero exit here, and only here.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from ingest import __version__
from ingest.config import Config, load_config
from ingest.errors import IngestError
from ingest.report import FeedReport, PollReport, setup_logging

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
    from ingest.pipeline import poll as run_poll
    from ingest.pipeline import select_feeds

    config = load(config_path, log_level)
    specs = select_feeds(config, feeds)
    if not specs:
        raise click.ClickException(f"no enabled feeds in {config.path}")
    report = _with_progress(len(specs), lambda cb: run_poll(config, feeds, cb))
    _print_summary(report)
    if report.failed:
        sys.exit(1)


def _with_progress(total: int, run: Callable[[Callable[[FeedReport], None] | None], Any]) -> Any:
    """A live progress bar on a terminal; plain log lines otherwise."""
    if not console.is_terminal:
        return run(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("polling feeds", total=total)

        def advance(report: FeedReport) -> None:
            progress.update(task, advance=1, description=f"polled {report.feed}")

        return run(advance)


def _print_summary(report: PollReport) -> None:
    click.echo(report.summary())
    for failed in report.failed:
        click.echo(f"  failed: {failed.feed} ({failed.url}): {failed.error}", err=True)


@main.command("list")
@config_option
@click.option("--limit", default=20, show_default=True, help="How many articles.")
@click.option("--feed", default=None, metavar="NAME", help="Only articles first stored from it.")
@handle_errors
def list_articles(config_path: Path, limit: int, feed: str | None) -> None:
    """List the latest stored articles: date, feed, title, path.

    Example: ingest list --limit 5
    """
    from storage import open_store

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
    from storage import open_store

    config = load_config(config_path)
    with open_store(config) as store:
        article = store.get(article_id)
        if article is None:
            raise click.ClickException(f"no article with id {article_id}")
        if not as_json:
            click.echo(store.render(article))
            return
        record = article.model_dump(mode="json", exclude={"body"})
        record["paragraphs"] = list(article.paragraphs)
        record["published"] = article.published_local.isoformat()
        record["sources"] = [
            s.model_dump(mode="json", exclude={"id", "article_id"})
            for s in store.sources(article_id)
        ]
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
