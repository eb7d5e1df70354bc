"""One daemon per store: an advisory lock on `<store>/.lock`, and on PostgreSQL in the database.

`fcntl.flock` belongs to the open file, so the kernel releases it when the process ends,
however it ends: a killed daemon never leaves a stale lock behind (unlike a pid file).
The holder's pid is written into the file only to make the refusal message useful.

A file lock only sees this machine. When the store is PostgreSQL, a second `ingest run`
may start on another machine, so the lock is also a session advisory lock in the
database (per schema), held by a connection of its own for the daemon's life: the server
releases it when that connection ends, a killed or unplugged daemon's included (once the
server notices the dead connection: TCP keepalive). The connection names its holder
(`application_name`), which the refusal message reports.

`ingest worker`s share the store with one another but not with `ingest run`, whose
scheduler would poll the same feeds beside their queue: a worker holds the same key in
shared mode (`shared=True`, database only: workers need PostgreSQL), so any number of
workers exclude a daemon and a daemon excludes every worker.
"""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from ingest.core.errors import StorageError, StoreLockedError
from ingest.core.redact import redact

LOCK_NAME = ".lock"
# The advisory lock's key: per schema, like the store's other locks (no colon: text()).
_PG_KEY = "hashtextextended(current_schema() || ' news-ingest daemon', 0)"
_HOLDER = text(
    "SELECT a.application_name, a.client_addr FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key LIMIT 1"
)


class StoreLock:
    """`with StoreLock(store_dir, database_url):` holds the lock; StoreLockedError if taken.

    `database_url`: the store's; a PostgreSQL one adds the database-wide lock.
    `shared`: a worker's lock (see the module's docstring): the database lock alone.
    """

    def __init__(
        self, store_dir: Path, database_url: str | None = None, *, shared: bool = False
    ) -> None:
        self.path = store_dir / LOCK_NAME
        self.database_url = database_url
        self.shared = shared
        self._fd: int | None = None
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    def acquire(self) -> None:
        if not self.shared:
            self._acquire_file()
        if self.database_url and not self.database_url.startswith("sqlite"):
            try:
                self._acquire_database(self.database_url)
            except BaseException:
                self.release()
                raise

    def _acquire_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"process {holder}" if holder else "another process"
            raise StoreLockedError(
                f"the store {self.path.parent} is in use by {who} (another `ingest run`?); "
                "one daemon per store. Stop it first, or use another store."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def _acquire_database(self, url: str) -> None:
        from storage.db import make_engine

        command = "ingest worker" if self.shared else "ingest run"
        me = f"{command} pid {os.getpid()} on {socket.gethostname()}"[:63]
        take = "pg_try_advisory_lock_shared" if self.shared else "pg_try_advisory_lock"
        try:
            self._engine = make_engine(url)
            conn = self._engine.connect()
            conn.execute(text("SELECT set_config('application_name', :me, false)"), {"me": me})
            key = conn.execute(text(f"SELECT {_PG_KEY}")).scalar_one()
            taken = conn.execute(text(f"SELECT {take}(:key)"), {"key": key})
            if not taken.scalar_one():
                holder = conn.execute(_HOLDER, {"key": key}).first()
                conn.close()
                who = f"{holder[0] or 'a process'} ({holder[1] or 'local'})" if holder else ""
                raise StoreLockedError(self._refusal(url, who))
            conn.commit()  # the session lock outlives the transaction; the connection stays
            self._conn = conn
        except SQLAlchemyError as exc:
            raise StorageError(redact(f"cannot lock the database {url}: {exc}")) from exc

    def _refusal(self, url: str, who: str) -> str:
        where = f"the database {redact(url)} is in use by {who or 'another process'}"
        if self.shared:
            return (
                f"{where} (an `ingest run`, maybe on another machine); workers and "
                "`ingest run` cannot share a store, their schedules would poll the same "
                "feeds twice. Stop it first, or give the workers another database."
            )
        return (
            f"{where} (another `ingest run` or `ingest worker`s, maybe on other machines); "
            "one daemon per store, and none beside workers. Stop it first, or use "
            "`ingest worker` to share the work."
        )

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # the session ends, and with it the advisory lock
            except SQLAlchemyError:
                pass  # a dead connection holds nothing any more
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str | None:
    try:
        text_ = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text_ if text_.isdigit() else None
