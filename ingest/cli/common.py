"""What every command shares: the --config option, IngestError -> a clean message, loading.

A module of its own so that the command modules (feeds.py, articles.py, status_view.py)
and the group in __init__.py import it without importing each other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from ingest.config import Config, load_config
from ingest.core.errors import IngestError
from ingest.pipeline.report import setup_logging

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
