"""The store's engines and sessions: what every part of the `Store` facade builds on.

Reads use their own engine (on SQLite a separate connection pool, so a read never waits
for, nor blocks, the writer); writes go through `_write(what)`, which commits or rolls
back and turns database errors into a StorageError that says what was being done.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from ingest.core import dedup
from ingest.core.errors import StorageError
from ingest.core.redact import redact
from storage import document
from storage.db import create_schema, make_engine

T = TypeVar("T")
_CHUNK = 500  # bound the size of IN (...) lists


class ArticleFile(document.Stored, Protocol):
    """What writing an article's file reads: the ORM's Article, or a new article's
    fields (storage/writes.py NewArticle)."""

    @property
    def id(self) -> str: ...
    @property
    def path(self) -> str: ...


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class StoreBase:
    """Engines, sessions and the store's folder; the parts of `Store` extend it."""

    def __init__(
        self,
        database_url: str,
        root: Path,
        *,
        title_max_chars: int = 80,
        thresholds: dedup.Thresholds | None = None,
        max_updates: int = dedup.MAX_UPDATES,
    ) -> None:
        self.root = root
        self.title_max_chars = title_max_chars
        self.thresholds = thresholds or dedup.Thresholds()
        self.max_updates = max_updates
        try:
            self.engine: Engine = make_engine(database_url)
            create_schema(self.engine)
            sqlite = self.engine.dialect.name == "sqlite"
            # PostgreSQL: reads outside a transaction. Under READ COMMITTED each statement
            # sees its own snapshot either way, so nothing changes for them, but a read no
            # longer costs a BEGIN and a ROLLBACK round trip, and psycopg no longer drops
            # its prepared statements (it sends DEALLOCATE ALL after every ROLLBACK):
            # hot reads stay prepared instead of being parsed and planned every time.
            self.read_engine = (
                make_engine(database_url, writer=False)
                if sqlite
                else self.engine.execution_options(isolation_level="AUTOCOMMIT")
            )
            self.durable_engine = make_engine(database_url, durable=True) if sqlite else self.engine
        except SQLAlchemyError as exc:
            hint = _store_hint(root)
            # The URL and the driver's message may both carry the password: never print it.
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            message = f"cannot open the database {database_url}{hint}: {reason}"
            raise StorageError(redact(message)) from exc

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        self.durable_engine.dispose()

    def session(self, streaming: bool = False) -> Session:
        """A read session: on SQLite it never blocks, nor is blocked by, a writer.
        `streaming`: in a transaction on PostgreSQL (where other reads run outside one),
        which a server-side cursor (yield_per) needs."""
        postgres = self.engine.dialect.name == "postgresql"
        engine = self.engine if streaming and postgres else self.read_engine
        return Session(engine, expire_on_commit=False)

    def _write(self, what: str, durable: bool = False) -> _WriteSession:
        """A write transaction; `durable`: its commit is on disk when it returns (what must
        hold before a file is written: the article's row)."""
        return _WriteSession(self.durable_engine if durable else self.engine, what)

    @contextmanager
    def _write_core(self, what: str) -> Iterator[Connection]:
        """`_write` for Core statements alone: a connection in a transaction, without an
        ORM session (its set-up, commit and close cost more than a one-row DELETE, which
        runs for every stored article). Same errors as `_write`."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except IntegrityError:
            raise
        except SQLAlchemyError as err:
            raise _database_error(what, err) from err

    def render(self, article: document.Stored) -> str:
        """The article's document text, rebuilt from the database."""
        return document.render(document.of_stored(article), self.title_max_chars)

    def path_of(self, article: ArticleFile) -> Path:
        return self.root / article.path


def _database_error(what: str, err: SQLAlchemyError) -> StorageError:
    return StorageError(f"database error while trying to {what}: {err}")


class _WriteSession:
    """`with store._write(what) as s:` commits on success, maps DB errors to StorageError.

    IntegrityError passes through unchanged: callers retry on it.
    """

    def __init__(self, engine: Engine, what: str) -> None:
        self._session = Session(engine, expire_on_commit=False)
        self._what = what

    def __enter__(self) -> Session:
        return self._session

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Literal[False]:
        try:
            if exc_type is None:
                self._session.commit()
            else:
                self._session.rollback()
        except IntegrityError:
            self._session.close()
            raise
        except SQLAlchemyError as err:
            self._session.close()
            raise _database_error(self._what, err) from err
        self._session.close()
        if isinstance(exc, SQLAlchemyError) and not isinstance(exc, IntegrityError):
            # A full disk, a lock held too long, a value PostgreSQL refuses: one article
            # or feed fails with a clear error, the pass goes on.
            raise _database_error(self._what, exc) from exc
        return False


def _store_hint(root: Path) -> str:
    """Why a store may not open, in words: read-only or full (statvfs, no write attempt)."""
    try:
        st = os.statvfs(root)
    except OSError:
        return ""
    if st.f_flag & os.ST_RDONLY:
        return f" (the store folder {root} is on a read-only file system)"
    if st.f_bavail == 0:
        return f" (the disk holding {root} is full)"
    return ""
