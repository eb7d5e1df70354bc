"""The store on real SQLite and PostgreSQL: rows, sources, sequence numbers, files, repair."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import event

from ingest.core import dedup
from ingest.core.types import ArticleDraft
from ingest.pipeline.deduplicate import save_article
from storage import document
from storage.store import Store
from storage.writes import mark_unwritten

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def draft(n: int, url: str | None = None, feed: str = "f", key: str | None = None) -> ArticleDraft:
    return ArticleDraft(
        canonical_url=url or f"https://site.example/{n}",
        url=url or f"https://site.example/{n}",
        title=f"Title {n}",
        lead=f"Lead {n}.",
        paragraphs=(f"Body of article {n}.", "Second paragraph."),
        published=datetime(2022, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        date_inferred=False,
        language="en",
        text_source="page",
        feed_name=feed,
        entry_key=key or f"key-{n}",
        guid=None,
    )


def test_save_writes_row_source_and_file(store: Store) -> None:
    result = save_article(store, draft(1), NOW)
    assert result.created and result.path == f"articles/2022-11/000_{result.article_id}.txt"
    article = store.get(result.article_id)
    assert article is not None and unwritten(store) == []
    text = (store.root / result.path).read_text("utf-8")
    assert text == " date 2022-11 Title 1\n\nLead 1.\n\nBody of article 1.\n\nSecond paragraph."
    assert document.render(document.parse(text)) == text
    # the publisher's month (November at -05:00), although it is December in UTC
    assert article.published_local.isoformat() == "2022-11-30T23:30:00-05:00"
    assert [s.feed for s in store.sources(result.article_id)] == ["f"]


def test_same_url_or_same_content_is_another_source(store: Store) -> None:
    first = save_article(store, draft(1), NOW)
    again = save_article(store, draft(1, feed="g", key="other"), NOW)
    assert (again.created, again.reason, again.article_id) == (
        False,
        "known:canonical_url",
        first.article_id,
    )
    copy = draft(1, url="https://mirror.example/copy", feed="h", key="k3")
    same_text = save_article(store, copy, NOW)
    assert (same_text.created, same_text.reason) == (False, "known:exact")
    assert sorted(s.feed for s in store.sources(first.article_id)) == ["f", "g", "h"]
    assert store.count_articles() == 1


def unwritten(store: Store) -> list[str]:
    """The ids of the articles marked unwritten."""
    with store._write("test") as s:  # noqa: SLF001
        return [r[0] for r in s.connection().exec_driver_sql("SELECT * FROM unwritten_files")]


def forbid_article_updates(store: Store) -> None:
    """A trigger that fails any UPDATE of an article row."""
    with store._write("test") as s:  # noqa: SLF001
        conn = s.connection()
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "CREATE FUNCTION no_update() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'an article row was updated'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER no_update BEFORE UPDATE ON articles "
                "FOR EACH ROW EXECUTE FUNCTION no_update()"
            )
        else:
            conn.exec_driver_sql(
                "CREATE TRIGGER no_update BEFORE UPDATE ON articles "
                "BEGIN SELECT RAISE(ABORT, 'an article row was updated'); END"
            )


def test_an_article_row_is_not_updated_once_stored(store: Store) -> None:
    """Its file written, the article is unmarked (revision 0003), its row left alone: on
    PostgreSQL an UPDATE of the row, even of one flag, re-indexed the whole article."""
    forbid_article_updates(store)
    result = save_article(store, draft(1), NOW)
    assert result.created and (store.root / str(result.path)).is_file()
    assert unwritten(store) == []
    assert store.repair_files() == 0


def test_storing_an_article_on_postgresql_is_no_statement_per_band(
    pg_url: str, tmp_path: Path
) -> None:
    """Band keys and site paragraphs go as arrays, one statement each: an executemany is
    one statement per row on the server (75 an article), each with its own overhead.
    (SQLite runs executemany in-process, and keeps it.)"""
    store = Store(pg_url, tmp_path / "store")
    many: list[str] = []

    def spy(conn: Any, cursor: Any, sql: str, params: Any, context: Any, executemany: bool) -> None:
        if executemany:
            many.append(sql)

    event.listen(store.engine, "before_cursor_execute", spy)
    shorts = tuple(f"Short paragraph number {i}." for i in range(12))
    bodies = [
        (*shorts, " ".join(f"{word}{n}" for n in range(60))) for word in ("alpha", "omega")
    ]  # 12 short paragraphs the site's memory counts, a long one of each article's own
    saved = [
        save_article(store, replace(draft(n), paragraphs=p), NOW) for n, p in enumerate(bodies)
    ]
    event.remove(store.engine, "before_cursor_execute", spy)
    assert [r.created for r in saved] == [True, True] and many == []
    with store._write("test") as s:  # noqa: SLF001
        conn = s.connection()
        bands = conn.exec_driver_sql("SELECT article_id, count(*) FROM article_bands GROUP BY 1")
        counts = conn.exec_driver_sql("SELECT articles, count(*) FROM site_paragraphs GROUP BY 1")
        assert dict(bands.all()) == {
            r.article_id: len(set(dedup.fingerprint(b).bands))
            for r, b in zip(saved, bodies, strict=True)
        }
        assert dict(counts.all()) == {2: 12}
    store.close()


def test_sequence_numbers_and_known_entries(store: Store) -> None:
    ids = [save_article(store, draft(n), NOW).article_id for n in range(12)]
    seqs = sorted(a.seq for a in (store.get(i) for i in ids) if a)
    assert seqs == list(range(12))
    assert store.known_entries("f", ["key-3", "key-99"]) == {"key-3"}
    store.record_skip("f", "key-404", "https://x/404", "page:http_404", "HTTP 404", True, NOW)
    store.record_skip("f", "key-503", "https://x/503", "page:http_503", "HTTP 503", False, NOW)
    assert store.known_entries("f", ["key-404", "key-503"]) == {"key-404"}


def test_find_urls_answers_stored_urls_only_in_chunks(store: Store) -> None:
    """The per-entry URL lookup (a statement built once, one IN list per chunk of 500)."""
    ids = {draft(n).canonical_url: save_article(store, draft(n), NOW).article_id for n in range(3)}
    asked = [f"https://site.example/{n}" for n in range(1200)] + ["https://site.example/1"]
    assert store.find_urls(asked) == ids
    assert store.find_urls(["https://site.example/2"]) == {
        "https://site.example/2": ids["https://site.example/2"]
    }
    assert store.find_urls([]) == {}


def test_missing_and_unwritten_files_are_repaired(store: Store) -> None:
    a = save_article(store, draft(1), NOW)
    b = save_article(store, draft(2), NOW)
    path_a = store.root / str(a.path)
    expected = path_a.read_text("utf-8")
    path_a.unlink()
    # a crash between commit and file write leaves the file marked unwritten
    with store._write("test") as s:  # noqa: SLF001
        mark_unwritten(s, [b.article_id])
    (store.root / str(b.path)).unlink()
    # the start of every pass looks at flagged rows only: its cost does not grow with
    # the store; a file removed by hand is found by a pass that checks them all
    assert store.repair_files() == 1
    assert (store.root / str(b.path)).is_file()
    assert not path_a.exists()
    assert store.repair_files(check_all=True) == 1
    assert path_a.read_text("utf-8") == expected
    assert store.repair_files() == 0
    # a file edited by hand is only noticed (and restored) by a verifying pass
    path_a.write_text("tampered", "utf-8")
    assert store.repair_files() == 0
    assert store.repair_files(verify=True) == 1
    assert path_a.read_text("utf-8") == expected


def _save_many(url: str, root: str, start: int) -> None:
    s = Store(url, Path(root))
    for n in range(start, start + 20):
        save_article(s, draft(n % 25), NOW)
    s.close()


def test_two_processes_store_no_duplicates(store: Store) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_save_many, args=(url, str(store.root), i * 5)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert store.count_articles() == 25
    files = sorted((store.root / "articles").rglob("*.txt"))
    assert len(files) == 25
    assert sorted(int(f.name[:3]) for f in files) == list(range(25))
