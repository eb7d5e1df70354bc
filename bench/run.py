"""The benchmark: our `ingest poll` against the extraction floor and two baselines.

    .venv/bin/python bench/run.py --sizes 1000,2500,5000 --runs 3

Starts the feed farm (bench/farm.py) in its own process, then for the first size (the
"suite") runs, `--runs` times each, with medians reported:

  first       first poll of F x K articles (F = size / K)
  steady      the same poll again: every feed answers 304 (feeds per second)
  new         round 2: `--new` new items on top of every feed
  latency     a first poll with `--latency` seconds added to every response
  trafilatura trafilatura's own feed mode (`trafilatura -i FEEDS --feed -o DIR`) on the
              same farm, served on 127.0.80.x:80 (courlan refuses explicit ports), with a
              settings.cfg that turns off SSRF_PROTECTION and sets SLEEP_TIME = 0
  script      bench/baseline_script.py: asyncio httpx + a trafilatura process pool
  floor       CPU seconds of plain trafilatura.extract on the same pages in this process,
              and the limit that gives on this machine's cores

and the first poll alone at the other sizes (growth). Every program runs under
bench/measure.py (CPU of the whole process tree, peak RSS/PSS). Output: JSON and a
Markdown table in --out (default bench/results/).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.farm import Farm, article_index, feed_host, feed_path  # noqa: E402
from bench.pages import Template, load_templates, marker  # noqa: E402

PY = sys.executable
BENCH = ROOT / "bench"
_SUMMARY_RE = re.compile(r"polled (\d+) feeds in ([\d.]+)s")


# -- the farm ---------------------------------------------------------------------------


class FarmProcess:
    def __init__(self, feeds: int, items: int, args: argparse.Namespace) -> None:
        cmd = [PY, str(BENCH / "farm.py"), "--feeds", str(feeds), "--items", str(items),
               "--new", str(args.new), "--hosts", str(args.hosts),
               "--templates", str(args.templates)]  # fmt: skip
        if args.contender:
            cmd.append("--contender")
        if args.synthetic:
            cmd.append("--synthetic")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        ready = json.loads(self.proc.stdout.readline() if self.proc.stdout else "{}")
        self.port: int = ready["port"]
        self.hosts: int = ready["hosts"]
        self.feeds, self.items = feeds, items

    def call(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return json.loads(r.read())  # type: ignore[no-any-return]

    def set(self, round_: int = 1, latency: float = 0.0) -> None:
        self.call(f"/_control?round={round_}&latency={latency}")

    def cpu(self) -> float:
        return float(self.call("/_stats")["cpu"])

    def feed_urls(self, contender: bool = False) -> list[str]:
        port = "" if contender else f":{self.port}"
        return [f"http://{feed_host(f, self.hosts, contender)}{port}{feed_path(f)}"
                for f in range(self.feeds)]  # fmt: skip

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


# -- running one measured program -----------------------------------------------------------


def measured(
    cmd: list[str], work: Path, farm: FarmProcess, label: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run `cmd` under bench/measure.py; add the farm's CPU and the program's output."""
    out = work / f"{label}.measure.json"
    farm_cpu = farm.cpu()
    with open(work / f"{label}.stdout", "w") as so, open(work / f"{label}.stderr", "w") as se:
        proc = subprocess.Popen([PY, str(BENCH / "measure.py"), str(out), "--", *cmd],
                                stdout=so, stderr=se, cwd=work, env=env)  # fmt: skip
        try:
            rc = proc.wait()
        except BaseException:
            # SIGTERM or Ctrl-C here: measure.py passes it on to the measured program's
            # whole process group (subprocess.call would SIGKILL measure.py alone and
            # leave the program and its pool workers running)
            proc.terminate()
            proc.wait(60)
            raise
    result: dict[str, Any] = json.loads(out.read_text())
    result["farm_cpu"] = farm.cpu() - farm_cpu
    result["rc"] = rc
    text = (work / f"{label}.stdout").read_text() + (work / f"{label}.stderr").read_text()
    if m := _SUMMARY_RE.search(text):
        result["pass_seconds"] = float(m[2])
        # new/known/skipped counts and skip reasons: why a run stored fewer than F x K
        result["summary"] = text[m.start() :].splitlines()[0]
    return result


