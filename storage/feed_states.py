"""Feed states: the pipeline's frozen `FeedState` to and from the `feeds` row.

A poll reads its feed's state once and saves it once. Saving writes only the columns
that changed since the state was read (no SELECT), so a column another writer owns at
that moment (the daemon's next poll, while `ingest poll` runs) is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from ingest.core.types import FeedState, PollStatus
from storage.lite_states import FIELDS as _FIELDS
from storage.lite_states import TIMES as _TIMES
from storage.lite_states import changed_fields
from storage.models import Feed, to_utc
from storage.session import StoreBase

__all__ = ["FeedStates", "changed_fields", "to_state"]


def to_state(row: Any) -> FeedState:
    """A `feeds` row (an ORM object, or a Core row with the same names) as a FeedState."""
    values = {name: getattr(row, name) for name in _FIELDS}
    for name in _TIMES:
        values[name] = to_utc(values[name])
    status = values["last_status"]
    # an unknown word (a future version's status) reads as no status, not a crash
    values["last_status"] = PollStatus._value2member_map_.get(status) if status else None
    return FeedState(**values)


def _columns(state: FeedState, names: Sequence[str] | None = None) -> dict[str, Any]:
    chosen = {name: getattr(state, name) for name in (names or _FIELDS)}
    for name in _TIMES & chosen.keys():
        chosen[name] = to_utc(chosen[name])
    if "last_status" in chosen and chosen["last_status"] is not None:
        chosen["last_status"] = str(chosen["last_status"])
    return chosen


class FeedStates(StoreBase):
    # Core SELECTs, not ORM loads: the daemon reads a state for every poll, and for a 304
    # the ORM's identity map and instance set-up cost more than the query itself.
    def feed_state(self, name: str) -> FeedState | None:
        table = Feed.__table__  # type: ignore[attr-defined]
        with self.read_engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.name == name)).first()
        return to_state(row) if row is not None else None

    def feed_states(self) -> dict[str, FeedState]:
        table = Feed.__table__  # type: ignore[attr-defined]
        with self.read_engine.connect() as conn:
            return {row.name: to_state(row) for row in conn.execute(select(table))}

    def save_feed_state(self, before: FeedState | None, after: FeedState) -> None:
        self.save_feed_states([(before, after)])

    def save_feed_states(self, changes: Sequence[tuple[FeedState | None, FeedState]]) -> None:
        """Save the states of distinct feeds in one transaction: one commit for many.

        Each change is (the state as read, or None for a feed without a row; the new
        state). Rows that changed the same columns (all the 304s of a pass) share one
        Core executemany, a fraction of the ORM's per-row cost.
        """
        table = Feed.__table__  # type: ignore[attr-defined]
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        with self._write("save feed state") as s:
            for before, after in changes:
                changed = changed_fields(before, after)
                if changed is None:
                    exists = select(table.c.name).where(table.c.name == after.name)
                    if s.connection().execute(exists).first() is None:
                        s.connection().execute(insert(table), _columns(after))
                        continue
                    changed = list(_FIELDS[1:])  # a row appeared since: write it all
                if changed:
                    row = {"_feed_name": after.name, **_columns(after, changed)}
                    updates.setdefault(tuple(changed), []).append(row)
            stmt = update(table).where(table.c.name == bindparam("_feed_name"))
            for rows in updates.values():
                s.connection().execute(stmt, rows)
