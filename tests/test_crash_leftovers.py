"""A writer killed in the middle of a file write leaves a temporary file; the next run
removes it at once (audit: it was age-gated to an hour and, in practice, kept forever)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.hostile_site import feeds_yaml, ingest_env, item, rss, run_ingest, site_with_pages
from tests.site.server import Response

# `ingest poll` whose article file writes stall between the temporary file and the
# rename (its fsync): what a SIGKILL at that moment leaves, with the article's row
# committed and marked unwritten before the file, as every write of the store is.
STALLED_POLL = """
import os, time
real_fsync = os.fsync
def stall(fd):
    if "/articles/" in os.readlink(f"/proc/self/fd/{fd}"):
        time.sleep(600)
    return real_fsync(fd)
os.fsync = stall
from ingest.cli import main
main(["poll"])
"""


def test_a_killed_writers_temporary_file_is_removed_by_the_next_run(tmp_path: Path) -> None:
    with site_with_pages() as site:
        feed = rss([item("One", site.url("/page?n=1"))]).encode("utf-8")
        xml = {"Content-Type": "application/rss+xml"}
        site.route("/feed.xml", lambda record: Response(body=feed, headers=xml))
        feeds_yaml(tmp_path, [{"name": "f", "url": site.url("/feed.xml")}])
        articles = tmp_path / "store" / "articles"
        writer = subprocess.Popen(
            [sys.executable, "-c", STALLED_POLL], env=ingest_env(), cwd=tmp_path,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not list(articles.glob("*/.*.tmp")):
                assert writer.poll() is None, "the poll ended before writing its file"
                assert time.monotonic() < deadline, "the poll never started its file"
                time.sleep(0.02)
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(30)
        assert list(articles.glob("*/.*.tmp"))  # what a crash mid-write leaves
        assert not list(articles.glob("*/*.txt"))

        run = run_ingest("poll", cwd=tmp_path)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "repaired 1 article files" in run.stderr
    assert not list(articles.glob("*/.*.tmp"))
    (document,) = articles.glob("*/*.txt")  # written from its row, once
    assert document.read_text("utf-8").endswith("Item 1.")
