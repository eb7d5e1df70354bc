"""Extraction CPU per page: this tree against a base revision, in the same run.

Exports the base revision (`git archive`) to a temporary folder and times
`ingest.extract.extract_page(html, url, guess_date=...)` over the same devdata pages in
child processes, alternating base and current (B C B C ...) so that machine load hits
both alike; reports CPU seconds per page (process time, pages already in memory) and
the ratio current / base.

    .venv/bin/python bench/cpu.py --base dab7648 --pages 300 --rounds 2
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVDATA = ROOT.parent / "shared" / "devdata"


def _time_pages(pages: int, guess: bool) -> float:
    """CPU seconds per page of extract_page over the first `pages` devdata pages."""
    from ingest.extract import extract_page

    records = [json.loads(line) for line in (DEVDATA / "pages.jsonl").open(encoding="utf-8")]
    docs = [(gzip.open(DEVDATA / r["file"]).read(), r.get("url")) for r in records[:pages]]
    extract_page(*docs[0], guess_date=guess)  # imports and caches warm
    start = time.process_time()
    for html, url in docs:
        extract_page(html, url, guess_date=guess)
    return (time.process_time() - start) / len(docs)


def _child(path: Path, pages: int, guess: bool) -> float:
    code = (
        f"import sys; sys.path.insert(0, {str(path)!r}); sys.path.insert(1, {str(ROOT)!r});"
        f"from bench.cpu import _time_pages; print(_time_pages({pages}, {guess}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="git revision to compare against")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", args.base, "ingest"], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        tarfile.open(fileobj=BytesIO(archive)).extractall(tmp, filter="data")
        for guess in (True, False):
            base, current = [], []
            for _ in range(args.rounds):
                base.append(_child(Path(tmp), args.pages, guess))
                current.append(_child(ROOT, args.pages, guess))
            b, c = min(base), min(current)
            mode = "page date searched" if guess else "feed has a date"
            print(
                f"{mode}: base {b * 1000:.1f} ms/page, current {c * 1000:.1f} ms/page, "
                f"ratio {c / b:.3f}"
            )


if __name__ == "__main__":
    main()
