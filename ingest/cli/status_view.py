"""`ingest status`: gather the state from the store, render it as a table or JSON.

The states are decided in ingest/service/status.py; this module only arranges them for
people and scripts. Times are UTC, shown with how long ago (or in how long) they are.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ingest.cli.common import config_option, handle_errors, read_config
from ingest.core.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ingest.config import Config
    from ingest.service.status import FeedStatus, SiteHealth

LAST_ERROR_CHARS = 60


@click.command()
@config_option
@click.argument("name", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A table for people (plain text when piped), JSON for scripts.",
)
@click.option("--sites", is_flag=True, help="Extraction health per site instead of feeds.")
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    default=7,
    show_default=True,
    help="With --sites: articles fetched in the last DAYS days.",
)
@handle_errors
def status(config_path: Path, name: str | None, fmt: str, sites: bool, days: float) -> None:
    """Show each feed's last poll, next poll, interval, articles and errors (works while
    `run` runs); with NAME, everything about that one feed.

    Example: ingest status --format json; ingest status gazzetta
    """
    config = read_config(config_path, lenient=True)
    now = datetime.now(UTC)
    report = sites_report(config, now, days) if sites else feeds_report(config, now)
    if isinstance(report, FeedsReport) and name is not None:
        report = report.only(name, config)
    if fmt == "json":
        click.echo(report.to_json())
    elif isinstance(report, SitesReport):
        print_table(sites_table(report))
    elif name is not None:
        click.echo("\n".join(feed_lines(report.rows[0], config, now)))
    else:
        print_table(feeds_table(report, config))


def print_table(renderable: RenderableType) -> None:
    """A box table on a terminal; plain aligned text, no colour, when piped."""
    from rich.console import Console

    if sys.stdout.isatty():
        Console(width=max(Console().width, 120)).print(renderable)
        return
    plain = Console(width=1000, no_color=True, color_system=None, force_terminal=False)
    with plain.capture() as captured:
        plain.print(_plain(renderable))
    click.echo("\n".join(line.rstrip() for line in captured.get().splitlines()))


def _plain(renderable: RenderableType) -> RenderableType:
    """The same table without its box and title lines."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
    for part in parts:
        if isinstance(part, Table):
            part.box = box.SIMPLE_HEAD
            part.show_edge = False
            part.title = None
    return renderable


