"""The read commands' fast path: `ingest list`, `query` and `show` in a tenth of a second.

What they need of feeds.yaml is little (where the store is, the feed names and tags, the
title width) and of the store only reads. Two costs dominated them, neither of which a
read needs:

* validating feeds.yaml: pydantic and ruamel.yaml take a fifth of a second to import and
  build. The validated result of a file is remembered (`ReadConfig`, a few fields, and
  the whole Config as JSON) in the user's cache folder under a key that is the file's
  exact bytes, its absolute path and our version; the same bytes always validate the
  same way, so a hit is what a full load would give, warnings included, and any edit is
  a miss (a full load, remembered again). Every successful full load remembers, so
  `ingest poll` readies it for `ingest list`, and the other commands validate the JSON
  form (milliseconds) instead of reading the YAML again (0.4 s for 500 feeds).
  Only SQLite stores are remembered: their URL is a path, never a password.
* SQLAlchemy and SQLModel: a third of a second to import. A SQLite store is read through
  the standard library (storage/lite.py); anything else (PostgreSQL, a store not created
  yet, one an older version made) through the Store, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import click

from ingest import __version__
from ingest.core.redact import redact

if TYPE_CHECKING:
    from ingest.config import Config
    from storage.query import Query
    from storage.store import Store

CACHE_ENV = "INGEST_CACHE_DIR"  # where the validated configs are remembered (tests)
_CACHE_FORMAT = 1


@dataclass(frozen=True)
class FeedTags:
    """A configured feed as the read commands see it (storage.query.Tagged)."""

    name: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadConfig:
    """What the read commands use of a validated Config."""

    path: Path
    store_dir: Path
    database_url: str
    title_max_chars: int
    feeds: tuple[FeedTags, ...]
    warnings: tuple[str, ...] = ()

    @classmethod
    def of(cls, config: Config) -> ReadConfig:
        return cls(
            path=config.path,
            store_dir=config.store_dir,
            database_url=config.database_url,
            title_max_chars=config.settings.title_max_chars,
            feeds=tuple(FeedTags(f.name, tuple(f.tags)) for f in config.feeds),
            warnings=config.warnings,
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"], data["store_dir"] = str(self.path), str(self.store_dir)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReadConfig:
        return cls(
            path=Path(data["path"]),
            store_dir=Path(data["store_dir"]),
            database_url=str(data["database_url"]),
            title_max_chars=int(data["title_max_chars"]),
            feeds=tuple(FeedTags(f["name"], tuple(f["tags"])) for f in data["feeds"]),
            warnings=tuple(data["warnings"]),
        )


def read_config_fast(config_path: Path) -> ReadConfig:
    """feeds.yaml for a read command (lenient, warnings said on standard error): the
    remembered validation of these exact bytes, else a full load (remembered)."""
    from ingest.cli.common import read_config

    try:
        text = config_path.read_bytes()
    except OSError:
        text = None  # the full load says what is wrong, in its words
    if text is not None:
        found = _recall(config_path, text)
        if found is not None:
            for warning in found.warnings:
                click.echo(f"warning: {redact(warning)}", err=True)
            return found
    return ReadConfig.of(read_config(config_path, lenient=True))


def remember(config: Config, text: bytes, *, strict: bool) -> None:
    """Remember the validation of `text` (the bytes `config` was loaded from): what the
    read commands use, and the whole Config for the others. A strict load that succeeded
    gives what a lenient one would; a lenient one gives what a strict one would only if
    it said nothing (no feed left out), else only the read commands may use it."""
    from storage.lite import sqlite_path

    if sqlite_path(config.database_url) is None:
        return  # a server's URL may hold a password: never copied out of feeds.yaml
    full = config.model_dump(mode="json") if strict or not config.warnings else None
    entry = {
        "key": _key(config.path, text),
        "config": ReadConfig.of(config).to_json(),
        "full": full,
    }
    target = _cache_file(config.path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entry, out)
        os.replace(tmp, target)
    except OSError:
        pass  # no cache folder (a read-only home): every read command loads in full


def _recall(config_path: Path, text: bytes) -> ReadConfig | None:
    entry = _entry(config_path, text)
    try:
        return ReadConfig.from_json(entry["config"]) if entry else None
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: a miss


def recall_config(config_path: Path, text: bytes) -> Config | None:
    """The whole Config remembered for these bytes, if a load that any command may use
    remembered it (see remember). Validating its JSON form costs a few milliseconds
    where reading the YAML (ruamel's round-trip loader, which keeps the line numbers
    of error messages) costs 0.4 s for 500 feeds."""
    entry = _entry(config_path, text)
    if not entry or not entry.get("full"):
        return None
    from pydantic import ValidationError

    from ingest.config import Config

    try:
        return Config.model_validate(entry["full"])
    except (ValidationError, ValueError, TypeError):
        return None  # a format of another version: a miss


def _entry(config_path: Path, text: bytes) -> dict[str, Any] | None:
    path = config_path.absolute()
    try:
        entry = json.loads(_cache_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # absent or unreadable: a miss
    if not isinstance(entry, dict) or entry.get("key") != _key(path, text):
        return None
    return entry


def _key(path: Path, text: bytes) -> str:
    digest = hashlib.sha256(f"{_CACHE_FORMAT}\0{__version__}\0{path.absolute()}\0".encode())
    digest.update(text)
    return digest.hexdigest()


def _cache_file(path: Path) -> Path:
    base = os.environ.get(CACHE_ENV) or os.environ.get("XDG_CACHE_HOME")
    folder = Path(base) if base else Path.home() / ".cache"
    if not os.environ.get(CACHE_ENV):
        folder = folder / "news-ingest"
    name = hashlib.sha256(str(path.absolute()).encode()).hexdigest()[:32]
    return folder / "configs" / f"{name}.json"


# -- the store, read ------------------------------------------------------------------


class Reader(Protocol):
    """The reads of list/query/show: storage.lite.LiteReader, or StoreReader below.
    Articles and sources are ORM rows or their storage.lite look-alikes."""

    def __enter__(self) -> Reader: ...
    def __exit__(self, *exc: object) -> None: ...
    def render(self, article: Any) -> str: ...
    def path_of(self, article: Any) -> Path: ...
    def resolve(self, ref: str) -> Any: ...
    def sources(self, article_id: str) -> list[Any]: ...
    def sources_for(self, article_ids: Sequence[str]) -> dict[str, list[Any]]: ...
    def check_feeds(self, query: Query, configured: Sequence[str]) -> None: ...
    def run(self, query: Query) -> list[Any]: ...
    def count(self, query: Query) -> int: ...
    def iter_batches(self, query: Query) -> Iterator[list[Any]]: ...


def open_reader(config: ReadConfig) -> Reader:
    """The store of `config` for reading: through sqlite3 when it can, else the Store."""
    from storage.lite import open_lite

    lite = open_lite(config.database_url, config.store_dir, config.title_max_chars)
    if lite is not None:
        return lite
    from storage.store import Store

    store = Store(config.database_url, config.store_dir, title_max_chars=config.title_max_chars)
    return StoreReader(store)


class StoreReader:
    """The Reader of a Store (SQLAlchemy, any backend): storage.search's functions."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.close()

    def render(self, article: Any) -> str:
        return self.store.render(article)

    def path_of(self, article: Any) -> Path:
        return self.store.path_of(article)

    def resolve(self, ref: str) -> Any:
        return self.store.resolve(ref)

    def sources(self, article_id: str) -> list[Any]:
        return list(self.store.sources(article_id))

    def sources_for(self, article_ids: Sequence[str]) -> dict[str, list[Any]]:
        from storage.search import sources_for

        return dict(sources_for(self.store, article_ids))

    def check_feeds(self, query: Query, configured: Sequence[str]) -> None:
        from storage.search import check_feeds

        check_feeds(self.store, query, configured)

    def run(self, query: Query) -> list[Any]:
        from storage.search import run

        return list(run(self.store, query))

    def count(self, query: Query) -> int:
        from storage.search import count

        return count(self.store, query)

    def iter_batches(self, query: Query) -> Iterator[list[Any]]:
        from storage.search import iter_batches

        for batch in iter_batches(self.store, query):
            yield list(batch)
