"""Optional Prometheus metrics for `ingest run --metrics-port` (pip install 'news-ingest[metrics]').

prometheus-client is imported only here, and only when metrics are asked for. The
pipeline does not know about metrics: fetch latency is observed by a `Fetcher`
subclass and CPU stage latency by a `Context` subclass, both installed by the daemon.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from ingest.core.errors import ConfigError
from ingest.core.types import FetchResult
from ingest.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetcher
from ingest.pipeline.report import FeedReport
from ingest.pipeline.runtime import Context

T = TypeVar("T")
Observe = Callable[[str, float], None]


class Metrics:
    """The counters, histograms and gauges, on a registry of their own."""

    def __init__(self) -> None:
        try:
            import prometheus_client as prom
        except ImportError:
            raise ConfigError(
                "--metrics-port needs prometheus-client: pip install 'news-ingest[metrics]'"
            ) from None
        self._prom = prom
        self.registry = prom.CollectorRegistry()
        r = self.registry
        self.polls = prom.Counter("ingest_polls", "Feed polls by result", ["result"], registry=r)
        self.articles = prom.Counter(
            "ingest_articles_stored", "New articles stored", ["feed"], registry=r
        )
        self.fetch_seconds = prom.Histogram(
            "ingest_fetch_seconds", "HTTP fetch latency", ["kind"], registry=r
        )
        self.cpu_seconds = prom.Histogram(
            "ingest_cpu_seconds", "Parse and extraction latency", ["stage"], registry=r
        )
        self.poll_seconds = prom.Histogram(
            "ingest_poll_seconds", "Duration of a whole feed poll", registry=r
        )
        self.feeds_failing = prom.Gauge(
            "ingest_feeds_failing", "Feeds whose last poll failed", registry=r
        )
        self.extraction_fallback = prom.Gauge(
            "ingest_extraction_fallback_ratio",
            "Share of recent articles per site with an empty or feed-only body",
            ["domain"],
            registry=r,
        )

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        self._prom.start_http_server(port, addr=host, registry=self.registry)

    def observe_poll(self, report: FeedReport) -> None:
        self.polls.labels(report.status).inc()
        if report.new:
            self.articles.labels(report.feed).inc(report.new)
        self.poll_seconds.observe(report.duration)

    def observe_fetch(self, kind: str, seconds: float) -> None:
        self.fetch_seconds.labels(kind).observe(seconds)

    def observe_cpu(self, stage: str, seconds: float) -> None:
        self.cpu_seconds.labels(stage).observe(seconds)

    def set_site_health(self, shares: Iterable[tuple[str, float]]) -> None:
        for domain, share in shares:
            self.extraction_fallback.labels(domain).set(share)


class TimedFetcher(Fetcher):
    """A Fetcher that reports each fetch's latency, as "feed" or "page"."""

    def __init__(self, base: Fetcher, observe: Observe) -> None:
        super().__init__(base.user_agent, base.limits)
        self._observe = observe

    async def fetch(self, url: str, **kwargs: Any) -> FetchResult:
        kind = "feed" if kwargs.get("accept", PAGE_ACCEPT) == FEED_ACCEPT else "page"
        started = time.monotonic()
        try:
            return await super().fetch(url, **kwargs)
        finally:
            self._observe(kind, time.monotonic() - started)


@dataclass
class TimedContext(Context):
    """A Context that reports how long each CPU stage (parse, extract) took."""

    observe_cpu: Observe | None = None

    @classmethod
    def wrap(cls, ctx: Context, metrics: Metrics) -> TimedContext:
        values = {f.name: getattr(ctx, f.name) for f in fields(ctx)}
        values["fetcher"] = TimedFetcher(ctx.fetcher, metrics.observe_fetch)
        return cls(**values, observe_cpu=metrics.observe_cpu)

    async def cpu(self, fn: Callable[..., T], *args: Any) -> T:
        started = time.monotonic()
        try:
            return await super().cpu(fn, *args)
        finally:
            if self.observe_cpu is not None:
                self.observe_cpu(_stage(fn), time.monotonic() - started)


def _stage(fn: Callable[..., Any]) -> str:
    name = getattr(getattr(fn, "func", fn), "__name__", "other")
    return {"prepare": "extract", "parse_feed": "parse"}.get(name, name)
