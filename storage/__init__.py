"""Where data rests and how it is read back: the database, the document format, files.

`Store` is the facade (`ingest.pipeline.open_store` opens a config's); `storage.document`
is the pure text format.
The names below are imported on first use: `storage.document` alone (used by extraction
workers) must not load SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.document import Document, parse, render
    from storage.models import Article, ArticleSource, Feed, SkippedEntry
    from storage.store import Store

_HOMES = {
    "Document": "storage.document",
    "parse": "storage.document",
    "render": "storage.document",
    "Article": "storage.models",
    "ArticleSource": "storage.models",
    "Feed": "storage.models",
    "SkippedEntry": "storage.models",
    "Store": "storage.store",
}

__all__ = [
    "Article",
    "ArticleSource",
    "Document",
    "Feed",
    "SkippedEntry",
    "Store",
    "parse",
    "render",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
