"""The daemon at idle: CPU per not-modified poll, against a bare conditional-GET loop.

    .venv/bin/python bench/daemon_idle.py [--feeds 32] [--interval 5] [--seconds 60]

32 feeds on a local site answer 304 to their ETag. `ingest run` polls each every
`--interval` seconds; after a warm-up, the CPU of its whole process tree (utime + stime
from /proc, every descendant) is read at the start and the end of a window, and divided
by the polls the site saw in it. The baseline, in the same run: an asyncio loop with one
httpx client making the same conditional GETs at the same pace, measured the same way;
it is the floor of a not-modified poll in Python (the HTTP exchange alone).
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


def measure(
    proc: subprocess.Popen[bytes],
    site: SiteServer,
    warmup: float,
    window: float,
    profile: str | None = None,
) -> dict[str, float]:
    time.sleep(warmup)
    polls0, cpu0, t0 = len(site.requests_for("/feed")), tree_cpu(proc.pid), time.monotonic()
    if profile:  # collapsed stacks of the window (py-spy's own CPU is not the daemon's)
        spy = subprocess.Popen(["py-spy", "record", "-p", str(proc.pid), "-d", str(int(window)),
                                "-r", "200", "-f", "raw", "-o", profile, "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(window)
    if profile:
        spy.wait(30)
    polls1, cpu1, t1 = len(site.requests_for("/feed")), tree_cpu(proc.pid), time.monotonic()
    proc.terminate()
    proc.wait(30)
    polls, cpu = polls1 - polls0, cpu1 - cpu0
    return {"polls": polls, "cpu_s": cpu, "ms_per_poll": 1000 * cpu / max(polls, 1),
            "core_share": cpu / (t1 - t0)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--feeds", type=int, default=32)
    ap.add_argument("--interval", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=15.0)
    ap.add_argument("--profile", metavar="FILE", help="py-spy collapsed stacks of the daemon")
    args = ap.parse_args()

    def feed(record: RequestRecord) -> Response:
        etag = f'"{record.query["n"][0]}"'
        if record.headers.get("If-None-Match") == etag:
            return Response(304, headers={"ETag": etag})
        body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
        return Response(200, body, {"Content-Type": "application/rss+xml", "ETag": etag})

    with SiteServer() as site, tempfile.TemporaryDirectory() as tmp:
        site.route("/feed", feed)
        urls = [site.url(f"/feed?n={n}") for n in range(args.feeds)]
        folder = Path(tmp)
        lines = [
            "settings:",
            '  allow_addresses: ["127.0.0.1/32"]',
            "  log_level: WARNING",
            "feeds:",
        ]
        for n, url in enumerate(urls):
            lines += [f"  - name: f{n}", f"    url: {url}", f"    interval: {args.interval}"]
        (folder / "feeds.yaml").write_text("\n".join(lines) + "\n")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        daemon = subprocess.Popen([sys.executable, "-m", "ingest", "run"], cwd=folder, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        ours = measure(daemon, site, args.warmup, args.seconds, args.profile)
        base = subprocess.Popen([sys.executable, "-c", BASELINE, *urls, str(args.interval)])
        floor = measure(base, site, args.warmup, args.seconds)

    print(f"{args.feeds} feeds every {args.interval:g}s, {args.seconds:g}s window")
    for label, r in (("ingest run", ours), ("httpx loop (floor)", floor)):
        print(f"  {label:20} {r['polls']:5d} polls  {r['ms_per_poll']:6.2f} ms CPU/poll  "
              f"{100 * r['core_share']:5.2f}% of a core")  # fmt: skip
    print(
        f"  ratio: {ours['ms_per_poll'] / max(floor['ms_per_poll'], 1e-9):.2f}x the floor per poll"
    )


if __name__ == "__main__":
    main()