def write_config(work: Path, farm: FarmProcess, args: argparse.Namespace) -> Path:
    lines = [
        "settings:",
        "  store: store",
        '  allow_addresses: ["127.0.0.0/24"]  # the farm: 127.0.0.1 and 127.0.0.2..N',
        f"  concurrency: {args.concurrency}",
        f"  per_host: {args.per_host}",
        "  log_level: WARNING",
        *([f"  workers: {args.workers}"] if args.workers else []),
        "feeds:",
    ]
    for i, url in enumerate(farm.feed_urls()):
        lines += [f"  - name: bench{i}", f"    url: {url}"]
    path = work / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def count_articles(work: Path) -> int:
    with sqlite3.connect(work / "store" / "ingest.db") as db:
        return int(db.execute("select count(*) from articles").fetchone()[0])


def count_marked_files(folder: Path) -> int:
    """Files holding an article (trafilatura also writes a feed it took for a page)."""
    return sum(b"benchf" in p.read_bytes() for p in folder.rglob("*.txt"))


def ours(
    work: Path, farm: FarmProcess, label: str, args: argparse.Namespace, root: str | None = None
) -> dict[str, Any]:
    """`ingest poll` in `work`, from this tree (or --ingest-root, or `root`)."""
    config = work / "feeds.yaml"
    if not config.exists():
        write_config(work, farm, args)
    before = count_articles(work) if (work / "store" / "ingest.db").exists() else 0
    root = root or args.ingest_root
    env = {**os.environ, "PYTHONPATH": root} if root else None
    r = measured([PY, "-m", "ingest", "poll", "--config", str(config)], work, farm, label, env)
    r["articles"] = count_articles(work) - before
    return r


def trafilatura_cli(work: Path, farm: FarmProcess, label: str) -> dict[str, Any]:
    feeds = work / "contender-feeds.txt"
    feeds.write_text("\n".join(farm.feed_urls(contender=True)) + "\n")
    cfg = work / "settings.cfg"
    cfg.write_text(trafilatura_settings())
    out = work / "trafilatura-out"
    exe = str(Path(PY).parent / "trafilatura")
    r = measured([exe, "-i", str(feeds), "--feed", "-o", str(out), "--config-file", str(cfg)],
                 work, farm, label)  # fmt: skip
    r["articles"] = count_marked_files(out)
    return r


def trafilatura_settings() -> str:
    """The installed settings.cfg with the two politeness settings a local farm needs off."""
    import trafilatura

    text = (Path(trafilatura.__file__).parent / "settings.cfg").read_text()
    text = re.sub(r"(?m)^SLEEP_TIME = .*$", "SLEEP_TIME = 0", text)
    text = re.sub(r"(?m)^SSRF_PROTECTION = .*$", "SSRF_PROTECTION = off", text)
    assert "SLEEP_TIME = 0" in text and "SSRF_PROTECTION = off" in text
    return text


def script(work: Path, farm: FarmProcess, label: str, args: argparse.Namespace) -> dict[str, Any]:
    feeds = work / "script-feeds.txt"
    feeds.write_text("\n".join(farm.feed_urls()) + "\n")
    out = work / "script-out"
    cmd = [PY, str(BENCH / "baseline_script.py"), str(feeds), str(out),
           "--per-host", str(args.per_host), "--concurrency", str(args.concurrency)]  # fmt: skip
    r = measured(cmd, work, farm, label)
    r["articles"] = count_marked_files(out)
    return r


# -- the floor ----------------------------------------------------------------------------


