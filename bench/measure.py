"""Run a command and measure its whole process tree: wall, CPU (user+sys), peak memory.

    .venv/bin/python bench/measure.py OUT.json -- CMD ARGS...

CPU seconds come from getrusage(RUSAGE_CHILDREN), which only counts descendants that
were waited for. Pool workers and multiprocessing's forkserver may outlive their parent
or be reaped by a process that is not ours, so this process makes itself a "child
subreaper" (prctl PR_SET_CHILD_SUBREAPER, Linux): every orphaned descendant is re-parented
here and reaped here, and its CPU time lands in our RUSAGE_CHILDREN. Peak memory is
sampled from /proc every 0.25 s over all descendants: the sum of RSS (counts pages shared
by forked workers more than once, an upper bound) and the sum of PSS (shared pages split
between their users, what the tree really costs).
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) bytes of one process; zeros if it is gone."""
    try:
        rss = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        pss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
                break
        return rss, pss
    except (OSError, ValueError, IndexError):
        return 0, 0


def name(pid: int) -> str:
    """A short label for a process: its command line's telling part."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    text = " ".join(part.decode(errors="replace") for part in cmd if part)
    for label in ("forkserver", "resource_tracker", "spawn_main"):
        if label in text:
            return label
    return text.rsplit("/", 1)[-1][:60]


class Sampler(threading.Thread):
    def __init__(self, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak_rss = self.peak_pss = self.peak_procs = 0
        self.at_peak: list[tuple[str, int]] = []  # (process, PSS MB) when PSS peaked
        self.stop = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(self.interval):
            pids = descendants(me)
            mems = [memory(p) for p in pids]
            self.peak_rss = max(self.peak_rss, sum(m[0] for m in mems))
            pss = sum(m[1] for m in mems)
            if pss > self.peak_pss:
                self.peak_pss = pss
                at_peak = zip(pids, mems, strict=True)
                self.at_peak = [(name(p), round(m[1] / 1e6)) for p, m in at_peak]
            self.peak_procs = max(self.peak_procs, len(pids))


def reap_orphans(deadline: float) -> None:
    """Wait for re-parented descendants (a forkserver shutting down) until none is left."""
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)


def main() -> None:
    out, sep, *cmd = sys.argv[1:]
    assert sep == "--" and cmd, "usage: measure.py OUT.json -- CMD ..."
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    sampler = Sampler()
    sampler.start()
    started = time.monotonic()
    # its own process group, so that a SIGTERM or Ctrl-C reaches the program and every
    # process it started (pool workers, a forkserver) and none is left running
    proc = subprocess.Popen(cmd, start_new_session=True)

    def forward(signum: int, _frame: object) -> None:
        os.killpg(proc.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    rc = proc.wait()
    wall = time.monotonic() - started
    reap_orphans(time.monotonic() + 30)
    sampler.stop.set()
    sampler.join()
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "rc": rc,
        "wall": wall,
        "user": ru.ru_utime,
        "sys": ru.ru_stime,
        "cpu": ru.ru_utime + ru.ru_stime,
        "peak_rss_tree_mb": sampler.peak_rss / 1e6,
        "peak_pss_tree_mb": sampler.peak_pss / 1e6,
        "max_rss_one_process_mb": ru.ru_maxrss / 1e3,
        "peak_processes": sampler.peak_procs,
        "pss_mb_at_peak": sampler.at_peak,
    }
    Path(out).write_text(json.dumps(result))
    sys.exit(rc)


if __name__ == "__main__":
    main()
