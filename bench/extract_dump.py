"""Dump extract_page's full result for every dev-set page, to check that a change keeps
the output byte for byte.

Both dev sets (devdata's 851 pages, devdata/paragraphs' 461), each page extracted with
the date searched and without (guess_date, the two paths the pipeline takes); one JSON
line per page and mode, every PageContent field. Compare two dumps with `cmp`:

    .venv/bin/python bench/extract_dump.py /tmp/before.jsonl
    ... change ...
    .venv/bin/python bench/extract_dump.py /tmp/after.jsonl
    cmp /tmp/before.jsonl /tmp/after.jsonl

`--root TREE` extracts with the `ingest` of another tree (e.g. a `git archive` of main).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVDATA = ROOT.parent / "shared" / "devdata"
SETS = ((DEVDATA, "pages.jsonl"), (DEVDATA / "paragraphs", "truth.jsonl"))


def _pages() -> list[tuple[str, Path, str | None]]:
    pages = []
    for folder, index in SETS:
        for line in (folder / index).open(encoding="utf-8"):
            record = json.loads(line)
            pages.append((record["file"], folder / record["file"], record.get("url")))
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--root", type=Path, help="import `ingest` from this tree")
    args = parser.parse_args()
    if args.root:
        sys.path.insert(0, str(args.root.resolve()))
    from ingest.extract import extract_page

    with args.out.open("w", encoding="utf-8") as out:
        for name, path, url in _pages():
            html = gzip.open(path).read()
            for guess in (True, False):
                content = extract_page(html, url, guess_date=guess)
                fields = dataclasses.asdict(content)
                fields["published"] = (
                    content.published.isoformat() if content.published is not None else None
                )
                record = {"page": name, "guess_date": guess, **fields}
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
