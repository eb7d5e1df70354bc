"""`ingest init`, `ingest extract URL`, `ingest prune`: starting, trying, trimming.

Each command is a few lines over the library: ingest.sources.feeds_file.write_starter,
ingest.pipeline.preview.preview, storage.retention.prune.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from ingest.cli.common import DEFAULT_CONFIG, CleanError, config_option, handle_errors, read_config


@click.command()
@handle_errors
def init() -> None:
    """Write a commented feeds.yaml in the current directory (never over an existing one).

    Example: mkdir news && cd news && ingest init && ingest feeds add https://www.example.com/
    """
    from ingest.sources.feeds_file import write_starter

    path = write_starter(Path(DEFAULT_CONFIG))
    click.echo(f"wrote {path}: add feeds with `ingest feeds add URL`, then run `ingest poll`")


@click.command()
@config_option
@click.argument("url")
@handle_errors
def extract(config_path: Path, url: str) -> None:
    """Print the document that would be stored for the page at URL; store nothing.

    The same fetch guards (allow_addresses, size and time limits) and the same
    extraction as a poll; the output is in the stored files' exact format.

    Example: ingest extract https://www.example.com/2024/05/some-story.html
    """
    from ingest.core.errors import Skip
    from ingest.pipeline.preview import preview

    config = read_config(config_path, lenient=True)
    try:
        text = preview(config, url)
    except Skip as skip:
        raise CleanError(f"{url} would not be stored: {skip}") from None
    click.echo(text)


@click.command()
@config_option
@click.option(
    "--older-than",
    "older_than",
    required=True,
    metavar="AGE",
    help="Remove articles published more than AGE ago: 90d, 12w (units of feeds.yaml).",
)
@click.option("--dry-run", is_flag=True, help="Say how many would go; remove nothing.")
@handle_errors
def prune(config_path: Path, older_than: str, dry_run: bool) -> None:
    """Remove old articles: their database rows and their files, together.

    A feed that still lists a removed item does not bring it back.

    Example: ingest prune --older-than 90d --dry-run
    """
    from ingest.config import parse_duration
    from ingest.pipeline.runtime import open_store
    from storage.retention import prune as prune_store

    try:
        age = parse_duration(older_than)
    except ValueError as exc:
        raise CleanError(f"--older-than: {exc}") from None
    now = datetime.now(UTC)
    try:
        before = now - timedelta(seconds=age)
    except OverflowError:
        raise CleanError(f"--older-than: {older_than!r} reaches back before year 1") from None
    config = read_config(config_path, lenient=True)
    with open_store(config) as store:
        count = prune_store(store, before, now, dry_run=dry_run)
    what = "article" if count == 1 else "articles"
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {count} {what} published before {before:%Y-%m-%d %H:%M} UTC")
