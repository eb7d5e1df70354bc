"""`ingest sync` (storage/feed_sync.py) and the enqueue's choice (ingest/worker/enqueue.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from ingest.cli import main
from ingest.config import FeedSpec
from ingest.worker.enqueue import Candidate, pick
from storage import feed_sync
from storage.store import Store
from tests.conftest import dump_yaml

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def spec(name: str, url: str) -> FeedSpec:
    return FeedSpec(name=name, url=url)


def test_pick_caps_a_host_across_the_cluster_and_skips_feeds_in_flight() -> None:
    due = [Candidate(f"a{i}", "a.example", spec(f"a{i}", "https://a.example/f")) for i in range(5)]
    due += [Candidate("b0", "b.example", spec("b0", "https://b.example/f"))]
    # a1 is queued already (by an earlier period), a9 of the same host is running
    chosen = pick(due, {"a1": "a.example", "a9": "a.example"}, per_host=3)
    assert [c.name for c in chosen] == ["a0", "b0"]  # a.example: a9, a1 + one more
    assert [c.name for c in pick(due, {}, per_host=2)] == ["a0", "a1", "b0"]


def entries(*specs: FeedSpec) -> dict[str, tuple[str, bool, str]]:
    return {s.name: (s.url, s.enabled, s.model_dump_json()) for s in specs}


def test_sync_is_idempotent_disables_removed_feeds_and_makes_a_moved_one_due(
    store: Store,
) -> None:
    a, b = spec("a", "https://a.example/feed"), spec("b", "https://b.example/feed")
    first = feed_sync.sync_feeds(store, entries(a, b))
    assert sorted(first.added) == ["a", "b"]
    assert feed_sync.sync_feeds(store, entries(a, b)) == feed_sync.SyncResult()
    assert {d.name for d in feed_sync.due_feeds(store, NOW)} == {"a", "b"}  # never polled
    # polled: not due until its next poll
    state = store.feed_state("a")
    assert state is not None
    from dataclasses import replace

    store.save_feed_state(state, replace(state, next_poll_at=NOW + timedelta(hours=1)))
    assert {d.name for d in feed_sync.due_feeds(store, NOW)} == {"b"}
    # a moved: due now; b removed from feeds.yaml: disabled, not deleted
    moved = spec("a", "https://a.example/new-feed")
    result = feed_sync.sync_feeds(store, entries(moved))
    assert (result.changed, result.disabled) == (("a",), ("b",))
    due = feed_sync.due_feeds(store, NOW)
    assert [d.name for d in due] == ["a"]
    assert FeedSpec.model_validate_json(due[0].spec).url == moved.url
    assert store.feed_state("b") is not None


def test_ingest_sync_command(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    feeds = [{"name": "a", "url": "https://a.example/feed"}]
    config.write_text(dump_yaml({"settings": {}, "feeds": feeds}), "utf-8")
    runner = CliRunner()
    first = runner.invoke(main, ["sync", "--config", str(config)])
    assert first.exit_code == 0 and "added 1, changed 0, disabled 0" in first.output
    again = runner.invoke(main, ["sync", "--config", str(config)])
    assert "added 0, changed 0, disabled 0" in again.output
