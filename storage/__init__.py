"""Where data rests and how it is read back: the database, the document format, files.

`open_store(config)` gives the `Store` facade; `storage.document` is the pure text format.
"""

from storage.document import Document, parse, render
from storage.models import Article, ArticleSource, Feed, SkippedEntry
from storage.store import SaveResult, Store, open_store

__all__ = [
    "Article",
    "ArticleSource",
    "Document",
    "Feed",
    "SaveResult",
    "SkippedEntry",
    "Store",
    "open_store",
    "parse",
    "render",
]