@dataclass(frozen=True)
class FeedsReport:
    generated_at: datetime
    rows: list[FeedStatus]
    totals: dict[str, int]

    def only(self, name: str, config: Config) -> FeedsReport:
        rows = [r for r in self.rows if r.name == name]
        if not rows:
            known = ", ".join(r.name for r in self.rows) or "none"
            raise ConfigError(f"no feed named {name!r} in {config.path} (feeds: {known})")
        from ingest.service.status import totals

        return FeedsReport(self.generated_at, rows, totals(rows))

    def to_json(self) -> str:
        data = {
            "generated_at": self.generated_at.isoformat(),
            "feeds": [r.to_json() for r in self.rows],
            "totals": self.totals,
        }
        return json.dumps(data, ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class SitesReport:
    generated_at: datetime
    since: datetime
    sites: list[SiteHealth]

    def to_json(self) -> str:
        data = {
            "generated_at": self.generated_at.isoformat(),
            "since": self.since.isoformat(),
            "sites": [s.to_json() for s in self.sites],
        }
        return json.dumps(data, ensure_ascii=False, indent=2)


def feeds_report(config: Config, now: datetime) -> FeedsReport:
    # Imported here, as in every command: `ingest --help` does not load the database layer.
    from ingest.pipeline.runtime import open_store
    from ingest.service import status as q

    with open_store(config) as store:
        rows = q.feed_statuses(store, config.feeds)
        stored = store.count_articles()
    return FeedsReport(now, rows, q.totals(rows, stored))


def sites_report(config: Config, now: datetime, days: float) -> SitesReport:
    from ingest.pipeline.runtime import open_store
    from ingest.service import status as q

    since = now - timedelta(days=days)
    with open_store(config) as store:
        return SitesReport(now, since, q.site_health(store, since))


def feeds_table(report: FeedsReport, config: Config) -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    now = report.generated_at
    table = Table(
        "feed",
        "state",
        "last poll",
        "http",
        "next poll",
        "interval",
        "articles",
        "errors",
        "last error",
        title="feeds",
        show_footer=True,
    )
    for r in report.rows:
        table.add_row(
            r.name,
            Text(r.state, style=_STATE_STYLE.get(r.state, "")),
            relative(r.last_polled_at, now),
            str(r.last_http_status or "-"),
            relative(r.next_poll_at, now),
            interval_in_force(r, config),
            str(r.articles),
            str(r.error_count or ""),
            _short(r.last_error),
        )
    t = report.totals
    table.columns[0].footer = f"{t['feeds']} feeds"
    table.columns[1].footer = ", ".join(
        f"{t[key]} {word}"
        for key, word in (
            ("ok", "ok"),
            ("error", "error"),
            ("failing", "failing"),
            ("disabled", "disabled"),
            ("removed", "removed"),
            ("never_polled", "never polled"),
        )
        if t[key] or key == "ok"
    )
    table.columns[6].footer = f"{t['articles']} stored"
    notes = [
        Text(
            f"{r.name}: moved permanently to {r.permanent_redirect}; update feeds.yaml",
            style="yellow",
        )
        for r in report.rows
        if r.permanent_redirect
    ]
    return Group(table, *notes)


def interval_in_force(row: FeedStatus, config: Config) -> str:
    """The regular interval `ingest run` uses for the feed, and why ('' when unknown)."""
    from ingest.cli.feeds import format_duration

    spec = next((f for f in config.feeds if f.name == row.name), None)
    if spec is not None and spec.interval is not None:
        return f"{format_duration(spec.interval)} (own)"
    if row.state in ("disabled", "removed"):
        return "-"
    s = config.settings
    if row.interval_seconds is None:  # not planned by `ingest run` yet
        if s.adaptive:
            return f"adaptive {format_duration(s.min_interval)}-{format_duration(s.max_interval)}"
        return f"{format_duration(s.interval)} (settings)"
    why = "adaptive" if config.settings.adaptive else "settings"
    if row.state == "failing":
        why = "failing: about daily"
    elif row.error_count:
        why = f"backoff after {row.error_count} errors"
    return f"{_span(round(row.interval_seconds))} ({why})"


def feed_lines(row: FeedStatus, config: Config, now: datetime) -> list[str]:
    """`ingest status NAME`: one feed, one fact per line."""
    facts = [
        ("feed", row.name),
        ("url", row.url),
        ("state", row.state),
        ("last poll", relative(row.last_polled_at, now)),
        ("last result", f"{row.last_status or '-'} (HTTP {row.last_http_status or '-'})"),
        ("next poll", relative(row.next_poll_at, now)),
        ("interval", interval_in_force(row, config) or "-"),
        ("articles", f"{row.articles} (ingest query --feed {row.name})"),
        ("error streak", str(row.error_count)),
        ("last error", row.last_error or "-"),
        ("left for later", str(row.pending_entries)),
    ]
    if row.permanent_redirect:
        facts.append(("moved to", f"{row.permanent_redirect}: update feeds.yaml"))
    return [f"{k + ':':<16}{v}" for k, v in facts]


def sites_table(report: SitesReport) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    table = Table(
        "site",
        "articles",
        "empty",
        "feed only",
        "no page text",
        "note",
        title=f"extraction health since {report.since:%Y-%m-%d %H:%M} UTC",
    )
    for s in report.sites:
        flag = Text("check extraction", style="red") if s.suspect else Text("")
        table.add_row(
            s.domain, str(s.articles), str(s.empty), str(s.feed_only), f"{s.share:.0%}", flag
        )
    return table


_STATE_STYLE = {
    "ok": "green",
    "not_modified": "green",
    "error": "red",
    "blocked": "red",
    "gone": "red",
    "failing": "bold red",
    "never": "yellow",
    "disabled": "dim",
    "removed": "dim",
}


def relative(when: datetime | None, now: datetime) -> str:
    """'12:03:04 (5m ago)' today, '2026-01-02 03:04 (in 2h)' another day; '-' for never.

    The time alone only on `now`'s date: '16:44 (in 24h)' read as today, an hour ago."""
    if when is None:
        return "-"
    seconds = (when - now).total_seconds()
    span = _span(abs(seconds))
    same_day = when.date() == now.date()
    stamp = when.strftime("%H:%M:%S") if same_day else when.strftime("%Y-%m-%d %H:%M")
    return f"{stamp} ({'in ' + span if seconds > 0 else span + ' ago'})"


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _short(text: str | None) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= LAST_ERROR_CHARS else text[: LAST_ERROR_CHARS - 1] + "…"
