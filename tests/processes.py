"""A program under test as a child process (`python -m ingest ...`), its log in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class IngestProcess:
    """`python -m ingest ARGS` in `folder`, stdout and stderr to a log the test reads."""

    wait = 30.0  # seconds a stop or kill may take before the test fails

    def __init__(self, folder: Path, label: str, args: list[str]) -> None:
        self.folder = folder
        self.log_path = folder / f"{label}-{time.monotonic_ns()}.log"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("INGEST_CONFIG", None)
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ingest", *args],
            cwd=folder, env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=self.wait)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=self.wait)
        self._log.close()
