"""`ingest status`: gather the state from the store, render it as a table or JSON.

The states are decided in ingest/service/status.py; this module only arranges them for
people and scripts. Times are UTC, shown with how long ago (or in how long) they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from ingest.cli.common import config_option, handle_errors
from ingest.config import Config, load_config

if TYPE_CHECKING:
    from ingest.service.status import FeedStatus, SiteHealth

LAST_ERROR_CHARS = 60


@click.command()
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
    config = load_config(config_path)
    now = datetime.now(UTC)
    report = sites_report(config, now, days) if sites else feeds_report(config, now)
    if fmt == "json":
        click.echo(report.to_json())
    elif isinstance(report, SitesReport):
        Console(width=max(Console().width, 100)).print(sites_table(report))
    else:
        Console(width=max(Console().width, 140)).print(feeds_table(report))


@dataclass(frozen=True)
class FeedsReport:
    generated_at: datetime
    rows: list[FeedStatus]
    totals: dict[str, int]

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
    return FeedsReport(now, rows, q.totals(rows))


def sites_report(config: Config, now: datetime, days: float) -> SitesReport:
    from ingest.pipeline.runtime import open_store
    from ingest.service import status as q

    since = now - timedelta(days=days)
    with open_store(config) as store:
        return SitesReport(now, since, q.site_health(store, since))


def feeds_table(report: FeedsReport) -> RenderableType:
    now = report.generated_at
    table = Table(
        "feed",
        "state",
        "last poll",
        "http",
        "next poll",
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
            str(r.articles),
            str(r.error_count or ""),
            _short(r.last_error),
        )
    t = report.totals
    table.columns[0].footer = f"{t['feeds']} feeds"
    table.columns[1].footer = f"{t['ok']} ok, {t['failing']} failing"
    table.columns[5].footer = str(t["articles"])
    notes = [
        Text(
            f"{r.name}: moved permanently to {r.permanent_redirect}; update feeds.yaml",
            style="yellow",
        )
        for r in report.rows
        if r.permanent_redirect
    ]
    return Group(table, *notes)


def sites_table(report: SitesReport) -> RenderableType:
    table = Table(
        "site",
        "articles",
        "empty",
        "feed only",
        "no page text",
        "",
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
    """'12:03:04 (5m ago)' / '2026-01-02 03:04 (in 2h)'; '-' for never."""
    if when is None:
        return "-"
    seconds = (when - now).total_seconds()
    span = _span(abs(seconds))
    stamp = when.strftime("%H:%M:%S") if abs(seconds) < 86400 else when.strftime("%Y-%m-%d %H:%M")
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
