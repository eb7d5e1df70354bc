"""`ingest worker --status`: the cluster as the database sees it (no procrastinate import).

Workers alive (a heartbeat within `stalled_after`), poll jobs waiting / running /
failed, and the stalled jobs recovered: those retried (attempts > 0) or failed by the
recovery task, as far as procrastinate still keeps them (succeeded jobs are deleted).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ingest.core.errors import StorageError
from storage.store import Store


@dataclass(frozen=True)
class WorkerStatus:
    workers_alive: int
    workers_stale: int
    waiting: int  # poll jobs queued (todo)
    running: int  # poll jobs running (doing)
    failed: int
    recovered: int  # jobs that a recovery re-queued (attempts > 0) and not yet done

    def lines(self) -> list[str]:
        return [
            f"workers alive: {self.workers_alive} processes "
            f"(without a heartbeat: {self.workers_stale})",
            f"queue: {self.waiting} feeds waiting, {self.running} polling",
            f"failed jobs: {self.failed}",
            f"stalled jobs recovered: {self.recovered}",
        ]


def worker_status(
    store: Store, stalled_after: float, poll_task: str, loops_per_process: int = 2
) -> WorkerStatus:
    """`loops_per_process`: procrastinate workers each process registers (app.py runs
    one for polls and one for the periodic tasks), to count processes."""
    try:
        with store.engine.connect() as conn:
            if conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar() is None:
                raise StorageError("no worker ever ran on this store (see `ingest worker`)")
            alive, stale = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE last_heartbeat >= now() - make_interval("
                    "secs => :s)), count(*) FILTER (WHERE last_heartbeat < now() - "
                    "make_interval(secs => :s)) FROM procrastinate_workers"
                ),
                {"s": stalled_after},
            ).one()
            jobs: dict[str, int] = dict(
                conn.execute(
                    text(
                        "SELECT status::text, count(*) FROM procrastinate_jobs "
                        "WHERE task_name = :t GROUP BY status"
                    ),
                    {"t": poll_task},
                ).all()
            )
            recovered = conn.execute(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t "
                    "AND (attempts > 0 OR (status = 'failed' AND worker_id IS NULL))"
                ),
                {"t": poll_task},
            ).scalar_one()
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot read the workers' state: {exc}") from exc
    return WorkerStatus(
        int(alive) // loops_per_process, -(-int(stale) // loops_per_process),
        int(jobs.get("todo", 0)), int(jobs.get("doing", 0)), int(jobs.get("failed", 0)),
        int(recovered),
    )  # fmt: skip
