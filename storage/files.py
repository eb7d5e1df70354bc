"""Article files under <store>/articles/<YYYY-MM>/<NNN>_<id>.txt, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

ARTICLES_DIR = "articles"
TMP_SUFFIX = ".tmp"


def article_id(canonical_url: str) -> str:
    """Stable 16-hex id: the first 16 hex characters of SHA-256 of the canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


def file_name(seq: int, id_: str) -> str:
    return f"{seq:03d}_{id_}.txt"


def relative_path(month: str, seq: int, id_: str) -> str:
    return f"{ARTICLES_DIR}/{month}/{file_name(seq, id_)}"


def write_atomic(
    path: Path, content: str | bytes, mode: int = 0o644, *, sync_folder: bool = True
) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over `path`.

    A reader or a crash sees the old file or the new one, never half of one. Text is
    written as UTF-8 bytes, exactly (no newline translation). `sync_folder` False: the
    rename is durable only once the caller has run `sync_folders` on its folder (one
    folder fsync for many files, where each cost about a fifth of writing one).
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's PID in the name: a sweep can tell a dead writer's leftover at once.
    prefix = f".{path.name}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync_folder:
        _fsync_dir(path.parent)


def sync_folders(paths: Iterable[Path]) -> None:
    """Make the renames of `write_atomic(..., sync_folder=False)` durable: one fsync for
    each distinct folder of `paths`."""
    for folder in dict.fromkeys(path.parent for path in paths):
        _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temp_files(root: Path, older_than: float = 3600.0) -> int:
    """Delete temporary files left by a killed writer, never a live writer's: those of a
    process that no longer runs at once, any other only past `older_than` seconds."""
    removed = 0
    cutoff = time.time() - older_than
    for tmp in (root / ARTICLES_DIR).glob(f"*/.*{TMP_SUFFIX}"):
        try:
            if not _writer_alive(tmp.name) or tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def _writer_alive(name: str) -> bool:
    """Whether the process that made temporary file `name` (.<file>.<pid>.<random>.tmp)
    may still be writing it; True when the name carries no PID (an older version's)."""
    parts = name.split(".")
    pid = parts[-3] if len(parts) >= 5 else ""
    if not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True
