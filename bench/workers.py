"""Scale-out: 1, 2 and 4 `ingest worker` processes over one PostgreSQL store.

    .venv/bin/python bench/workers.py --feeds 120 --items 2 --latency 0.05 --counts 1,2,4

The feed farm (bench/farm.py, synthetic pages of 30-150 KB) answers every request after
`--latency` seconds, like sites across the internet; its feeds are spread over `--hosts`
loopback addresses (127.0.0.2, 127.0.0.3, ...), so the per-host caps apply as they would
to many sites. For each worker count, in a fresh PostgreSQL database: start the workers
(`--no-sync`, so they wait with an empty feeds table), then `ingest sync` makes every
feed due at once, and the clock runs until

  first    every article of every feed is stored         -> articles per second
  304      every feed polled again, all answering 304    -> feeds per second

Also reported, for the first pass:
  transactions per article   pg_stat_database of a database made for the run (so the
                             workers' heartbeats and job polling count too), less the
                             bench's own polling queries (each one a transaction)
  CPU ms per article         of the worker processes (all threads, extraction included)
                             and of the PostgreSQL backends serving this database
  machine busy               the share of all cores in use (/proc/stat), whoever used it
  slots busy (--log-level DEBUG)  per pass, the share of each worker's poll slots spent
                             polling (from its log); the rest is job pickup and waiting

The CPU figures are what predicts other machines: a worker needs its CPU per article
times its rate in cores of its own, and the database serves about 1000 / (its ms per
article) articles per second per core. On one machine, N workers can only do N times one
worker's work while the cores last: "machine busy" near 100% means the figure measured
the cores (and whatever else ran on them), not the workers. The speed-up is against one
worker in the same run; the machine's cores are shared with whatever else runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import FarmProcess  # noqa: E402

PY = sys.executable
BASE = os.environ.get("INGEST_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PLAIN = BASE.replace("postgresql+psycopg://", "postgresql://")


QUERIES = [0]  # the bench's own queries (each a transaction, autocommit): subtracted


def scalar(conn: psycopg.Connection[Any], sql: str) -> Any:
    QUERIES[0] += 1
    row = conn.execute(sql).fetchone()
    return row[0] if row else None


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of these processes (all their threads), in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def descendants(pids: list[int]) -> list[int]:
    """These processes and their children (extraction pools), from /proc."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except OSError:
                continue
    found, todo = set(pids), list(pids)
    while todo:
        p = todo.pop()
        for child, ppid in parent.items():
            if ppid == p and child not in found:
                found.add(child)
                todo.append(child)
    return sorted(found)


_STARTED = re.compile(r"^(\S+ \S+) DEBUG ingest: feed=(\S+) poll started")
_REPORTED = re.compile(r"^(\S+ \S+) \w+ ingest: feed=(\S+) status=(\w+) .*duration=([\d.]+)s")


def occupancy(log: Path, slots: int) -> dict[str, float]:
    """Per pass ("ok": the first, "not_modified": the 304 one), the share of the worker's
    poll slots busy polling, from its DEBUG log: the rest is job pickup and waiting."""
    started: dict[str, float] = {}
    spans: dict[str, list[tuple[float, float]]] = {}
    for line in log.read_text().splitlines():
        if m := _STARTED.match(line):
            started[m[2]] = _seconds(m[1])
        elif (m := _REPORTED.match(line)) and m[2] in started:
            spans.setdefault(m[3], []).append((started.pop(m[2]), _seconds(m[1])))
    out = {}
    for status, polls in spans.items():
        wall = max(end for _, end in polls) - min(start for start, _ in polls)
        out[status] = sum(end - start for start, end in polls) / max(1e-9, slots * wall)
    return out


