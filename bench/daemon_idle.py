"""The daemon at idle: CPU per not-modified poll, against a bare conditional-GET loop.

    .venv/bin/python bench/daemon_idle.py [--feeds 32] [--interval 5] [--seconds 60]
        [--warmup 75] [--base-root DIR] [--profile FILE]

32 feeds on a local site answer 304 to their ETag. `ingest run` polls each every
`--interval` seconds; after a warm-up, the CPU of its whole process tree (utime + stime
from /proc, every descendant) is read at the start and the end of a window, and divided
by the polls the site saw for it. The baseline, in the same window: an asyncio loop with
one httpx client making the same conditional GETs at the same pace, measured the same
way; it is the floor of a not-modified poll in Python (the HTTP exchange alone).
`--base-root DIR`: also `ingest run` from another tree (an older version, `git archive`d
there), in the same window. The programs run side by side, each on its own feed URLs:
CPU seconds are per process tree, so the machine's load slows them without changing them
much, and all of them see the same load.

The default warm-up (75 s) is past the daemon's idle stop of its extraction pool (60 s
after the first poll's feeds were parsed): the window is the steady idle state.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.site.server import RequestRecord, Response, SiteServer  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")

BASELINE = """
import asyncio, sys, httpx
urls, interval = sys.argv[1:-1], float(sys.argv[-1])
async def main():
    etags = {}
    async with httpx.AsyncClient() as client:
        async def one(url):
            while True:
                headers = {"If-None-Match": etags[url]} if url in etags else {}
                r = await client.get(url, headers=headers)
                etags[url] = r.headers.get("ETag", etags.get(url, ""))
                await asyncio.sleep(interval)
        await asyncio.gather(*(one(u) for u in urls))
asyncio.run(main())
"""


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of `root` and every live descendant."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        kids = [p for p, pp in parents.items() if pp == pid and p not in tree]
        tree.update(kids)
        todo += kids
    total = 0
    for pid in tree:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def measure_start(proc: subprocess.Popen[bytes], site: SiteServer, route: str) -> dict[str, float]:
    return {"polls": len(site.requests_for(route)), "cpu": tree_cpu(proc.pid),
            "t": time.monotonic()}  # fmt: skip


def measure_end(
    proc: subprocess.Popen[bytes], site: SiteServer, route: str, start: dict[str, float]
) -> dict[str, float]:
    end = measure_start(proc, site, route)
    polls, cpu = end["polls"] - start["polls"], end["cpu"] - start["cpu"]
    return {"polls": polls, "cpu_s": cpu, "ms_per_poll": 1000 * cpu / max(polls, 1),
            "core_share": cpu / (end["t"] - start["t"])}  # fmt: skip


def write_config(folder: Path, urls: list[str], interval: float) -> None:
    lines = [
        "settings:",
        '  allow_addresses: ["127.0.0.1/32"]',
        "  log_level: WARNING",
        "feeds:",
    ]
    for n, url in enumerate(urls):
        lines += [f"  - name: f{n}", f"    url: {url}", f"    interval: {interval}"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feeds.yaml").write_text("\n".join(lines) + "\n")


def run(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """{label: figures} for every program, measured over the same window."""

    def feed(record: RequestRecord) -> Response:
        etag = f'"{record.query["n"][0]}"'
        if record.headers.get("If-None-Match") == etag:
            return Response(304, headers={"ETag": etag})
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": etag})

    contenders: dict[str, tuple[str, list[str], str | None]] = {
        "ingest run": ("/feed", [], str(REPO))
    }
    if args.base_root:
        contenders["ingest run (base)"] = ("/feed-base", [], args.base_root)
    contenders["httpx loop (floor)"] = ("/feed-floor", [], None)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with SiteServer() as site, tempfile.TemporaryDirectory() as tmp:
        try:
            for label, (route, _, root) in contenders.items():
                site.route(route, feed)
                urls = [site.url(f"{route}?n={n}") for n in range(args.feeds)]
                if root is None:
                    cmd = [sys.executable, "-c", BASELINE, *urls, str(args.interval)]
                    procs[label] = subprocess.Popen(cmd)
                    continue
                folder = Path(tmp) / route.strip("/")
                write_config(folder, urls, args.interval)
                env = {**os.environ, "PYTHONPATH": root}
                procs[label] = subprocess.Popen([sys.executable, "-m", "ingest", "run"],
                                                cwd=folder, env=env, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL)  # fmt: skip
            time.sleep(args.warmup)
            starts = {k: measure_start(p, site, contenders[k][0]) for k, p in procs.items()}
            spy = None
            if args.profile:  # collapsed stacks of the window (py-spy's CPU is its own)
                cmd = ["py-spy", "record", "-p", str(procs["ingest run"].pid), "-d",
                       str(int(args.seconds)), "-r", "200", "-f", "raw", "-o", args.profile,
                       "--nonblocking"]  # fmt: skip
                spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(args.seconds)
            results = {
                k: measure_end(p, site, contenders[k][0], starts[k]) for k, p in procs.items()
            }
            if spy is not None:
                spy.wait(30)
        finally:
            for p in procs.values():
                p.terminate()
            for p in procs.values():
                p.wait(30)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--feeds", type=int, default=32)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=75.0)
    ap.add_argument("--base-root", metavar="DIR", help="also run `ingest run` from this tree")
    ap.add_argument("--profile", metavar="FILE", help="py-spy collapsed stacks of the daemon")
    args = ap.parse_args()
    results = run(args)
    print(report(args, results))


def report(args: argparse.Namespace, results: dict[str, dict[str, float]]) -> str:
    floor = results["httpx loop (floor)"]["ms_per_poll"]
    lines = [f"{args.feeds} feeds every {args.interval:g}s, {args.seconds:g}s window "
             f"after {args.warmup:g}s"]  # fmt: skip
    for label, r in results.items():
        lines.append(f"  {label:20} {r['polls']:5d} polls  {r['ms_per_poll']:6.2f} ms CPU/poll  "
                     f"{100 * r['core_share']:5.2f}% of a core  "
                     f"{r['ms_per_poll'] / max(floor, 1e-9):.2f}x the floor")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
