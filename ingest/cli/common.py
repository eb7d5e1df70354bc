"""What every command shares: the --config option, IngestError -> a clean message, loading.

A module of its own so that the command modules (feeds.py, articles.py, status_view.py)
and the group in __init__.py import it without importing each other.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ingest.core.errors import IngestError
from ingest.core.redact import redact

if TYPE_CHECKING:
    from rich.console import Console

    from ingest.config import Config

F = TypeVar("F", bound=Callable[..., Any])

# ingest.config's names, repeated here: importing ingest.config loads pydantic and
# ruamel (a fifth of a second), which `ingest --help` and the read commands' fast path
# (reading.py) never need. tests/test_cli_startup.py checks that they agree.
CONFIG_ENV = "INGEST_CONFIG"
DEFAULT_CONFIG = "feeds.yaml"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@functools.cache
def stderr_console() -> Console:
    """The console of progress bars and warnings (standard error), made on first use:
    rich costs start-up time that commands printing no bar should not pay."""
    from rich.console import Console

    return Console(stderr=True)


# What rich reads to treat a stream that is not a TTY as a terminal all the same.
_TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "JUPYTER_COLUMNS")


def stderr_is_terminal() -> bool:
    """Would rich draw progress bars on standard error? Answered without importing rich
    (a thirtieth of a second) when plainly not: no TTY, and none of the variables that
    make rich treat a stream as a terminal (cron, systemd, pipes: `ingest poll` there)."""
    isatty = getattr(sys.stderr, "isatty", None)
    if not (isatty is not None and isatty()) and not any(v in os.environ for v in _TERMINAL_ENV):
        return False
    return stderr_console().is_terminal


class CleanError(click.ClickException):
    """A ClickException whose message is one line with no secret in it."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


def handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except IngestError as exc:
            raise CleanError(str(exc)) from exc
        except BrokenPipeError:
            raise
        except OSError as exc:  # a folder that cannot be written, a full disk: say which
            where = f"{exc.filename}: " if exc.filename else ""
            raise CleanError(f"{where}{exc.strerror or exc}") from exc

    return wrapper  # type: ignore[return-value]


def _resolve_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path:
    """--config after the subcommand, else before it (`ingest --config X list`), else
    $INGEST_CONFIG, else ./feeds.yaml."""
    if value is not None:
        return value
    root = ctx.find_root()
    given = (root.obj or {}).get("config") if isinstance(root.obj, dict) else None
    return Path(given or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def config_option(fn: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_resolve_config,
        help=f"The feeds.yaml to use (default: $INGEST_CONFIG, else ./{DEFAULT_CONFIG}).",
    )(fn)


def _level(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    if value.upper() not in LOG_LEVELS:
        raise click.ClickException(
            f"--log-level: expected one of {', '.join(LOG_LEVELS)} (any case), not {value!r}"
        )
    return value.upper()


def log_options(fn: F) -> F:
    """--log-level, -q (errors only, for cron) and -v (debug), passed as `log_level`."""

    @functools.wraps(fn)
    def with_level(
        *args: Any, log_level: str | None, quiet: bool, verbose: bool, **kwargs: Any
    ) -> Any:
        if quiet and verbose:
            raise click.ClickException("-q and -v contradict each other: give one")
        level = "ERROR" if quiet else "DEBUG" if verbose else log_level
        return fn(*args, log_level=level, **kwargs)

    command: Any = with_level
    for option in reversed(
        [
            click.option(
                "--log-level",
                default=None,
                callback=_level,
                help="DEBUG, INFO, WARNING, ERROR or CRITICAL, any case (else settings).",
            ),
            click.option("-q", "--quiet", is_flag=True, help="Errors only (for cron)."),
            click.option("-v", "--verbose", is_flag=True, help="Debug: a line per article."),
        ]
    ):
        command = option(command)
    return command  # type: ignore[no-any-return]


def read_config(config_path: Path, *, lenient: bool = False) -> Config:
    """The configuration, its warnings said on standard error. `lenient` (read-only
    commands): a feed entry with an error is left out, with a warning, not fatal."""
    from ingest.cli.reading import recall_config, remember

    try:
        text: bytes | None = config_path.read_bytes()
    except OSError:
        text = None  # load_config says what is wrong
    config = recall_config(config_path, text) if text is not None else None
    if config is None:
        from ingest.config import load_config

        config = load_config(config_path, lenient=lenient)
        if text is not None and _unchanged(config_path, text):
            remember(config, text, strict=not lenient)  # the next start skips the YAML
    for warning in config.warnings:
        click.echo(f"warning: {redact(warning)}", err=True)
    return config


def _unchanged(path: Path, text: bytes) -> bool:
    """Is the file still `text` (not edited while it was loaded)?"""
    try:
        return path.read_bytes() == text
    except OSError:
        return False


def load(config_path: Path, log_level: str | None = None) -> Config:
    from ingest.pipeline.report import setup_logging

    config = read_config(config_path)
    setup_logging(log_level or config.settings.log_level)
    return config
