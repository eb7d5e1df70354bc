"""feeds.yaml in the feeds table, for workers (`ingest sync`, `ingest worker`).

Workers on several machines poll a feed from its row, so the row carries the feed's
entry of feeds.yaml (`spec`, JSON) and `enabled`. The reconciliation is idempotent: a
row is written only when its spec or enabled flag differs. Feeds gone from feeds.yaml
are disabled, never deleted (their state and articles stay, as `ingest run` keeps them).

`url` is left to the poll: a poll that finds its spec's URL different from the row's
forgets the old validators (pipeline/poll.py). A changed URL makes the feed due now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ingest.core.types import FeedState
from storage.feed_states import to_state
from storage.models import Feed, to_utc
from storage.session import StoreBase


@dataclass(frozen=True)
class SyncResult:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class DueFeed:
    name: str
    spec: str  # the feed's entry of feeds.yaml, JSON
    next_poll_at: datetime | None


def sync_feeds(store: StoreBase, specs: Mapping[str, tuple[str, bool, str]]) -> SyncResult:
    """Reconcile {name: (url, enabled, spec JSON)} into the feeds table, in one
    transaction; concurrent syncs (several workers) insert a new feed once."""
    table = Feed.__table__  # type: ignore[attr-defined]
    added: list[str] = []
    changed: list[str] = []
    disabled: list[str] = []
    with store._write("reconcile feeds.yaml into the feeds table") as s:
        conn = s.connection()
        current = select(table.c.name, table.c.url, table.c.enabled, table.c.spec)
        rows = {r.name: r for r in conn.execute(current)}
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        for name, (url, enabled, spec) in specs.items():
            row = rows.get(name)
            if row is None:
                new = {"name": name, "url": url, "enabled": enabled, "spec": spec,
                       "error_count": 0, "pending_entries": 0}  # fmt: skip
                stmt = dialect.insert(table).values(**new).on_conflict_do_nothing()
                if conn.execute(stmt).rowcount:
                    added.append(name)
            elif row.spec != spec or row.enabled != enabled:
                values: dict[str, object] = {"spec": spec, "enabled": enabled}
                if row.url != url:  # a new address: poll it now, not at the old time
                    values["next_poll_at"] = None
                conn.execute(update(table).where(table.c.name == name).values(**values))
                changed.append(name)
        for name, row in rows.items():
            if name not in specs and row.enabled is not False:
                conn.execute(update(table).where(table.c.name == name).values(enabled=False))
                disabled.append(name)
    return SyncResult(tuple(added), tuple(changed), tuple(disabled))


def due_feeds(store: StoreBase, now: datetime, limit: int = 10_000) -> list[DueFeed]:
    """Enabled, synced feeds whose next poll is due (never polled: first)."""
    table = Feed.__table__  # type: ignore[attr-defined]
    query = (
        select(table.c.name, table.c.spec, table.c.next_poll_at)
        .where(
            and_(
                table.c.enabled.is_(True),
                table.c.spec.is_not(None),
                or_(table.c.next_poll_at.is_(None), table.c.next_poll_at <= to_utc(now)),
            )
        )
        .order_by(table.c.next_poll_at.is_not(None), table.c.next_poll_at)
        .limit(limit)
    )
    with store.read_engine.connect() as conn:
        return [DueFeed(r.name, r.spec, to_utc(r.next_poll_at)) for r in conn.execute(query)]


@dataclass(frozen=True)
class SyncedFeed:
    spec: str | None  # its feeds.yaml entry as JSON (None: never synced)
    enabled: bool | None
    state: FeedState


def synced_feed(store: StoreBase, name: str) -> SyncedFeed | None:
    """A feed's row as the last sync and the last poll left it: its spec, enabled flag and
    state, in one read (a worker's job needs all three before it polls: one round trip,
    not one for the spec and another for the state)."""
    table = Feed.__table__  # type: ignore[attr-defined]
    with store.read_engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.name == name)).first()
    if row is None:
        return None
    return SyncedFeed(row.spec, row.enabled, to_state(row))
