"""Paragraph-set figures by split: whole, tuning part and validation part.

Reads the per-page file written by the paragraphs set's measure.py (`--details`), whose
rows come in truth.jsonl order, and summarises them with that script's own `summarise`.
Validation pages are those whose (1-based) line number in truth.jsonl is a multiple of 5;
rules are tuned on the others only (issue 13).

    python ../shared/devdata/paragraphs/measure.py --extractor ingest.extract:extract_text \
        --details /tmp/details.jsonl --quiet
    python bench/split.py /tmp/details.jsonl
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

MEASURE = Path(__file__).resolve().parents[2] / "shared" / "devdata" / "paragraphs" / "measure.py"
KEYS = ("tok_f1", "par_f1", "leak_share", "heads_kept", "title_rep", "dup_rep", "empty")


def _summarise() -> Any:
    spec = importlib.util.spec_from_file_location("paragraphs_measure", MEASURE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.summarise


def main(path: str) -> None:
    summarise = _summarise()
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    parts = {
        "whole": rows,
        "tuning": [r for i, r in enumerate(rows, 1) if i % 5],
        "validation": [r for i, r in enumerate(rows, 1) if not i % 5],
    }
    print("| part | pages | " + " | ".join(KEYS) + " |")
    print("|---|---:|" + "---:|" * len(KEYS))
    for name, part in parts.items():
        s = summarise(part)
        cells = []
        for key in KEYS:
            value = s[key]
            if key in ("tok_f1", "par_f1"):
                cells.append(f"{value:.3f}")
            elif key == "empty":
                cells.append(str(value))
            else:
                cells.append("-" if value is None else f"{value:.1%}")
        print(f"| {name} | {s['pages']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
