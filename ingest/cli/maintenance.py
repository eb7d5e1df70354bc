"""`ingest reextract`: the store's articles brought to the current extraction rules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ingest.cli.common import config_option, handle_errors, load


@click.command()
@config_option
@click.option("--feed", "feeds", multiple=True, metavar="NAME",
              help="Only articles first stored from this feed (repeatable).")  # fmt: skip
@handle_errors
def reextract(config_path: Path, feeds: tuple[str, ...]) -> None:
    """Fetch stored articles' pages again and extract them with the current rules.

    The text of an article that changed is replaced in place: the database first, then
    its file, under the same id and path. Pages that fail keep their stored text.

    Example: ingest reextract --feed gazzetta
    """
    from ingest.pipeline.reextract import reextract as run_reextract

    report = run_reextract(load(config_path), feeds)
    click.echo(report.summary())
    if report.failed.get("StorageError"):
        sys.exit(1)
