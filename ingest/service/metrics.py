"""Optional Prometheus metrics for `ingest run --metrics-port` (pip install 'news-ingest[metrics]').

prometheus-client is imported only here, and only when metrics are asked for. The
pipeline does not know about metrics: it reports through hooks, as it reports progress
(`Context.on_progress`), and `Metrics.watch` plugs the observers into them: fetch
latency by kind through `Fetcher.on_fetch`, CPU latency by stage through `Context.on_cpu`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ingest.core.errors import ConfigError
from ingest.pipeline.report import FeedReport
from ingest.pipeline.runtime import Context


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

    def watch(self, ctx: Context) -> None:
        """Observe the fetches and CPU stages of everything that runs in `ctx`."""
        ctx.fetcher.on_fetch = self.observe_fetch
        ctx.on_cpu = self.observe_cpu

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
