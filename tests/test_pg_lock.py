"""One daemon per PostgreSQL store, across machines: the lock lives in the database.

Two `ingest run` on the same PostgreSQL store with different store folders (two
machines, each with its own disk) used to both run; now the second is refused and says
who holds the store. The lock dies with its holder, SIGKILL included. `ingest worker`s
share the store with one another, never with an `ingest run`.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.core.errors import StoreLockedError
from storage.lock import StoreLock
from tests.test_daemon import REPO, Daemon, start, write_feeds
from tests.test_daemon import daemons as daemons  # the fixture
from tests.test_worker import Worker
from tests.test_worker import workers as workers  # the fixture

FEEDS = [{"name": "nowhere", "url": "http://127.0.0.1:9/feed.xml", "interval": "1h"}]


def test_a_second_holder_on_another_machine_is_refused(pg_url: str, tmp_path: Path) -> None:
    with StoreLock(tmp_path / "machine-a", pg_url):
        with pytest.raises(StoreLockedError, match="ingest run pid .* on "):
            StoreLock(tmp_path / "machine-b", pg_url).acquire()
        # SQLite stores (another URL) and other schemas are other stores: not refused
        with StoreLock(tmp_path / "machine-c", f"sqlite:///{tmp_path / 'x.db'}"):
            pass
    with StoreLock(tmp_path / "machine-b", pg_url):  # released on exit
        pass


def test_a_killed_holder_releases_the_store(pg_url: str, tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from storage.lock import StoreLock; "
        f"StoreLock(Path({str(tmp_path / 'a')!r}), {pg_url!r}).acquire(); "
        "print('locked', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLockedError):
            StoreLock(tmp_path / "b", pg_url).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    with StoreLock(tmp_path / "b", pg_url):  # the server ended its session, and the lock
        pass


def two_machines(tmp_path: Path, pg_url: str) -> list[Path]:
    """Two folders, as on two machines, with feeds.yaml on the same PostgreSQL store."""
    machines = [tmp_path / "a", tmp_path / "b"]
    for folder in machines:
        folder.mkdir()
        write_feeds(folder, FEEDS, database_url=pg_url)
    return machines


def test_two_ingest_run_on_one_postgresql_store_the_second_refused(
    pg_url: str,
    tmp_path: Path,
    daemons: list[Daemon],  # noqa: F811 - the fixture
) -> None:
    machines = two_machines(tmp_path, pg_url)
    first = start(daemons, machines[0])
    second = Daemon(machines[1])
    daemons.append(second)
    assert second.proc.wait(60) == 1
    assert "is in use by ingest run pid" in second.log()
    assert first.proc.poll() is None  # the first runs on
    assert first.stop() == 0


def test_workers_share_the_store_with_one_another_never_with_a_daemon(
    pg_url: str, tmp_path: Path
) -> None:
    with (
        StoreLock(tmp_path / "w1", pg_url, shared=True),
        StoreLock(tmp_path / "w2", pg_url, shared=True),
    ):
        with pytest.raises(StoreLockedError, match="ingest worker pid .*one daemon per store"):
            StoreLock(tmp_path / "d", pg_url).acquire()
    with StoreLock(tmp_path / "d", pg_url):
        with pytest.raises(StoreLockedError, match="ingest run pid .*cannot share a store"):
            StoreLock(tmp_path / "w1", pg_url, shared=True).acquire()
    with StoreLock(tmp_path / "w1", pg_url, shared=True):  # both released on exit
        pass


def test_ingest_worker_and_ingest_run_refuse_each_other(
    pg_url: str,
    tmp_path: Path,
    daemons: list[Daemon],  # noqa: F811 - the fixture
    workers: list[Worker],  # noqa: F811 - the fixture
) -> None:
    machines = two_machines(tmp_path, pg_url)
    daemon = start(daemons, machines[0])
    refused = Worker(machines[1])
    workers.append(refused)
    assert refused.proc.wait(60) == 1
    assert "is in use by ingest run pid" in refused.log()
    assert daemon.stop() == 0

    worker = Worker(machines[1])
    workers.append(worker)
    deadline = 60.0
    while "concurrency 4" not in worker.log() and deadline > 0:
        assert worker.proc.poll() is None, worker.log()
        deadline -= 0.1
        time.sleep(0.1)
    second = Daemon(machines[0])
    daemons.append(second)
    assert second.proc.wait(60) == 1
    assert "is in use by ingest worker pid" in second.log()
    assert worker.stop() == 0
