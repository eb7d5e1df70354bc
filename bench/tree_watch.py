"""Watch running `bench/run.py` polls: per-process PSS, running peak and CPU per article.

    .venv/bin/python bench/tree_watch.py base=PID mine=PID [--every 5] [--marks 1000,3000]

For each bench/run.py named (label=its pid), every `--every` seconds: the articles its
current poll has stored, the PSS in MB of each process of the poll (main, resource
tracker, forkserver, workers; /proc/PID/smaps_rollup) and their sum's running peak, and
the CPU so far of the whole measured tree (live processes' own, plus what bench/measure.py
and the forkserver reaped). At the end, and for each of `--marks` the first sample at or
past that many articles: the running peak, the largest main process and worker so far,
and CPU ms per article. A 10k first poll takes long on a shared machine: this gives the
1k/3k/5k/... figures of two trees polled side by side from one run each. Its samples are
sparser than bench/measure.py's (0.25 s), so its peaks are lower than that script's.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.main_memory import descendants, pss_mb  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_times(pid: int) -> list[float]:
    """utime, stime, cutime, cstime in seconds (0s for a process gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return [0.0] * 4
    return [int(x) / TICK for x in fields[11:15]]


def measured_poll(run_pid: int) -> tuple[int, Path] | None:
    """bench/measure.py's pid under this bench/run.py, and the poll's work folder."""
    for pid in descendants(run_pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
        except OSError:
            continue
        if len(argv) > 2 and argv[1].endswith("measure.py"):
            return pid, Path(argv[2]).parent
    return None


def stored(work: Path) -> int:
    try:
        with sqlite3.connect(f"file:{work}/store/ingest.db?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("runs", nargs="+", help="label=pid of a bench/run.py")
    p.add_argument("--every", type=float, default=5.0)
    p.add_argument("--marks", default="1000,2000,3000,4000,5000,6000,7000,8000,9000,10000")
    args = p.parse_args()
    runs = {label: int(pid) for label, pid in (r.split("=", 1) for r in args.runs)}
    marks = [int(m) for m in args.marks.split(",")]
    peak: dict[str, int] = {}
    largest: dict[str, tuple[int, int]] = {}  # main, worker
    at_mark: dict[tuple[str, int], str] = {}
    while any(Path(f"/proc/{pid}").exists() for pid in runs.values()):
        for label, run_pid in runs.items():
            found = measured_poll(run_pid)
            if found is None:
                continue
            measure, work = found
            n = stored(work)
            tree = descendants(measure)
            procs = [pss_mb(pid) for pid in tree]
            cpu = sum(cpu_times(measure)[2:]) + sum(sum(cpu_times(pid)) for pid in tree)
            if len(procs) < 3:  # not yet extracting: start-up
                continue
            peak[label] = max(peak.get(label, 0), sum(procs))
            main_mb, worker_mb = largest.get(label, (0, 0))
            largest[label] = (max(main_mb, procs[0]), max([worker_mb, *procs[3:]]))
            line = (
                f"{label} articles={n} tree={sum(procs)} procs={procs} peak={peak[label]} "
                f"main_max={largest[label][0]} worker_max={largest[label][1]} "
                f"cpu={cpu:.1f}s ms_per_article={1000 * cpu / max(n, 1):.1f}"
            )
            print(f"t={time.time():.0f} {line}", flush=True)
            for mark in marks:
                if n >= mark and (label, mark) not in at_mark:
                    at_mark[label, mark] = line
        time.sleep(args.every)
    for (_label, mark), line in sorted(at_mark.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"mark {mark}: {line}")


if __name__ == "__main__":
    main()
