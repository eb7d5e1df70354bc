"""One daemon per PostgreSQL store, across machines: the lock lives in the database.

Two `ingest run` on the same PostgreSQL store with different store folders (two
machines, each with its own disk) used to both run; now the second is refused and says
who holds the store. The lock dies with its holder, SIGKILL included.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.core.errors import StoreLockedError
from storage.lock import StoreLock
from tests.test_daemon import REPO, Daemon, start, write_feeds
from tests.test_daemon import daemons as daemons  # the fixture

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


def test_two_ingest_run_on_one_postgresql_store_the_second_refused(
    pg_url: str, tmp_path: Path, daemons: list[Daemon]  # noqa: F811 - the fixture
) -> None:
    machines = [tmp_path / "a", tmp_path / "b"]
    for folder in machines:
        folder.mkdir()
        write_feeds(folder, FEEDS, database_url=pg_url)
    first = start(daemons, machines[0])
    second = Daemon(machines[1])
    daemons.append(second)
    assert second.proc.wait(60) == 1
    assert "is in use by ingest run pid" in second.log()
    assert first.proc.poll() is None  # the first runs on
    assert first.stop() == 0
