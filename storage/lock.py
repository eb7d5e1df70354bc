"""One writer process per store: an advisory lock on `<store>/.lock`.

`fcntl.flock` belongs to the open file, so the kernel releases it when the process ends,
however it ends: a killed daemon never leaves a stale lock behind (unlike a pid file).
The holder's pid is written into the file only to make the refusal message useful.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from ingest.core.errors import StoreLockedError

LOCK_NAME = ".lock"


class StoreLock:
    """`with StoreLock(store_dir):` holds the lock; raises StoreLockedError if taken."""

    def __init__(self, store_dir: Path) -> None:
        self.path = store_dir / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"process {holder}" if holder else "another process"
            raise StoreLockedError(
                f"the store {self.path.parent} is in use by {who} (another `ingest run`?); "
                "one daemon per store. Stop it first, or use another store."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> StoreLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None