def page_costs(templates: list[Template], reps: int) -> dict[str, list[float]]:
    """CPU seconds per template: plain trafilatura.extract, and our extract_page as the
    poll runs it on the farm: without the page-date search (`guess_date=False`), which
    prepare.py skips when the feed entry has a date, as every farm item does. Measured
    with the search, the baseline was higher than what the poll spends extracting, and
    the overhead beyond it looked smaller than it is."""
    import trafilatura

    from ingest.extract import extract_page

    costs: dict[str, list[float]] = {"plain": [], "ours": []}
    url = "http://127.0.0.2/a/0/0.html"
    for n, t in enumerate(templates):
        # A distinct story per repetition, as in the farm: a cache of the extractor's
        # (such as our boilerplate verdicts per paragraph) must not make a repeat cheaper.
        bodies = [t.body(marker(rep, n), article_index(rep, n)) for rep in range(reps)]
        for key, fn in (("plain", lambda h: trafilatura.extract(h, url=url)),
                        ("ours", lambda h: extract_page(h, url, guess_date=False))):  # fmt: skip
            samples = []
            for html in bodies:
                start = time.process_time()
                fn(html)
                samples.append(time.process_time() - start)
            costs[key].append(statistics.median(samples))
    return costs


def floor_for(costs: list[float], feeds: int, items: int, templates: int) -> float:
    """CPU seconds to extract every article of a first poll (the farm's template mix)."""
    farm = Farm([None] * templates, feeds, items, 0, datetime.now(UTC))  # type: ignore[list-item]
    total = 0.0
    for f in range(feeds):
        for i in farm.item_ids(f):
            total += costs[(f * 7919 + i) % templates]
    return total


# -- the plan ---------------------------------------------------------------------------


def run_suite(farm: FarmProcess, args: argparse.Namespace, size: int) -> dict[str, list[dict]]:
    runs: dict[str, list[dict[str, Any]]] = {}

    def keep(name: str, result: dict[str, Any]) -> None:
        runs.setdefault(name, []).append(result)
        print(f"  {name:12s} wall={result['wall']:.2f}s cpu={result['cpu']:.2f}s "
              f"articles={result.get('articles')} pss={result['peak_pss_tree_mb']:.0f}MB "
              f"farm_cpu={result['farm_cpu']:.2f}s rc={result['rc']}", flush=True)  # fmt: skip

    wanted = set(args.scenarios.split(","))
    suite = args.suite and size == args.sizes[0]
    for run in range(args.runs):
        print(f"size {size}, run {run + 1}/{args.runs}", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            work = Path(tmp)
            based = work / "base"  # the base tree's own store, polled alternately
            based.mkdir()
            farm.set(round_=1)
            # B C order alternates between runs: neither always runs on a warmer machine
            order = [("", work, None), (" (base)", based, args.base_root)]
            order = [o for o in order if o[0] == "" or args.base_root]
            if run % 2:
                order.reverse()
            for suffix, folder, root in order:
                keep("first" + suffix, ours(folder, farm, "first" + suffix, args, root))
            if suite and "steady" in wanted:
                for suffix, folder, root in order:
                    keep("steady" + suffix, ours(folder, farm, "steady" + suffix, args, root))
            if suite and "new" in wanted:
                farm.set(round_=2)
                keep("new", ours(work, farm, "new", args))
            if suite and "latency" in wanted:
                farm.set(round_=1, latency=args.latency)
                lat = work / "latency"
                lat.mkdir()
                keep("latency", ours(lat, farm, "latency", args))
            farm.set(round_=1)
            if suite and args.contender and "trafilatura" in wanted:
                keep("trafilatura", trafilatura_cli(work, farm, "trafilatura"))
            if suite and "script" in wanted:
                keep("script", script(work, farm, "script", args))
            if suite and args.startup and run == 0:
                from bench.startup import measure as startup

                print("  start-up of the commands", flush=True)
                STARTUP[size] = startup(work, args.base_root, args.startup)
            if args.keep:
                shutil.copytree(work, Path(args.out) / f"work-{size}-{run}", dirs_exist_ok=True)
    return runs


STARTUP: dict[int, dict[str, Any]] = {}  # size -> bench/startup.py's figures


def median_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k, v in results[0].items() if isinstance(v, (int, float))]
    out: dict[str, Any] = {k: statistics.median(r[k] for r in results if k in r) for k in keys}
    out["summaries"] = [r["summary"] for r in results if "summary" in r]
    out["runs"] = len(results)
    return out


