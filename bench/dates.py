"""Month accuracy of the page's own date (the feed giving nothing) on both dev sets.

For every dated page of ../shared/devdata (pages.jsonl `date`) and of its paragraphs set
(truth.jsonl `date`), compares the month (YYYY-MM) of

- ours: `ingest.extract.extract_page(html, url).published` (metadata, then htmldate's
  search when the markup states no date), and
- trafilatura's default metadata extraction: `trafilatura.extract_metadata(html,
  default_url=url).date` (htmldate with extensive search),

in the same run. CPU: bench/cpu.py.

    .venv/bin/python bench/dates.py [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

import trafilatura

from ingest.extract import extract_page

DEVDATA = Path(__file__).resolve().parents[2] / "shared" / "devdata"
SETS = {"devdata": (DEVDATA, "pages.jsonl"), "paragraphs": (DEVDATA / "paragraphs", "truth.jsonl")}


def _records(limit: int) -> list[tuple[str, Path, dict[str, Any]]]:
    found = []
    for name, (folder, index) in SETS.items():
        lines = (folder / index).read_text(encoding="utf-8").splitlines()
        dated = [rec for rec in map(json.loads, lines) if rec.get("date")]
        found += [(name, folder, rec) for rec in dated[: limit or None]]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="dated pages per set (0: all)")
    args = parser.parse_args()
    tally: dict[str, dict[str, float]] = {}
    for name, folder, rec in _records(args.limit):
        html = gzip.open(folder / rec["file"]).read()
        want = rec["date"][:7]
        ours = extract_page(html, rec.get("url")).published
        meta = trafilatura.extract_metadata(html, default_url=rec.get("url"))
        theirs = meta.date if meta is not None else None
        row = tally.setdefault(name, dict.fromkeys(("pages", "ours", "trafilatura"), 0.0))
        row["pages"] += 1
        row["ours"] += bool(ours) and f"{ours.year:04d}-{ours.month:02d}" == want
        row["trafilatura"] += bool(theirs) and str(theirs)[:7] == want
    print("| set | dated pages | month right: ours | month right: trafilatura metadata |")
    print("|---|---:|---:|---:|")
    for name, row in tally.items():
        n = row["pages"]
        print(f"| {name} | {n:.0f} | {row['ours'] / n:.1%} | {row['trafilatura'] / n:.1%} |")


if __name__ == "__main__":
    main()
