"""`ingest reextract`: stored articles brought to the current rules (here a feed's new
`extract:` override) in place: same id and file, the database first; a page that fails
keeps its stored text. The real program against a real site and store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.hostile_site import feeds_yaml, item, rss, run_ingest
from tests.site.server import Response, SiteServer
from tests.test_extract_overrides import AD, STORY, page


def test_reextract_applies_new_rules_in_place_and_keeps_what_it_cannot_fetch(
    tmp_path: Path,
) -> None:
    with SiteServer() as site:
        site.route("/story", Response.html(page()))
        site.route("/other", Response.html(page().replace("Night train", "Day train")))
        items = [item("Night train", site.url("/story"), "g1"),
                 item("Day train", site.url("/other"), "g2")]  # fmt: skip
        headers = {"Content-Type": "application/rss+xml"}
        site.route("/feed.xml", Response(200, rss(items).encode(), headers))
        feed = {"name": "f", "url": site.url("/feed.xml"), "dedup": False}
        feeds_yaml(tmp_path, [feed], workers=2)
        assert run_ingest("poll", cwd=tmp_path).returncode == 0
        db = tmp_path / "store" / "ingest.db"
        with sqlite3.connect(db) as conn:
            before = dict(conn.execute("SELECT url, id || ' ' || path FROM articles"))
        files = sorted((tmp_path / "store").rglob("*.txt"))
        assert len(files) == 2 and all(AD in f.read_text("utf-8") for f in files)

        site.route("/other", Response(404, b"gone"))  # this one cannot be fetched now
        feeds_yaml(tmp_path, [{**feed, "extract": {"drop": [".note"]}}], workers=2)
        run = run_ingest("reextract", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    assert "re-extracted 2 articles: 1 changed, 0 unchanged, 1 kept as they were" in run.stdout
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("SELECT url, id || ' ' || path FROM articles"))
        bodies = dict(conn.execute("SELECT url, body FROM articles"))
    assert after == before  # same ids, same paths
    story, other = site.url("/story"), site.url("/other")
    assert AD not in bodies[story] and STORY[-1] in bodies[story]
    assert AD in bodies[other]
    texts = {f.read_text("utf-8") for f in sorted((tmp_path / "store").rglob("*.txt"))}
    assert sum(AD in t for t in texts) == 1  # the files follow the database