def summarize(size: int, runs: dict[str, list[dict]], floor: dict[str, float],
              args: argparse.Namespace, feeds: int) -> dict[str, Any]:  # fmt: skip
    cores = os.cpu_count() or 1
    rows = {name: median_of(results) for name, results in runs.items()}
    first = rows["first"]
    for name, row in rows.items():
        row["articles_per_s"] = row.get("articles", 0) / row["wall"] if row["wall"] else 0
        if name in ("first", "first (base)", "latency", "trafilatura", "script"):
            row["x_extraction_limit"] = row["wall"] / (floor["plain_cpu"] / cores)
            row["x_ours_first_wall"] = row["wall"] / first["wall"]
        if name.startswith("steady"):
            row["feeds_per_s_pass"] = feeds / row["pass_seconds"] if row.get("pass_seconds") else 0
            row["feeds_per_s_wall"] = feeds / row["wall"]
    # overhead: CPU that is not plain extraction, as a share of plain extraction; split
    # into what our extract_page adds (metadata, cleaning) and everything else
    first["overhead_vs_plain_extract"] = (first["cpu"] - floor["plain_cpu"]) / floor["plain_cpu"]
    first["non_extraction_vs_our_extract"] = (first["cpu"] - floor["ours_cpu"]) / floor["ours_cpu"]
    out = {"size": size, "feeds": feeds, "items": args.items, "floor": floor, "rows": rows}
    if size in STARTUP:
        out["startup"] = STARTUP[size]
    return out


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark {report['date']}",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gb']:.0f} GB RAM, "
        f"Python {m['python']}, trafilatura {m['trafilatura']}.",
        f"Command: `{report['command']}`",
        "",
    ]
    for s in report["sizes"]:
        fl = s["floor"]
        lines += [
            f"## {s['size']} articles ({s['feeds']} feeds x {s['items']} items)",
            "",
            f"Floor: plain trafilatura.extract {fl['plain_ms_per_page']:.1f} ms CPU/page, "
            f"{fl['plain_cpu']:.1f} s CPU in all, limit on {m['cores']} cores "
            f"{fl['plain_cpu'] / m['cores']:.1f} s. Our extract_page alone: "
            f"{fl['ours_ms_per_page']:.1f} ms CPU/page ({fl['ours_cpu']:.1f} s).",
            "",
            "| scenario | wall s | CPU s | peak PSS MB | peak RSS sum MB | articles | articles/s "
            "| x limit | x ours | farm CPU s |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for name, r in s["rows"].items():
            extra = ""
            if name.startswith("steady"):
                extra = f" ({r.get('feeds_per_s_pass', 0):.0f} feeds/s in the pass, " \
                        f"{r['feeds_per_s_wall']:.0f} incl. start-up)"  # fmt: skip
            lines.append(
                f"| {name}{extra} | {r['wall']:.2f} | {r['cpu']:.2f} | "
                f"{r['peak_pss_tree_mb']:.0f} | {r['peak_rss_tree_mb']:.0f} | "
                f"{r.get('articles', 0):.0f} | {r['articles_per_s']:.1f} | "
                f"{_fmt(r.get('x_extraction_limit'))} | {_fmt(r.get('x_ours_first_wall'))} | "
                f"{r['farm_cpu']:.2f} |"
            )
        first = s["rows"]["first"]
        lines += [
            "",
            f"Overhead of the first poll beyond plain extraction: "
            f"{first['overhead_vs_plain_extract']:.0%} of it; beyond our own extract_page: "
            f"{first['non_extraction_vs_our_extract']:.0%}. Medians of {first['runs']} runs.",
            "",
        ]
        base_rows = [n for n in s["rows"] if n.endswith(" (base)")]
        for name in base_rows:
            mine, theirs = s["rows"][name.removesuffix(" (base)")], s["rows"][name]
            lines.append(
                f"- {name.removesuffix(' (base)')}: {mine['wall'] / theirs['wall']:.2f}x the "
                f"base's wall time, {mine['cpu'] / theirs['cpu']:.2f}x its CPU (same run)"
            )
        if base_rows:
            lines.append("")
        if "startup" in s:
            from bench.startup import markdown as startup_md

            lines += ["Start-up of the commands on this store (medians, output to a pipe):",
                      "", startup_md(s["startup"]), ""]  # fmt: skip
    if "daemon" in report:
        lines += ["## The idle daemon (bench/daemon_idle.py, the same run)", "",
                  "```", report["daemon"], "```", ""]  # fmt: skip
    return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def machine() -> dict[str, Any]:
    import trafilatura

    mem = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())  # fmt: skip
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem / 1e9,
        "python": platform.python_version(),
        "trafilatura": trafilatura.__version__,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1000,2500,5000", help="articles per first poll")
    p.add_argument("--items", type=int, default=20, help="items per feed (K)")
    p.add_argument("--runs", type=int, default=3, help="runs per size (medians)")
    p.add_argument("--growth-runs", type=int, default=1, help="runs at the growth sizes")
    p.add_argument("--new", type=int, default=2, help="new items per feed in round 2")
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--hosts", type=int, default=16)
    p.add_argument("--per-host", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--workers", type=int, default=None, help="extraction processes (default: CPUs)")
    p.add_argument("--templates", type=int, default=40)
    p.add_argument("--floor-reps", type=int, default=3)
    p.add_argument(
        "--no-suite",
        dest="suite",
        action="store_false",
        help="first poll only (no steady/new/latency/baselines)",
    )
    p.add_argument(
        "--no-contender",
        dest="contender",
        action="store_false",
        help="skip trafilatura's feed mode (it needs port 80 on 127.0.80.x)",
    )
    p.add_argument("--synthetic", action="store_true", help="generated pages, not devdata")
    p.add_argument("--keep", action="store_true", help="keep the work folders in --out")
    p.add_argument("--out", default=str(BENCH / "results"))
    p.add_argument(
        "--scenarios",
        default="first,steady,new,latency,trafilatura,script",
        help="suite scenarios to run (comma-separated; first always runs)",
    )
    p.add_argument(
        "--base-root",
        default=None,
        help="also poll with the `ingest` of this tree (first, steady), alternately",
    )
    p.add_argument(
        "--startup", type=int, default=0, metavar="RUNS",
        help="time the commands' start-up (bench/startup.py) RUNS times on the suite's store",
    )  # fmt: skip
    p.add_argument(
        "--daemon", type=float, default=0, metavar="SECONDS",
        help="measure the idle daemon (bench/daemon_idle.py) over a SECONDS window",
    )  # fmt: skip
    p.add_argument(
        "--ingest-root",
        default=None,
        help="run `ingest` from this tree (PYTHONPATH), e.g. a scratch copy with a fix",
    )
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",")]
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    templates = load_templates(args.templates, synthetic=args.synthetic)
    costs = page_costs(templates, args.floor_reps)
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/run.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "templates": [t.name for t in templates],
        "sizes": [],
    }
    for size in args.sizes:
        feeds = max(1, size // args.items)
        farm = FarmProcess(feeds, args.items, args)
        try:
            runs = run_suite(farm, args, size) if size == args.sizes[0] else {}
            if size != args.sizes[0]:
                saved, args.runs = args.runs, args.growth_runs
                runs = run_suite(farm, args, size)
                args.runs = saved
        finally:
            farm.stop()
        floor = {
            "plain_cpu": floor_for(costs["plain"], feeds, args.items, len(templates)),
            "ours_cpu": floor_for(costs["ours"], feeds, args.items, len(templates)),
            "plain_ms_per_page": 1000 * statistics.mean(costs["plain"]),
            "ours_ms_per_page": 1000 * statistics.mean(costs["ours"]),
        }
        report["sizes"].append(summarize(size, runs, floor, args, feeds))
    if args.daemon:
        from bench import daemon_idle

        print("the idle daemon", flush=True)
        idle = argparse.Namespace(feeds=32, interval=5.0, seconds=args.daemon, warmup=75.0,
                                  base_root=args.base_root, profile=None)  # fmt: skip
        report["daemon"] = daemon_idle.report(idle, daemon_idle.run(idle))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (out / f"bench-{stamp}.json").write_text(json.dumps(report, indent=2))
    (out / f"bench-{stamp}.md").write_text(markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    # SIGTERM as SystemExit: the `finally` blocks stop the farm and the measured program
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    main()
