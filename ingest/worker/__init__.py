"""`ingest worker`: many processes on many machines over one PostgreSQL store.

Work is distributed by procrastinate (PostgreSQL-native jobs: no broker, no extra
service), never by a queue of our own:

    enqueue_due   periodic, once per period cluster-wide (procrastinate's periodic
                  defers are unique per timestamp): reconcile feeds.yaml into the feeds
                  table (storage/feed_sync.py), then defer a `poll_feed` job for every
                  due feed, from the same schedule state as `ingest run` (next poll,
                  backoff, validators, Retry-After: pipeline/schedule.py, saved by each
                  poll), at most `per_host` feeds of one host in flight (enqueue.py).
    poll_feed     one feed's poll (pipeline/poll.py) in this worker's runtime Context,
                  with its extraction process pool; `lock` and `queueing_lock`
                  feed:<name>: never two polls of a feed at once, never two waiting. No
                  engine retry: the next enqueue of a due feed is the retry.
    recover       periodic, no lock (procrastinate #1408: a lock on the recovery task
                  can stall it): the jobs of workers without a heartbeat for
                  `stalled_after` go back to the queue, or are failed when the feed is
                  queued already (retry would raise UniqueViolation: #1446, #1543).

    app.py        the procrastinate app, the tasks, running a worker
    enqueue.py    which due feeds to defer (pure)
    status.py     `ingest worker --status`: workers alive, queue, running, failed
"""
