"""Feed states through `sqlite3` alone: a pass where every feed answers 304 without SQLAlchemy.

An all-unchanged `ingest poll` reads every feed's row, sends a conditional GET per feed
and writes each row back; nothing else. Importing SQLAlchemy and SQLModel and opening the
`Store` cost more than that whole pass over 500 feeds (about half a second of a
second), so on a SQLite store at the current schema the pass reads and writes the
`feeds` rows here, with the same SQL the `Store` sends (storage/feed_states.py) and the
same values (times as SQLModel's UTCDateTime keeps them on SQLite). The `Store` is opened
only when a feed has something new, or the start-of-pass upkeep has work
(`upkeep_due`); tests/test_lite_states.py checks rows written either way read the same.

`open_states` returns None wherever this path does not apply (PostgreSQL, no database
file, a store at an older schema revision): the caller opens the `Store`, which creates
or upgrades what is missing, as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, Protocol
from urllib.parse import quote

from ingest.core.errors import StorageError
from ingest.core.types import FeedState, PollStatus
from storage.lite import _BUSY_TIMEOUT_S, _bind, _revision, _timestamp, sqlite_path
from storage.migrations import HEAD

FIELDS = tuple(f.name for f in fields(FeedState))
TIMES = frozenset({"last_polled_at", "last_success_at", "next_poll_at"})
StateChange = tuple[FeedState | None, FeedState]  # a feed's state as read, and as saved


class FeedRows(Protocol):
    """Where feed states are read and saved: the `Store`, or `LiteStates`."""

    def feed_state(self, name: str) -> FeedState | None: ...
    def feed_states(self) -> dict[str, FeedState]: ...
    def save_feed_states(self, changes: Sequence[StateChange]) -> None: ...


def changed_fields(before: FeedState | None, after: FeedState) -> list[str] | None:
    """The fields `after` changed since `before`; None when there is no row yet."""
    if before is None:
        return None
    return [name for name in FIELDS if getattr(before, name) != getattr(after, name)]


def open_states(database_url: str) -> LiteStates | None:
    """The feed rows of a SQLite store at HEAD, or None (see the module docstring)."""
    path = sqlite_path(database_url)
    if path is None or not path.is_file():
        return None
    try:
        # check_same_thread off: opened here, used on the pass' one storage thread
        conn = sqlite3.connect(
            f"file:{quote(str(path))}?mode=rw",
            uri=True,
            timeout=_BUSY_TIMEOUT_S,
            isolation_level=None,  # transactions are ours: BEGIN IMMEDIATE, as the Store's
            check_same_thread=False,
        )
    except sqlite3.Error:
        return None  # the Store says why, in its words
    try:
        if _revision(conn) != HEAD:
            conn.close()  # an older version's store (or none yet): the Store upgrades it
            return None
        # The writer's settings of storage/db.py (WAL is a property of the file already).
        conn.execute(f"PRAGMA busy_timeout={int(_BUSY_TIMEOUT_S * 1000)}")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error:
        conn.close()
        return None
    conn.row_factory = sqlite3.Row
    return LiteStates(conn)


def to_state(row: sqlite3.Row) -> FeedState:
    """A `feeds` row as storage.feed_states.to_state reads it through SQLModel."""
    values: dict[str, Any] = {name: row[name] for name in FIELDS}
    for name in TIMES:
        values[name] = _timestamp(values[name])
    status = values["last_status"]
    # an unknown word (a future version's status) reads as no status, not a crash
    values["last_status"] = PollStatus._value2member_map_.get(status) if status else None
    return FeedState(**values)


def _column(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in TIMES:
        return _bind(value)
    if name == "last_status":
        return str(value)
    return value


class LiteStates:
    """Feed rows read and saved over one sqlite3 connection (one thread at a time)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    def feed_state(self, name: str) -> FeedState | None:
        with _errors("read a feed's state"):
            row = self.conn.execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone()
        return to_state(row) if row is not None else None

    def feed_states(self) -> dict[str, FeedState]:
        with _errors("read the feeds' states"):
            rows = self.conn.execute("SELECT * FROM feeds").fetchall()
        return {row["name"]: to_state(row) for row in rows}

    def save_feed_states(self, changes: Sequence[StateChange]) -> None:
        """As FeedStates.save_feed_states: distinct feeds in one transaction, only the
        columns each changed since read (a column another writer owns is left alone)."""
        updates: dict[tuple[str, ...], list[list[Any]]] = {}
        with _errors("save feed state"):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for before, after in changes:
                    changed = changed_fields(before, after)
                    if changed is None:
                        exists = self.conn.execute(
                            "SELECT 1 FROM feeds WHERE name = ?", (after.name,)
                        ).fetchone()
                        if exists is None:
                            marks = ", ".join("?" * len(FIELDS))
                            values = [_column(n, getattr(after, n)) for n in FIELDS]
                            self.conn.execute(
                                f"INSERT INTO feeds ({', '.join(FIELDS)}) VALUES ({marks})", values
                            )
                            continue
                        changed = list(FIELDS[1:])  # a row appeared since: write it all
                    if changed:
                        row = [_column(n, getattr(after, n)) for n in changed]
                        updates.setdefault(tuple(changed), []).append([*row, after.name])
                for names, rows in updates.items():
                    sets = ", ".join(f"{name} = ?" for name in names)
                    self.conn.executemany(f"UPDATE feeds SET {sets} WHERE name = ?", rows)
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def upkeep_due(self) -> bool:
        """True when the Store's start-of-pass upkeep has work: an article whose file
        is marked unwritten (Maintenance.repair_files, which also removes a killed
        writer's temporary file), or one not fingerprinted by the current scheme
        (backfill_fingerprints). Two indexed look-ups: the cost does not grow with
        the store."""
        from ingest.core.dedup import SCHEME_VERSION

        with _errors("check the store"):
            unwritten = self.conn.execute("SELECT 1 FROM unwritten_files LIMIT 1").fetchone()
            stale = self.conn.execute(
                "SELECT 1 FROM articles WHERE dedup_version IS NULL"
                " OR dedup_version BETWEEN 1 AND ? LIMIT 1",
                (SCHEME_VERSION - 1,),
            ).fetchone()
        return unwritten is not None or stale is not None


class _errors:
    """sqlite3 errors -> StorageError, in the words of storage.session._WriteSession."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if isinstance(exc, sqlite3.Error):
            raise StorageError(f"database error while trying to {self.what}: {exc}") from exc
