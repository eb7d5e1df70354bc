"""The benchmark still runs: a tiny size, first poll only, generated pages, no timing asserted.

Runs the real bench/run.py as a subprocess (which starts the farm and runs `ingest poll`
under bench/measure.py) and checks what it reports, not how fast it was.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import marker, suffix, synthetic_templates  # noqa: E402


def test_template_bodies_are_distinct_stories_and_gzip_matches() -> None:
    t = synthetic_templates(1)[0]
    one, two = t.body(marker(0, 1), 1), t.body(marker(0, 2), 2)
    assert b"benchf0i1" in one and b"benchf0i2" in two
    assert suffix(1).encode() in one and suffix(1).encode() not in two
    assert gzip.decompress(t.gzip_body(marker(0, 1), 1)) == one


def test_extraction_baseline_is_what_the_poll_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The farm's items carry dates, so the poll extracts without the page-date search:
    the baseline of "beyond our own extract_page" must be measured the same way."""
    import ingest.extract
    from bench.run import page_costs

    calls: list[dict[str, object]] = []

    def spy(html: bytes | str, url: str | None, **kwargs: object) -> None:
        calls.append(kwargs)

    monkeypatch.setattr(ingest.extract, "extract_page", spy)
    costs = page_costs(synthetic_templates(2), reps=1)
    assert len(costs["ours"]) == 2
    assert calls and all(kw.get("guess_date") is False for kw in calls)


def test_bench_runs_and_reports_stored_articles(tmp_path: Path) -> None:
    out = tmp_path / "results"
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "6", "--items", "3",
           "--runs", "1", "--no-suite", "--synthetic", "--templates", "3", "--floor-reps", "1",
           "--hosts", "2", "--workers", "1", "--out", str(out)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(next(out.glob("bench-*.json")).read_text())
    first = report["sizes"][0]["rows"]["first"]
    assert first["rc"] == 0
    assert first["articles"] == 6  # 2 feeds x 3 items, every one a distinct story
    assert first["cpu"] > 0 and first["peak_pss_tree_mb"] > 0
    assert report["sizes"][0]["floor"]["plain_cpu"] > 0
    assert "| first |" in next(out.glob("bench-*.md")).read_text()


def test_fetch_cost_measures_every_layer() -> None:
    for layer in ("bare", "fetch", "poll"):
        cmd = [sys.executable, str(ROOT / "bench" / "fetch_cost.py"), layer, "5"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert proc.stdout.startswith(f"{layer}: ") and "ms CPU per not-modified" in proc.stdout
