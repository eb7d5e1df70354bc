"""Start-up of the commands people type: wall and CPU seconds per command, ours and a base.

    .venv/bin/python bench/startup.py STORE_FOLDER [--base-root DIR] [--runs 7]

Runs `ingest --help`, `ingest list`, `ingest query WORD` and `ingest show 1` in
STORE_FOLDER (a feeds.yaml with its store, such as bench/run.py's work folder) as a user
would (a fresh process each, output to a pipe), alternating this tree and the base tree
(B C B C ...) so that the machine's load hits both alike; medians. The first run of
each tree is not counted: it is the one that validates feeds.yaml and remembers it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (["--help"], ["list"], ["query", "the"], ["show", "1"], ["show", "1", "--json"])


def one(cmd: list[str], cwd: Path, root: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of `ingest CMD`."""
    env = {**os.environ, "PYTHONPATH": root}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "ingest", *cmd], cwd=cwd, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)  # fmt: skip
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def measure(folder: Path, base_root: str | None, runs: int) -> dict[str, Any]:
    roots = {"ours": str(ROOT)} | ({"base": base_root} if base_root else {})
    for root in roots.values():  # validate and remember feeds.yaml, warm the page cache
        one(["list"], folder, root)
    rows: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for _ in range(runs):
        for cmd in COMMANDS:
            for label, root in roots.items():
                rows.setdefault(" ".join(cmd), {}).setdefault(label, []).append(
                    one(cmd, folder, root)
                )
    out: dict[str, Any] = {}
    for cmd, by in rows.items():
        out[cmd] = {
            label: {
                "wall": statistics.median(w for w, _ in samples),
                "cpu": statistics.median(c for _, c in samples),
            }
            for label, samples in by.items()
        }
    return out


def markdown(result: dict[str, Any]) -> str:
    base = any("base" in by for by in result.values())
    head = "| command | wall s | CPU s |" + (
        " base wall s | base CPU s | x base (wall) |" if base else ""
    )
    lines = [head, "|---|---:|---:|" + ("---:|---:|---:|" if base else "")]
    for cmd, by in result.items():
        ours = by["ours"]
        row = f"| `ingest {cmd}` | {ours['wall']:.3f} | {ours['cpu']:.3f} |"
        if base:
            b = by["base"]
            row += f" {b['wall']:.3f} | {b['cpu']:.3f} | {ours['wall'] / b['wall']:.2f} |"
        lines.append(row)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--base-root", default=None)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    print(markdown(measure(args.folder, args.base_root, args.runs)))


if __name__ == "__main__":
    main()