def _seconds(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return sum(values) - values[3] - values[4], sum(values)


def wait(conn: psycopg.Connection[Any], sql: str, target: int, timeout: float) -> float:
    """Seconds until `sql` (a count) reaches `target`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if (scalar(conn, sql) or 0) >= target:
            return time.monotonic() - started
        time.sleep(0.05)
    raise SystemExit(f"timed out: {sql} < {target}")


def transactions(conn: psycopg.Connection[Any]) -> int:
    return int(scalar(conn, "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                            "WHERE datname = current_database()"))  # fmt: skip


def run_count(n: int, farm: FarmProcess, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    # A database of its own: pg_stat_database then counts this run's transactions only.
    dbname = f"bench_workers_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PLAIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    server = PLAIN.split("://", 1)[1].rsplit("/", 1)[0]
    url = f"postgresql+psycopg://{server}/{dbname}"
    folder = work / f"w{n}"
    folder.mkdir()
    lines = ["settings:", "  store: store", f"  database_url: '{url}'",
             '  allow_addresses: ["127.0.0.0/24"]', f"  per_host: {args.per_host}",
             f"  workers: {args.extract}", "  log_level: WARNING", "feeds:"]  # fmt: skip
    for i, feed_url in enumerate(farm.feed_urls()):
        lines += [f"  - name: bench{i}", f"    url: {feed_url}", "    interval: 1h"]
    (folder / "feeds.yaml").write_text("\n".join(lines) + "\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # the schema first, so the workers' start-up is not part of the measure
    subprocess.run([PY, "-m", "ingest", "list", "--limit", "1"], cwd=folder, env=env,
                   check=True, capture_output=True)  # fmt: skip
    procs = [
        subprocess.Popen(
            [
                PY,
                "-m",
                "ingest",
                "worker",
                "--no-sync",
                "--enqueue-every",
                "1",
                "--concurrency",
                str(args.concurrency),
                "--log-level",
                args.log_level,
            ],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(folder / f"worker{i}.log", "w"),
        )  # fmt: skip
        for i in range(n)
    ]
    total = farm.feeds * farm.items
    conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    try:
        deadline = time.monotonic() + 60
        while sum("concurrency" in (folder / f"worker{i}.log").read_text() for i in range(n)) < n:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start")
            time.sleep(0.1)
        time.sleep(1.5)  # registered with procrastinate, listening
        farm.set(1, args.latency)
        backends = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()").fetchall()]  # fmt: skip
        ours = descendants([p.pid for p in procs])
        cpu_before = cpu_ticks(ours), cpu_ticks(backends), machine_ticks()
        before, queries = transactions(conn), QUERIES[0]
        subprocess.run([PY, "-m", "ingest", "sync"], cwd=folder, env=env, check=True,
                       capture_output=True)  # fmt: skip
        first = wait(conn, "SELECT count(*) FROM articles", total, args.timeout)
        stored = int(scalar(conn, "SELECT count(*) FROM articles"))
        busy = [a - b for a, b in zip(machine_ticks(), cpu_before[2], strict=True)]
        tick = os.sysconf("SC_CLK_TCK")
        worker_ms = (cpu_ticks(ours) - cpu_before[0]) * 1000 / tick / max(1, stored)
        pg_ms = (cpu_ticks(backends) - cpu_before[1]) * 1000 / tick / max(1, stored)
        own = QUERIES[0] - queries + 1
        per_article = (transactions(conn) - before - own) / max(1, stored)
        time.sleep(1.0)  # the last polls save their states
        mark = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
        conn.execute("UPDATE feeds SET next_poll_at = NULL")
        polled = (f"SELECT count(*) FROM feeds WHERE last_polled_at > '{mark.isoformat()}' "
                  "AND last_status = 'not_modified'")  # fmt: skip
        again = wait(conn, polled, farm.feeds, args.timeout)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(60)
        conn.close()
        with psycopg.connect(PLAIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
    busy_slots: dict[str, list[float]] = {}
    for i in range(n):
        for status, share in occupancy(folder / f"worker{i}.log", args.concurrency).items():
            busy_slots.setdefault(status, []).append(share)
    slots = {f"slots_busy_{k}": round(sum(v) / len(v), 2) for k, v in busy_slots.items()}
    return {
        "workers": n,
        "articles": stored,
        "first_seconds": round(first, 2),
        "articles_per_s": round(stored / first, 1),
        "304_seconds": round(again, 2),
        "feeds_per_s_304": round(farm.feeds / again, 1),
        "transactions_per_article": round(per_article, 1),
        "worker_cpu_ms_per_article": round(worker_ms, 1),
        "pg_cpu_ms_per_article": round(pg_ms, 1),
        "machine_busy_pct": round(100 * busy[0] / max(1, busy[1])),
        **slots,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--feeds", type=int, default=120)
    p.add_argument("--items", type=int, default=2)
    p.add_argument("--hosts", type=int, default=60)
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--counts", default="1,2,4")
    p.add_argument("--concurrency", type=int, default=2, help="feeds at once per worker")
    p.add_argument("--per-host", type=int, default=4)
    p.add_argument("--extract", type=int, default=1, help="extraction processes per worker")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--keep", action="store_true", help="keep the folders and worker logs")
    p.add_argument("--log-level", default="INFO",
                   help="the workers'; DEBUG also reports their poll slots' use")  # fmt: skip
    args = p.parse_args()
    args.new, args.templates, args.contender, args.synthetic = 2, 40, False, True
    farm = FarmProcess(args.feeds, args.items, args)
    results = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-workers-"))
    try:
        for n in (int(c) for c in args.counts.split(",")):
            results.append(run_count(n, farm, args, tmp))
            print(json.dumps(results[-1]), flush=True)
    finally:
        farm.stop()
        if args.keep:
            print(f"folders and worker logs kept in {tmp}")
        else:
            shutil.rmtree(tmp)
    one = results[0]
    print(
        "\n| workers | articles/s | x | feeds/s (all 304) | x | transactions/article "
        "| worker CPU ms/article | PostgreSQL CPU ms/article | machine busy |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['workers']} | {r['articles_per_s']} | "
              f"{r['articles_per_s'] / one['articles_per_s']:.2f} | {r['feeds_per_s_304']} | "
              f"{r['feeds_per_s_304'] / one['feeds_per_s_304']:.2f} | "
              f"{r['transactions_per_article']} | {r['worker_cpu_ms_per_article']} | "
              f"{r['pg_cpu_ms_per_article']} | {r['machine_busy_pct']}% |")  # fmt: skip


if __name__ == "__main__":
    main()
