"""`ingest worker` and `ingest sync`: polling shared by processes on many machines."""

from __future__ import annotations

from pathlib import Path

import click

from ingest.cli.common import (
    config_option,
    handle_errors,
    load,
    log_options,
    read_config,
)
from ingest.core.heap import bound_heap


@click.command()
@config_option
@click.option("--concurrency", type=click.IntRange(1, 1000), default=8, show_default=True,
              help="Feeds this process polls at once.")  # fmt: skip
@click.option("--enqueue-every", type=click.IntRange(1, 60), default=10, show_default=True,
              metavar="SECONDS", help="How often due feeds are queued (cluster-wide).")  # fmt: skip
@click.option("--recover-every", type=click.IntRange(1, 60), default=15, show_default=True,
              metavar="SECONDS", help="How often dead workers' jobs are recovered.")  # fmt: skip
@click.option("--stalled-after", type=click.FloatRange(1, 3600), default=30.0,
              show_default=True, metavar="SECONDS",
              help="A worker without a heartbeat this long is dead.")  # fmt: skip
@click.option("--no-sync", is_flag=True,
              help="Leave feeds.yaml to `ingest sync` (machines with other copies).")  # fmt: skip
@click.option("--status", "show_status", is_flag=True,
              help="Print the workers alive, the queue and failed jobs, then exit.")  # fmt: skip
@log_options
@handle_errors
def worker(
    config_path: Path,
    concurrency: int,
    enqueue_every: int,
    recover_every: int,
    stalled_after: float,
    no_sync: bool,
    show_status: bool,
    log_level: str | None,
) -> None:
    """Poll feeds as one of many workers over a PostgreSQL store (procrastinate).

    Example: ingest worker --concurrency 16   (as many as you like, on any machines)

    Feeds are queued when due, by one worker per period; each is polled by one worker
    at a time; a dead worker's feed is taken by another within --stalled-after.
    """
    from ingest.worker.app import POLL_TASK, WorkerOptions, run

    config = load(config_path, log_level)
    if show_status:
        from ingest.pipeline.runtime import open_store
        from ingest.worker.status import worker_status

        store = open_store(config)
        try:
            for line in worker_status(store, stalled_after, POLL_TASK).lines():
                click.echo(line)
        finally:
            store.close()
        return
    options = WorkerOptions(concurrency, enqueue_every, recover_every, stalled_after,
                            sync=not no_sync)  # fmt: skip
    bound_heap()
    run(config, options)


@click.command()
@config_option
@handle_errors
def sync(config_path: Path) -> None:
    """Reconcile feeds.yaml into the store's feeds table (what workers poll from).

    Example: ingest sync

    Idempotent: only changed feeds are written; feeds gone from feeds.yaml are disabled,
    their state and articles kept.
    """
    from ingest.worker.app import sync_once

    result = sync_once(read_config(config_path))
    click.echo(f"added {len(result.added)}, changed {len(result.changed)}, "
               f"disabled {len(result.disabled)}")  # fmt: skip
