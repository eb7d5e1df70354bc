"""What `ingest query` and `ingest export` print: filters from options, output formats.

Formats: `table` is for people (a rich table on a terminal, with the matching passage
and the total; tab-separated lines when piped); `json`, `jsonl`, `csv`, `paths` and
`text` are for programs and print every value in
full, never wrapped, cut or coloured, terminal or not. `text` prints each stored document
after a `==> PATH <==` header line (the convention of `head` and `tail` with several
files), documents separated by one blank line; `split_text_output` reads it back.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from ingest.cli.reading import Reader
    from storage.query import Query
    from storage.store import Store

T = TypeVar("T")
FORMATS = ("table", "json", "jsonl", "csv", "paths", "text")
CSV_COLUMNS = ("id", "published", "feed", "title", "url", "language", "path")
_HEADER_RE = re.compile(r"^==> (.+) <==\n", re.MULTILINE)


def write_results(
    store: Reader, query: Query, fmt: str, out: TextIO, terminal: Console | None = None
) -> int:
    """Print the matching articles in `fmt`; return how many. `terminal`: draw a table."""
    if fmt == "table" and terminal is not None:
        return _table(store, query, terminal)
    writers: dict[str, Callable[[Reader, Query, TextIO], int]] = {
        "table": _tsv,
        "json": _json,
        "jsonl": _jsonl,
        "csv": _csv,
        "paths": _paths,
        "text": _text,
    }
    return writers[fmt](store, query, out)


def _articles(store: Reader, query: Query) -> Iterator[Any]:
    for batch in store.iter_batches(query):
        yield from batch


def _records(store: Reader, query: Query) -> Iterator[dict[str, Any]]:
    """storage.export.iter_records, through the Reader."""
    from storage.export import record

    for batch in store.iter_batches(query):
        sources = store.sources_for([a.id for a in batch])
        for article in batch:
            yield record(article, sources[article.id])


def _table(store: Reader, query: Query, terminal: Console) -> int:
    from rich.table import Table

    from storage.query import snippet

    columns = ["date", "feed", "title", "id"] + (["match"] if query.text else [])
    table = Table(*columns)
    table.columns[3].no_wrap = True
    for a in _articles(store, query):
        row = [str(a.published_local.date()), a.feed, a.title, a.id]
        table.add_row(*row, *([snippet(a, query.text, 70)] if query.text else []))
    if table.row_count:
        terminal.print(table)
    return table.row_count


def _write_each(items: Iterable[T], out: TextIO, text: Callable[[T], str], sep: str = "") -> int:
    """Write `text(item)` for each item, `sep` between two; return how many."""
    n = 0
    for item in items:
        out.write((sep if n else "") + text(item))
        n += 1
    return n


def _tsv(store: Reader, query: Query, out: TextIO) -> int:
    def line(a: Any) -> str:
        return f"{a.published_local.date()}\t{a.feed}\t{a.title}\t{a.id}\n"

    return _write_each(_articles(store, query), out, line)


def _json(store: Reader, query: Query, out: TextIO) -> int:
    out.write("[")
    records = _records(store, query)
    n = _write_each(records, out, lambda r: "\n" + json.dumps(r, ensure_ascii=False, indent=2), ",")
    out.write("\n]\n" if n else "]\n")
    return n


def _jsonl(store: Reader, query: Query, out: TextIO) -> int:
    from storage.export import to_json_line

    return _write_each(_records(store, query), out, lambda r: to_json_line(r) + "\n")


def _csv(store: Reader, query: Query, out: TextIO) -> int:
    """RFC 4180 CSV with a header row, for spreadsheets and sqlite-utils/csvkit."""
    import csv

    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for a in _articles(store, query):
        published = a.published_local.isoformat()
        writer.writerow([a.id, published, a.feed, a.title, a.canonical_url, a.language or "",
                         str(store.path_of(a))])  # fmt: skip
        n += 1
    return n


def _paths(store: Reader, query: Query, out: TextIO) -> int:
    return _write_each(_articles(store, query), out, lambda a: f"{store.path_of(a)}\n")


def _text(store: Reader, query: Query, out: TextIO) -> int:
    def document(a: Any) -> str:
        return f"==> {store.path_of(a)} <==\n{store.render(a)}\n"

    return _write_each(_articles(store, query), out, document, sep="\n")


def split_text_output(output: str) -> list[tuple[str, str]]:
    """(path, document) pairs back from the `text` format."""
    parts = _HEADER_RE.split(output)
    if parts[0]:
        raise ValueError("text output must start with a '==> PATH <==' line")
    pairs = []
    for i in range(1, len(parts), 2):
        body = parts[i + 1]
        last = i + 2 >= len(parts)
        suffix = "\n" if last else "\n\n"
        if not body.endswith(suffix):
            raise ValueError(f"document {parts[i]} is not followed by {suffix!r}")
        pairs.append((parts[i], body[: -len(suffix)]))
    return pairs


def _bars(console: Console) -> Progress:
    """Progress bars as every command draws them (made only on a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


@contextmanager
def progress_bar(
    console: Console, total: int, description: str
) -> Iterator[Callable[[int], None] | None]:
    """A progress callback drawing a bar on a terminal; None when not a terminal."""
    if not console.is_terminal:
        yield None
        return
    with _bars(console) as progress:
        task = progress.add_task(description, total=total)
        yield lambda done: progress.advance(task, done)


@contextmanager
def poll_progress(
    console: Console | None, feeds: int
) -> Iterator[tuple[Callable[[object], None], Callable[[int, int], None]] | None]:
    """Two bars on a terminal, feeds and article pages (a first poll of one big feed
    moves too); None when not a terminal (or no console)."""
    if console is None or not console.is_terminal:
        yield None
        return
    with _bars(console) as progress:
        feed_task = progress.add_task("feeds", total=feeds)
        page_task = progress.add_task("article pages", total=0)

        def on_pages(more: int, done: int) -> None:
            if more:
                total = progress.tasks[page_task].total or 0
                progress.update(page_task, total=total + more)
            if done:
                progress.advance(page_task, done)

        yield (lambda _report: progress.advance(feed_task, 1)), on_pages


def run_export(store: Store, query: Query, fmt: str, folder: Path | None, console: Console) -> int:
    """`ingest export`: txt files under `folder`, or JSON lines to a file or stdout."""
    from storage.export import export_jsonl, export_txt
    from storage.search import count

    with progress_bar(console, count(store, query), "exporting") as advance:
        if fmt == "txt":
            assert folder is not None
            return export_txt(store, query, folder, advance)
        if folder is None:
            return export_jsonl(store, query, sys.stdout, advance)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "articles.jsonl", "w", encoding="utf-8", newline="\n") as out:
            return export_jsonl(store, query, out, advance)


@contextmanager
def stdout_closed_ok() -> Iterator[None]:
    """`ingest query ... | head` closes the pipe early: stop quietly, not with a traceback."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when flushing stdout at exit; point it at devnull.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
