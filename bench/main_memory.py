"""Memory of each process of one `ingest poll` as its first poll stores articles.

    .venv/bin/python bench/main_memory.py --feeds 200 --items 25 [--synthetic]
        [--root TREE] [--workers 2]

Starts the feed farm (bench/farm.py, devdata pages unless --synthetic), runs `ingest
poll` from TREE (this checkout by default; a `git archive` of another version to compare)
on a fresh store, and every 2 s prints the articles stored so far and the PSS in MB of
the main process and of each of its descendants (forkserver, resource tracker, extraction
workers), from /proc/PID/smaps_rollup. A main process that grows with the articles stored
while its descendants stay flat is what bench/RESULTS.md calls heap growth.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import FarmProcess, write_config  # noqa: E402


def pss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    children = [int(c) for c in f.read().split()]
                found += children
                todo += children
        except OSError:
            pass
    return found


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--feeds", type=int, default=200)
    p.add_argument("--items", type=int, default=25)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--synthetic", action="store_true")
    p.add_argument("--root", default=str(ROOT), help="the tree whose `ingest` runs")
    args = p.parse_args()
    farm_args = argparse.Namespace(
        new=2, hosts=16, templates=40, contender=False, synthetic=args.synthetic,
        concurrency=32, per_host=2, workers=args.workers,
    )  # fmt: skip
    farm = FarmProcess(args.feeds, args.items, farm_args)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            work = Path(tmp)
            write_config(work, farm, farm_args)
            env = {**os.environ, "PYTHONPATH": args.root}
            with open(work / "poll.log", "w") as log:
                poll = subprocess.Popen([sys.executable, "-m", "ingest", "poll"], cwd=work,
                                        env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
                while poll.poll() is None:
                    time.sleep(2)
                    others = [pss_mb(c) for c in descendants(poll.pid)]
                    main_mb = pss_mb(poll.pid)
                    if main_mb:
                        print(f"articles={stored(work / 'store' / 'ingest.db'):6d} "
                              f"main={main_mb} MB others={others} MB", flush=True)  # fmt: skip
            print((work / "poll.log").read_text().strip().splitlines()[-1])
    finally:
        farm.stop()


if __name__ == "__main__":
    main()
