"""A writer killed in the middle of a file write leaves a temporary file; the next run
removes it at once (audit: it was age-gated to an hour and, in practice, kept forever)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.hostile_site import feeds_yaml, ingest_env, run_ingest

# A writer that stalls inside write_atomic, between the temporary file and the rename.
STALLED_WRITER = """
import os, sys, time
from pathlib import Path
from storage import files
os.fsync = lambda fd: time.sleep(600)
files.write_atomic(Path(sys.argv[1]), "half an article")
"""


def test_a_killed_writers_temporary_file_is_removed_by_the_next_run(tmp_path: Path) -> None:
    # a feed nobody serves: the pass fails that feed, its start-of-pass upkeep runs anyway
    feeds_yaml(tmp_path, [{"name": "gone", "url": "http://127.0.0.1:9/feed.xml"}])
    target = tmp_path / "store" / "articles" / "2019-11" / "023_0123456789abcdef.txt"
    writer = subprocess.Popen(
        [sys.executable, "-c", STALLED_WRITER, str(target)], env=ingest_env(), cwd=tmp_path
    )
    try:
        deadline = time.monotonic() + 30
        while not list(target.parent.glob(".*.tmp")):
            assert time.monotonic() < deadline, "the writer never started its file"
            time.sleep(0.02)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(30)
    assert list(target.parent.glob(".*.tmp"))  # what a crash mid-write leaves

    run = run_ingest("poll", cwd=tmp_path)
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert not list(target.parent.glob(".*.tmp"))
    assert not target.exists()  # never renamed into place: no file without its row
