"""Which due feeds to defer now: a pure decider.

Politeness across machines: a host gets at most `per_host` feeds in flight (waiting or
running) in the whole cluster, counting the jobs already queued; each worker process
also keeps its own per-host request limit (fetch/). The rest wait for the next period,
oldest due first, so a host's feeds are staggered over periods instead of all at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from ingest.config import FeedSpec


@dataclass(frozen=True)
class Candidate:
    name: str
    host: str
    spec: FeedSpec


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def pick(due: Iterable[Candidate], in_flight: Mapping[str, str], per_host: int) -> list[Candidate]:
    """The due feeds to defer, in order: not in flight already (`in_flight`: feed name ->
    host of the jobs waiting or running), at most `per_host` per host in flight."""
    load = Counter(in_flight.values())
    chosen: list[Candidate] = []
    for c in due:
        if c.name in in_flight or load[c.host] >= per_host:
            continue
        load[c.host] += 1
        chosen.append(c)
    return chosen
