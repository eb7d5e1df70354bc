"""The `ingest` command: a thin skin over the library (ingest.pipeline, storage).

Each command loads the configuration once, calls the library, and prints. IngestError
becomes a clean message and a non-zero exit here, and only here.

Start-up time is a feature (`ingest list` should feel instant): the command modules
import only click at load time; each command imports what it uses when it runs
(tests/test_cli_startup.py keeps pydantic, SQLAlchemy, rich and the pipeline out of
`ingest --help` and of the read commands' fast path).
"""

from __future__ import annotations

import faulthandler
import gc
import sys
from pathlib import Path
from typing import Any

import click

from ingest import __version__
from ingest.cli import articles, feeds, maintenance, status_view, tools, worker
from ingest.cli.common import (
    config_option,
    handle_errors,
    load,
    log_options,
    read_config,
    stderr_console,
    stderr_is_terminal,
)
from ingest.core.heap import bound_heap


class IngestGroup(click.Group):
    """Every error is one line that says what to do: click's usage errors too (click
    prints the usage and a hint on three more lines), and commands are listed in the
    order of a first session, not alphabetically."""

    ORDER = (
        "init", "feeds", "poll", "run", "status", "list", "show", "query", "export",
        "extract", "reextract", "prune", "serve", "sync", "worker",
    )  # fmt: skip

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [c for c in self.ORDER if c in self.commands]
        return known + sorted(c for c in self.commands if c not in known)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # `ingest feeds`: its help
            click.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "ingest"
            click.echo(f"Error: {exc.format_message()} (see: {where} --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=IngestGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="news-ingest")
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The feeds.yaml to use, for any command (also after the command name).",
)
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """news-ingest: poll news feeds, extract clean articles, store each story once.

    Reads ./feeds.yaml unless --config (before or after the command) or $INGEST_CONFIG
    says otherwise.
    """
    ctx.obj = {"config": config}
    # A crash in a C library (lxml, libxml2) kills the process with no Python traceback;
    # with this it prints every thread's stack first, which says what to report.
    try:
        faulthandler.enable()
    except (RuntimeError, ValueError, AttributeError):
        pass  # stderr is no file (click's test runner, an embedding program): nowhere to write


# The command families, each in its module: feeds.py, articles.py, status_view.py,
# maintenance.py.
for _command in (
    feeds.feeds,
    articles.list_articles,
    articles.show,
    articles.query_articles,
    articles.export_articles,
    status_view.status,
    tools.init,
    tools.extract,
    tools.prune,
    maintenance.reextract,
    worker.worker,
    worker.sync,
):
    main.add_command(_command)


@main.command()
@config_option
@click.option("--feed", "feeds", multiple=True, metavar="NAME", help="Poll only this feed.")
@log_options
@handle_errors
def poll(config_path: Path, feeds: tuple[str, ...], log_level: str | None) -> None:
    """Poll every enabled feed once, store new articles, print a summary.

    Example: ingest poll --feed gazzetta; in cron: ingest poll -q

    On a terminal: a progress bar and warnings; otherwise one log line per feed. A
    failing feed is logged as a WARNING with its reason. Exits 1 when any feed failed
    (the others are still polled and stored), or when articles were stored whose files
    could not be written.
    """
    # Start-up (imports, the configuration) allocates for good: the cyclic collector
    # is off meanwhile, and what it made is then frozen out of its sight, so that its
    # collections during the pass scan only what the pass makes. Both together were 10%
    # of an all-304 pass's CPU.
    gc.disable()
    bound_heap()
    try:
        from ingest.cli.output import poll_progress
        from ingest.pipeline.poll import poll as run_poll
        from ingest.pipeline.poll import select_feeds
        from ingest.pipeline.report import setup_logging

        config = load(config_path, log_level)
    finally:
        gc.freeze()
        gc.enable()
    specs = select_feeds(config, feeds)
    if not specs:
        raise click.ClickException(
            f"no enabled feeds in {config.path}: add one with `ingest feeds add URL`"
        )
    quiet = log_level == "ERROR"
    terminal = stderr_is_terminal()
    if terminal and log_level is None and config.settings.log_level in ("DEBUG", "INFO"):
        setup_logging("WARNING")  # the bar says what INFO lines would
    with poll_progress(stderr_console() if terminal else None, len(specs)) as bars:
        report = run_poll(config, feeds, *(bars or (None, None)))
    if not quiet or not report.ok:
        click.echo(report.summary())
    if quiet:  # the WARNING lines that name each failure were not shown: list them
        for failed in report.failed:
            click.echo(f"failed: {failed.feed} ({failed.url}): {failed.error}", err=True)
    if not report.ok:  # a feed failed, or stored articles whose files could not be written
        sys.exit(1)


@main.command("serve")
@config_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default answers this machine only.",
)
@click.option("--port", default=8642, show_default=True, type=click.IntRange(0, 65535))
@handle_errors
def serve_api(config_path: Path, host: str, port: int) -> None:
    """Serve a read-only JSON API over the store; OpenAPI docs at /docs.

    Example: ingest serve, then curl 'http://127.0.0.1:8642/articles?q=putin'
    """
    try:
        from ingest.api import serve
    except ImportError as exc:
        raise click.ClickException(
            f"the API needs FastAPI and uvicorn: pip install 'news-ingest[api]' ({exc})"
        ) from exc
    from ingest.pipeline.report import setup_logging

    config = read_config(config_path, lenient=True)
    setup_logging(config.settings.log_level)
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(f"warning: listening on {host}: whoever reaches it can read the store", err=True)
    serve(config, host, port)


@main.command()
@config_option
@log_options
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

    bound_heap()
    config = load(config_path, log_level)
    run_daemon(
        config,
        metrics_port=metrics_port,
        metrics_host=metrics_host,
        fixed_log_level=log_level is not None,
    )
