"""Watching feeds.yaml: the daemon applies a new version within seconds of an edit.

A stat every WATCH_INTERVAL seconds (cheap); the file is read only when its mtime or
size changed, and applied only when its content did (a `touch` is not an edit). A
version that does not load is reported once and ignored: the daemon keeps running on the
last valid one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ingest.config import Config, parse_config
from ingest.core.errors import ConfigError
from ingest.pipeline.report import log

WATCH_INTERVAL = 1.0  # seconds between checks of feeds.yaml (a stat; cheap)


@dataclass
class FileStamp:
    mtime_ns: int
    size: int


class ConfigWatcher:
    """Re-reads feeds.yaml when it changes; an invalid version is reported once and ignored."""

    def __init__(self, config: Config) -> None:
        self.path = Path(config.path)
        self._stamp = _stamp(self.path)
        self._digest = _digest_of(self.path)
        self._missing_reported = False

    def check(self) -> Config | None:
        """A new valid Config when the file changed to one, else None."""
        stamp = _stamp(self.path)
        if stamp is None:
            if not self._missing_reported:
                log.error("%s: cannot read it; keeping the last valid configuration", self.path)
                self._missing_reported = True
            return None
        self._missing_reported = False
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            log.error("%s: cannot read: %s; keeping the last valid configuration", self.path, exc)
            return None
        digest = hashlib.sha256(data).hexdigest()
        if digest == self._digest:
            return None  # touched, not changed
        self._digest = digest
        try:
            return parse_config(data.decode("utf-8"), self.path)
        except UnicodeDecodeError as exc:
            log.error("%s: not UTF-8 (%s); keeping the last valid configuration", self.path, exc)
        except ConfigError as exc:
            log.error("invalid edit, keeping the last valid configuration: %s", exc)
        return None


def _stamp(path: Path) -> FileStamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return FileStamp(st.st_mtime_ns, st.st_size)


def _digest_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
