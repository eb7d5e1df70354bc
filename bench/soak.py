"""A day of polls, compressed: `ingest run` with the process pool, watched for leaks.

    .venv/bin/python bench/soak.py [--seconds 600] [--feeds 32] [--interval 2]

The default run makes about as many polls as 32 feeds polled every 5 minutes for a day
(32 * 288 = 9,216): 32 feeds every 2 s for 10 minutes. The feeds are those of the local
farm (bench/farm.py, generated pages; one new item per feed every `--round-every`
seconds, so extraction, deduplication and storing keep running), the fixture site's
five feeds (tests/data/site), one feed answering 500 and one whose page never answers
in time (the fetch deadline trips on every poll).

Every `--sample` seconds it reads, from /proc, the daemon's process tree: how many
processes, how many zombies, their summed PSS, the daemon's open descriptors and
threads. After SIGTERM it checks that every process the tree ever had is gone. It
prints the samples, then a verdict: process count flat (its maximum after warm-up at
most its value at warm-up), memory flat (the last quarter's median PSS within
`--pss-slack` of the second quarter's), no zombie ever, nothing left behind, exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.site.server import RequestRecord, Response, SiteServer  # noqa: E402


@dataclass
class Sample:
    t: float
    processes: int
    zombies: int
    pss_mb: float
    fds: int
    threads: int
    polls: int
    articles: int


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent, start time) of a live process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1]), int(fields[19])


def tree(root: int) -> dict[int, tuple[str, int]]:
    """Every live descendant of `root`, root included: pid -> (state, start time)."""
    stats = {int(e.name): s for e in os.scandir("/proc") if e.name.isdigit()
             if (s := _stat(int(e.name))) is not None}  # fmt: skip
    found, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        kids = [p for p, s in stats.items() if s[1] == pid and p not in found]
        found.update(kids)
        todo += kids
    return {p: (stats[p][0], stats[p][2]) for p in found if p in stats}


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def count(path: str) -> int:
    try:
        return len(os.listdir(path))
    except OSError:
        return 0


def threads(pid: int) -> int:
    return count(f"/proc/{pid}/task")


def stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return -1


def start_farm(feeds: int) -> tuple[subprocess.Popen[str], int]:
    farm = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / "farm.py"), "--synthetic", "--feeds", str(feeds),
         "--items", "8", "--new", "1", "--hosts", "8", "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert farm.stdout is not None
    return farm, int(json.loads(farm.stdout.readline())["port"])


def farm_get(port: int, path: str) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return dict(json.loads(r.read()))


def feeds_yaml(folder: Path, farm_port: int, site: SiteServer, args: argparse.Namespace) -> None:
    lines = [
        "settings:",
        '  allow_addresses: ["127.0.0.0/8"]',
        f"  workers: {args.workers}",
        "  log_level: WARNING",
        "  timeout: 3",
        "feeds:",
    ]

    def add(name: str, url: str) -> None:
        lines.extend([f"  - name: {name}", f"    url: {url}", f"    interval: {args.interval}"])

    for f in range(args.feeds - 7):
        ext = "atom" if f % 3 == 0 else "xml"
        add(f"farm-{f}", f"http://127.0.0.{2 + f % 8}:{farm_port}/feeds/{f}.{ext}")
    for feed in sorted((site.root / "feeds").iterdir()):
        add(f"site-{feed.stem}-{feed.suffix[1:]}", site.url(f"/feeds/{feed.name}"))
    add("broken", site.url("/broken.xml"))
    add("stalling", site.url("/stalling.xml"))
    (folder / "feeds.yaml").write_text("\n".join(lines) + "\n")


def failing_routes(site: SiteServer) -> None:
    def stalling_feed(_r: RequestRecord) -> Response:
        time.sleep(5)  # past `timeout: 3`: the fetch deadline trips on every poll
        return Response(200, b"<rss version='2.0'><channel/></rss>")

    site.route("/broken.xml", Response(500, b"down"))
    site.route("/stalling.xml", stalling_feed)


def verdict(samples: list[Sample], leftovers: list[int], code: int, slack: float) -> bool:
    settled = samples[len(samples) // 4 :]
    procs_at_warmup = settled[0].processes
    second = statistics.median(s.pss_mb for s in samples[len(samples) // 4 : len(samples) // 2])
    last = statistics.median(s.pss_mb for s in samples[3 * len(samples) // 4 :])
    fds_first, fds_last = settled[0].fds, max(s.fds for s in settled[-3:])
    checks = {
        f"processes flat (max {max(s.processes for s in settled)} <= {procs_at_warmup} "
        "after warm-up)": max(s.processes for s in settled) <= procs_at_warmup,
        f"no zombie (max {max(s.zombies for s in samples)})": all(s.zombies == 0 for s in samples),
        f"memory flat (PSS median {second:.0f} MB in the 2nd quarter, {last:.0f} MB in "
        f"the last; slack {slack:.0%})": last <= second * (1 + slack),
        f"descriptors flat ({fds_first} after warm-up, {fds_last} at the end)": (
            fds_last <= fds_first + 8
        ),
        f"nothing left behind ({len(leftovers)} processes)": not leftovers,
        f"exit status {code}": code == 0,
    }
    for text, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    return all(checks.values())


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--feeds", type=int, default=32, help="in all (farm + 7 fixture feeds)")
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--round-every", type=float, default=20.0)
    ap.add_argument("--sample", type=float, default=10.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pss-slack", type=float, default=0.10)
    args = ap.parse_args()

    farm, port = start_farm(args.feeds - 7)
    samples: list[Sample] = []
    ever: dict[int, int] = {}
    with SiteServer() as site, tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        failing_routes(site)
        folder = Path(tmp)
        feeds_yaml(folder, port, site, args)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        log = (folder / "daemon.log").open("w+")  # a pipe left unread would block the daemon
        daemon = subprocess.Popen([sys.executable, "-m", "ingest", "run"], cwd=folder, env=env,
                                  stdout=subprocess.DEVNULL, stderr=log)  # fmt: skip
        t0 = next_round = time.monotonic()
        round_no = 1
        try:
            while (now := time.monotonic()) - t0 < args.seconds:
                if now >= next_round:
                    round_no += 1
                    farm_get(port, f"/_control?round={round_no}")
                    next_round = now + args.round_every
                procs = tree(daemon.pid)
                ever.update((p, start) for p, (_state, start) in procs.items())
                requests = farm_get(port, "/_stats")["requests"]
                assert isinstance(requests, dict)
                site_polls = sum(1 for r in site.requests if r.path.endswith((".xml", ".json",
                                 ".atom", ".rdf")))  # fmt: skip
                samples.append(Sample(
                    t=now - t0, processes=len(procs),
                    zombies=sum(1 for state, _ in procs.values() if state == "Z"),
                    pss_mb=pss_mb(list(procs)), fds=count(f"/proc/{daemon.pid}/fd"),
                    threads=threads(daemon.pid), polls=int(requests.get("feed", 0)) + site_polls,
                    articles=stored(folder / "store" / "ingest.db"),
                ))  # fmt: skip
                time.sleep(args.sample)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                code = daemon.wait(60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                code = daemon.wait()
            farm.terminate()
            farm.wait(10)
        time.sleep(1)
        leftovers = [p for p, start in ever.items() if (s := _stat(p)) and s[2] == start]
        log.seek(0)
        err = "\n".join(line for line in log.read().splitlines() if " feed=" not in line)
        log.close()
        for pid in leftovers:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
            print(f"left behind: pid {pid} state {(_stat(pid) or ('?',))[0]} {cmd}")

    print(f"{args.feeds} feeds every {args.interval:g}s for {args.seconds:g}s, "
          f"workers: {args.workers}")  # fmt: skip
    print(f"{'t s':>6} {'procs':>5} {'zomb':>4} {'PSS MB':>7} {'fds':>4} {'thr':>4} "
          f"{'polls':>6} {'articles':>8}")  # fmt: skip
    step = max(1, len(samples) // 20)
    for s in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
        print(f"{s.t:6.0f} {s.processes:5d} {s.zombies:4d} {s.pss_mb:7.1f} {s.fds:4d} "
              f"{s.threads:4d} {s.polls:6d} {s.articles:8d}")  # fmt: skip
    if err.strip():  # what the daemon said beyond its per-poll lines
        print("daemon log (last lines):", *err.strip().splitlines()[-20:], sep="\n  ")
    return 0 if verdict(samples, leftovers, code, args.pss_slack) else 1


if __name__ == "__main__":
    raise SystemExit(main())
