"""What a new user trips over (issue 16, ../shared/reviews/new-user.md): each finding
fixed has a test here that failed before its fix. Numbers are the report's findings."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from ingest.cli import main
from tests.site.server import SiteServer

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "s3cret"


def ingest(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real program, output on pipes."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    full_env.pop("INGEST_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "ingest", *args], cwd=cwd, env=full_env, capture_output=True,
        text=True, timeout=180,
    )  # fmt: skip


def invoke(*args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(main, list(args), **kwargs)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def site() -> Iterator[SiteServer]:
    with SiteServer() as server:
        yield server


def site_config(folder: Path, site: SiteServer, *extra: str, **settings: Any) -> Path:
    lines = ["settings:", '  allow_addresses: ["127.0.0.1/32"]', "  workers: 1"]
    lines += [f"  {k}: {v}" for k, v in settings.items()]
    lines += [
        "feeds:",
        "  - name: italia",
        f"    url: {site.url('/feeds/it.xml')}",
        "  - name: tracking",
        f"    url: {site.url('/feeds/tracking.xml')}",
        *extra,
    ]
    path = folder / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


# -- 1, 2: no traceback for a bad log level or database URL -------------------------------


@pytest.mark.parametrize("command", ["poll", "run"])
def test_log_level_any_case_and_unknown_ones_refused_in_one_line(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "feeds.yaml").write_text("feeds: []\n", "utf-8")
    line = one_line_error(ingest(command, "--log-level", "loud", cwd=tmp_path))
    assert "--log-level" in line and "'loud'" in line and "DEBUG" in line
    if command == "poll":  # lower case is accepted: the error is the next one
        line = one_line_error(ingest("poll", "--log-level", "debug", cwd=tmp_path))
        assert "no enabled feeds" in line


def test_unsupported_database_scheme_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("settings:\n  database_url: mysql://x/y\n", "utf-8")
    line = one_line_error(ingest("list", cwd=tmp_path))
    assert "only sqlite:///PATH and postgresql://" in line


def test_missing_postgres_driver_names_the_extra(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        f"settings:\n  database_url: postgresql://nobody:{PASSWORD}@127.0.0.1:1/x\n", "utf-8"
    )
    # As without the [postgres] extra: the driver cannot be imported.
    code = "import sys; sys.modules['psycopg'] = None; from ingest.cli import main; main()"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", code, "list"], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    line = one_line_error(proc)
    assert "pip install 'news-ingest[postgres]'" in line
    assert PASSWORD not in proc.stdout + proc.stderr


# -- 4: the database password is never printed ------------------------------------------


def test_no_output_of_any_command_shows_the_database_password(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        f"settings:\n  database_url: postgresql://nobody:{PASSWORD}@127.0.0.1:1/x\n"
        "feeds:\n  - name: a\n    url: http://127.0.0.1:1/feed.xml\n",
        "utf-8",
    )
    commands = [
        ["poll"], ["poll", "-v"], ["list"], ["show", "abc"], ["query", "x"], ["status"],
        ["status", "--format", "json"], ["status", "--sites"], ["export", "--format", "jsonl"],
        ["prune", "--older-than", "90d"], ["feeds", "list"], ["run"], ["serve"],
    ]  # fmt: skip
    for args in commands:
        proc = ingest(*args, cwd=tmp_path)
        out = proc.stdout + proc.stderr
        assert PASSWORD not in out, (args, out)
        assert "Traceback" not in out, (args, out)
    from ingest.core.redact import redact

    assert redact(f"postgresql://u:{PASSWORD}@h/db x https://a:b@c/") == (
        "postgresql://u:***@h/db x https://a:***@c/"
    )


# -- 5, 13: what happened to each entry; max_age ------------------------------------------


def test_summary_tells_too_old_merged_and_seen_apart_and_max_age_removal_imports(
    tmp_path: Path, site: SiteServer
) -> None:
    config = site_config(tmp_path, site, max_age="7d")
    first = ingest("poll", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "articles: 0 new, 8 too old for max_age" in first.stdout
    assert "known" not in first.stdout
    # max_age removed: the feeds are fetched in full again (no 304) and the items come.
    config.write_text(config.read_text("utf-8").replace("  max_age: 7d\n", ""), "utf-8")
    second = ingest("poll", cwd=tmp_path)
    assert "articles: 6 new, 2 merged into stored stories (canonical_url=2)" in second.stdout
    third = ingest("poll", "-v", cwd=tmp_path)
    assert "2 not modified" in third.stdout
    # per entry at DEBUG, and the summary once (stdout only)
    assert third.stderr.count("polled 2 feeds") <= 1


def test_poll_on_a_terminal_shows_bars_and_warnings_only(tmp_path: Path, site: SiteServer) -> None:
    site_config(tmp_path, site, "  - name: broken", f"    url: {site.url('/nothing-here.xml')}")
    out = on_a_terminal("poll", cwd=tmp_path)
    assert "article pages" in out and "feeds" in out
    assert " INFO " not in out
    assert out.count("feed=broken") == 1 and " WARNING " in out
    assert out.count("polled 3 feeds") == 1


def test_a_failing_feed_is_a_warning_line_with_its_reason(tmp_path: Path, site: SiteServer) -> None:
    extra = ["  - name: broken", f"    url: {site.url('/nothing-here.xml')}"]
    site_config(tmp_path, site, *extra, log_level="WARNING")
    proc = ingest("poll", cwd=tmp_path)
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if "feed=broken" in ln]
    assert len(lines) == 1 and " WARNING " in lines[0] and "HTTP 404" in lines[0], proc.stderr
    assert "failed (broken)" in proc.stdout
    assert "failed:" not in proc.stderr  # said once
    quiet = ingest("poll", "-q", cwd=tmp_path)  # cron: errors only, and what failed
    assert "feed=italia" not in quiet.stderr
    assert "failed: broken" in quiet.stderr and quiet.returncode == 1


# -- 24: --config before or after the command -------------------------------------------


def test_config_before_or_after_the_command(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("feeds:\n  - name: a\n    url: http://e.org/f\n", "utf-8")
    for args in (["--config", str(tmp_path / "x.yaml"), "feeds", "list"],
                 ["feeds", "list", "--config", str(tmp_path / "x.yaml")]):  # fmt: skip
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "http://e.org/f" in result.output


# -- 3, 18: the interval that will be used; status piped, per feed, one word per state ---


def test_feeds_list_shows_the_rule_that_paces_each_feed(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - name: a\n    url: http://e.org/a\n  - name: b\n    url: http://e.org/b\n"
        "    interval: 15m\n",
        "utf-8",
    )
    out = invoke("feeds", "list", "--config", str(tmp_path / "feeds.yaml")).output
    assert "(default)" not in out
    assert "adaptive 5m-1d" in out.splitlines()[0] and "15m (its own interval)" in out


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory, site: SiteServer) -> Path:
    folder = tmp_path_factory.mktemp("polled")
    extra = ["  - name: broken", f"    url: {site.url('/nothing-here.xml')}",
             "  - name: later", f"    url: {site.url('/feeds/en.atom')}",
             "    enabled: false"]  # fmt: skip
    site_config(folder, site, *extra)
    ingest("poll", cwd=folder)
    return folder


def test_status_piped_is_plain_and_agrees_with_query(polled: Path) -> None:
    proc = ingest("status", cwd=polled)
    assert proc.returncode == 0, proc.stderr
    assert not set("┏┃━│╇┡") & set(proc.stdout), proc.stdout
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    assert "adaptive 5m-1d" in rows["italia"]
    # a feed's articles are those it was seen in, as for query --feed
    tracking = ingest("query", "--feed", "tracking", "--format", "paths", cwd=polled)
    assert len(tracking.stdout.splitlines()) == 2
    assert rows["tracking"].split()[-1] == "2" or " 2 " in rows["tracking"]
    totals = proc.stdout.strip().splitlines()[-1]
    assert "1 error" in totals and "1 disabled" in totals and "failing" not in totals
    assert "HTTPStatusError: HTTP 404" in rows["broken"]


def test_status_of_one_feed_and_of_an_unknown_one(polled: Path) -> None:
    one = ingest("status", "broken", cwd=polled)
    assert one.returncode == 0
    assert "state:" in one.stdout and "HTTP 404" in one.stdout and "error streak:   1" in one.stdout
    line = one_line_error(ingest("status", "nosuch", cwd=polled))
    assert "no feed named 'nosuch'" in line and "italia" in line


def test_status_sites_has_no_unnamed_column(polled: Path) -> None:
    header = ingest("status", "--sites", cwd=polled).stdout.splitlines()[0].split()
    assert header[-1] == "note"


def test_a_doubled_error_prefix_is_shown_once() -> None:
    from ingest.service.status import clean_error

    assert clean_error("FetchError: ConnectError: cannot resolve x") == (
        "ConnectError: cannot resolve x"
    )
    assert clean_error("HTTPStatusError: HTTP 404") == "HTTPStatusError: HTTP 404"


# -- 6, 8, 9, 17: one meaning of --feed and --limit; show takes what list shows -----------


def test_list_and_query_agree_on_a_feeds_articles_and_on_limits(polled: Path) -> None:
    listed = ingest("list", "--feed", "tracking", cwd=polled).stdout.splitlines()
    queried = ingest("query", "--feed", "tracking", "--format", "paths", cwd=polled)
    assert len(listed) == 2 and sorted(r.split("\t")[-1] for r in listed) == sorted(
        queried.stdout.splitlines()
    )
    everything = ingest("list", "--limit", "0", cwd=polled).stdout.splitlines()
    assert len(everything) == 6
    assert len(ingest("query", "--limit", "0", cwd=polled).stdout.splitlines()) == 6
    for command in ("list", "query"):
        assert "limit must be zero or more" in one_line_error(
            ingest(command, "--limit", "-5", cwd=polled)
        )


@pytest.mark.parametrize("command", ["list", "query", "export"])
def test_an_unknown_feed_name_is_an_error_naming_the_feeds(polled: Path, command: str) -> None:
    line = one_line_error(ingest(command, "--feed", "nosuch", cwd=polled))
    assert "no feed named 'nosuch'" in line and "italia, tracking" in line


def test_api_refuses_an_unknown_feed(polled: Path) -> None:
    from fastapi.testclient import TestClient

    from ingest.api import create_app
    from ingest.config import load_config

    with TestClient(create_app(load_config(polled / "feeds.yaml"))) as client:
        answer = client.get("/articles", params={"feed": "nosuch"})
        assert answer.status_code == 400 and "italia" in answer.json()["detail"]
        assert client.get("/articles", params={"feed": "tracking"}).json()["total"] == 2


def test_list_shows_the_id_and_show_takes_any_handle_byte_for_byte(polled: Path) -> None:
    row = ingest("list", "--limit", "1", cwd=polled).stdout.rstrip("\n").split("\t")
    article_id, path = row[3], Path(row[4])
    assert len(article_id) == 16 and path.is_file()
    seq = path.name.split("_")[0]
    for handle in (article_id, article_id[:6], seq, str(int(seq)), path.name, str(path)):
        shown = subprocess.run(
            [sys.executable, "-m", "ingest", "show", handle], cwd=polled, capture_output=True,
            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60,
        )  # fmt: skip
        assert shown.returncode == 0, (handle, shown.stderr)
        assert shown.stdout == path.read_bytes(), handle  # no newline added when piped
    line = one_line_error(ingest("show", "zz", cwd=polled))
    assert "first characters" in line and "sequence number" in line


def test_since_takes_a_duration_back_from_now(polled: Path) -> None:
    assert ingest("list", "--since", "7d", cwd=polled).stdout == ""  # the fixture is old
    assert len(ingest("list", "--since", "10000d", cwd=polled).stdout.splitlines()) == 6
    assert "duration back from now such as 7d" in one_line_error(
        ingest("query", "--since", "yesterday", cwd=polled)
    )


# -- 7, 20: OPML duplicates reported; wording ------------------------------------------


def test_opml_import_reports_a_url_listed_twice(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("feeds: []\n", "utf-8")
    (tmp_path / "subs.opml").write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="A" type="rss" xmlUrl="http://example.org/a.xml"/>'
        '<outline text="B" type="rss" xmlUrl="http://example.org/b.xml"/>'
        '<outline text="A" type="rss" xmlUrl="http://example.org/a.xml"/></body></opml>',
        "utf-8",
    )
    dry = ingest("feeds", "import", "subs.opml", "--dry-run", cwd=tmp_path)
    assert "skipped http://example.org/a.xml: listed 2 times" in dry.stdout
    assert dry.stdout.endswith("2 would be added (dry run: nothing written), 1 skipped\n")
    done = ingest("feeds", "import", "subs.opml", cwd=tmp_path)
    assert done.stdout.endswith("2 added, 1 skipped\n")
    exported = ingest("feeds", "export", "out.opml", cwd=tmp_path)
    assert exported.stderr == "wrote 2 feeds to out.opml\n"


# -- 10: config errors with a line, in words; read-only commands go on --------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("feeds:\n  - name: a\n    url: http://e.org/a\n  - name: a\n    url: http://e.org/b\n",
         "x.yaml:4: feed #2 field 'name': 'a' is used twice (feed #1, line 2, has it)"),
        ("feeds:\n  - http://e.org/a\n",
         "x.yaml:2: feed #1: expected a feed as 'name:' and 'url:' lines"),
        ("settings:\n  concurrency: many\n",
         "x.yaml:2: field 'settings.concurrency': expected a whole number, not 'many'"),
        ("settings:\n  concurency: 3\n", "did you mean 'concurrency'?"),
        ("feeds:\n  - name: a\n    url: http://e.org/a\n   tags: [x]\n",
         "x.yaml:4: invalid YAML: the indentation does not line up"),
        ("feeds:\n  - name: a\n    url: http://e.org/a\n    tags: [x, y\n",
         "x.yaml:4: invalid YAML: the file ends inside an unclosed bracket"),
    ],
)  # fmt: skip
def test_config_errors_have_a_line_and_say_what_to_change(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "x.yaml").write_text(text, "utf-8")
    result = invoke("poll", "--config", str(tmp_path / "x.yaml"))
    assert result.exit_code == 1
    assert expected in result.output, result.output
    assert "Input should be" not in result.output and "<block" not in result.output


def test_read_only_commands_warn_about_a_broken_feed_and_go_on(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - name: a\n    url: http://e.org/a\n  - name: b\n    url: http://E.org/a/\n"
        "  - name: c\n    url: http://e.org/c\n    interval: soon\n",
        "utf-8",
    )
    listed = ingest("feeds", "list", cwd=tmp_path)
    assert listed.returncode == 0
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["a", "b"]
    assert "feeds.yaml:8: feed #3 (c) field 'interval'" in listed.stderr
    assert "this feed is left out" in listed.stderr
    assert "feeds.yaml:5: feed #2 (b) has the same URL as 'a'" in listed.stderr
    assert ingest("list", cwd=tmp_path).returncode == 0
    assert "field 'interval'" in one_line_error(ingest("poll", cwd=tmp_path))


# -- 14: query syntax: -word, put*, snippet and total, csv ------------------------------


def test_query_takes_excluded_words_and_several_words_unquoted(polled: Path) -> None:
    alone = ingest("query", "-putin", cwd=polled)
    assert "No such option" not in alone.stderr
    assert "add a word to find" in one_line_error(alone)
    both = ingest("query", "putin", "-zelensky", "--feed", "italia", cwd=polled)
    assert both.returncode == 0, both.stderr
    assert "Putin" in both.stdout and len(both.stdout.splitlines()) == 1
    assert ingest("query", "--since", "-5", "x", cwd=polled).returncode != 0  # a value stays one
    prefix = ingest("query", "sciop*", "--format", "paths", cwd=polled)
    assert len(prefix.stdout.splitlines()) == 1


def test_query_csv_has_a_header_and_quotes_commas(polled: Path) -> None:
    import csv
    import io

    proc = ingest("query", "sciopero", "--format", "csv", cwd=polled)
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0] == ["id", "published", "feed", "title", "url", "language", "path"]
    assert len(rows) == 2 and "," in rows[1][3] and Path(rows[1][6]).is_file()


def on_a_terminal(*args: str, cwd: Path) -> str:
    """stdout and stderr of the real program on a pseudo-terminal."""
    import pty

    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "TERM": "xterm"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", *args], cwd=cwd, stdout=child_fd, stderr=child_fd,
        env=env,
    )  # fmt: skip
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    proc.wait(timeout=120)
    return b"".join(chunks).decode("utf-8")


def test_query_on_a_terminal_shows_the_match_and_the_total(polled: Path) -> None:
    out = on_a_terminal("query", "citta", "--limit", "1", cwd=polled)
    assert "match" in out and "città" in out
    assert "1 of 2 matching articles" in out and "--limit 0" in out


# -- 16: feeds add on a missing page names the URL and what was tried ---------------------


def test_feeds_add_of_a_missing_page_says_what_was_tried(tmp_path: Path, site: SiteServer) -> None:
    site_config(tmp_path, site)
    line = one_line_error(ingest("feeds", "add", site.url("/nothing-here"), cwd=tmp_path))
    assert site.url("/nothing-here") in line and "HTTP 404" in line
    assert "/feed, /rss" in line and "check the address" in line


# -- the conveniences: init, extract, prune, feeds enable/disable/check URL ---------------


def test_init_writes_a_commented_feeds_yaml_once(tmp_path: Path) -> None:
    assert "ingest init" in one_line_error(ingest("list", cwd=tmp_path))
    done = ingest("init", cwd=tmp_path)
    assert done.returncode == 0 and "ingest feeds add" in done.stdout
    text = (tmp_path / "feeds.yaml").read_text("utf-8")
    assert text.startswith("# news-ingest configuration")
    assert ingest("feeds", "list", cwd=tmp_path).returncode == 0  # valid as written
    (tmp_path / "feeds.yaml").write_text("# mine\nfeeds: []\n", "utf-8")
    assert "exists already" in one_line_error(ingest("init", cwd=tmp_path))
    assert (tmp_path / "feeds.yaml").read_text("utf-8") == "# mine\nfeeds: []\n"


def test_extract_prints_the_document_it_would_store_and_stores_nothing(
    tmp_path: Path, site: SiteServer
) -> None:
    site_config(tmp_path, site)
    url = site.url("/articles/putin-madri-soldati.html")
    done = ingest("extract", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    sample = (REPO / "tests/data/sample/000_2c2a5702b678812c.txt").read_text("utf-8")
    assert done.stdout.startswith(" date 2022-11 Vladimir Putin parla alle madri")
    assert done.stdout.rstrip("\n").splitlines()[2] == sample.splitlines()[2]  # the lead
    assert not (tmp_path / "store").exists()
    line = one_line_error(ingest("extract", site.url("/nope.html"), cwd=tmp_path))
    assert site.url("/nope.html") in line and "HTTP 404" in line
    refused = one_line_error(ingest("extract", url, "--config", str(REPO / "feeds.yaml"),
                                    cwd=tmp_path))  # fmt: skip
    assert "loopback" in refused  # the same guards as a poll


def test_prune_removes_rows_and_files_and_they_do_not_come_back(
    tmp_path: Path, site: SiteServer
) -> None:
    import sqlite3

    site_config(tmp_path, site)
    ingest("poll", cwd=tmp_path)
    files = sorted((tmp_path / "store" / "articles").rglob("*.txt"))
    assert len(files) == 6
    dry = ingest("prune", "--older-than", "1000d", "--dry-run", cwd=tmp_path)
    assert dry.stdout.startswith("would remove ")
    would = int(dry.stdout.split()[2])
    assert 0 < would < 6 and sorted((tmp_path / "store" / "articles").rglob("*.txt")) == files
    done = ingest("prune", "--older-than", "1000d", cwd=tmp_path)
    assert done.stdout.startswith(f"removed {would} articles published before ")
    left = sorted((tmp_path / "store" / "articles").rglob("*.txt"))
    assert len(left) == 6 - would
    assert len(ingest("list", "--limit", "0", cwd=tmp_path).stdout.splitlines()) == 6 - would
    with sqlite3.connect(tmp_path / "store" / "ingest.db") as db:  # forget the ETags
        db.execute("UPDATE feeds SET etag = NULL, last_modified = NULL")
    again = ingest("poll", cwd=tmp_path)
    assert "articles: 0 new" in again.stdout, again.stdout
    assert "--older-than" in one_line_error(ingest("prune", "--older-than", "soon", cwd=tmp_path))


def test_feeds_disable_enable_keep_the_file(tmp_path: Path) -> None:
    text = "# top\nfeeds:\n  # first\n  - name: a\n    url: http://e.org/a  # keep\n    tags: [x]\n"
    (tmp_path / "feeds.yaml").write_text(text, "utf-8")
    assert ingest("feeds", "disable", "a", cwd=tmp_path).stdout.startswith("disabled a")
    assert (tmp_path / "feeds.yaml").read_text("utf-8") == text.replace(
        "# keep\n", "# keep\n    enabled: false\n"
    )
    assert "disabled already" in ingest("feeds", "disable", "a", cwd=tmp_path).stdout
    ingest("feeds", "enable", "a", cwd=tmp_path)
    assert "enabled: true" in (tmp_path / "feeds.yaml").read_text("utf-8")
    assert "no feed named 'b'" in one_line_error(ingest("feeds", "enable", "b", cwd=tmp_path))


def test_feeds_check_takes_a_url_before_adding(tmp_path: Path, site: SiteServer) -> None:
    site_config(tmp_path, site)
    before = (tmp_path / "feeds.yaml").read_text("utf-8")
    done = ingest("feeds", "check", site.url("/feeds/en.atom"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert ": ok " in done.stdout and "atom10, 4 items" in done.stdout
    assert (tmp_path / "feeds.yaml").read_text("utf-8") == before


# -- 21: the API's docs work offline; a port of its own ----------------------------------


def test_api_docs_page_is_self_contained(polled: Path) -> None:
    from fastapi.testclient import TestClient

    from ingest.api import DEFAULT_PORT, create_app
    from ingest.config import load_config

    with TestClient(create_app(load_config(polled / "feeds.yaml"))) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "/articles" in page.text
        assert "http" not in page.text.replace("/openapi.json", "")  # no outside assets
        assert client.get("/", follow_redirects=False).headers["location"] == "/docs"
    assert DEFAULT_PORT not in (8000, 8080, 8765)
    assert f"default: {DEFAULT_PORT}" in invoke("serve", "--help").output


# -- every error one line; commands in workflow order ------------------------------------


def test_usage_errors_are_one_line_too(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("feeds: []\n", "utf-8")
    for args in (["nosuch"], ["list", "--limit", "x"], ["status", "--days", "-1"],
                 ["query", "--format", "xml", "x"]):  # fmt: skip
        proc = ingest(*args, cwd=tmp_path)
        assert proc.returncode == 2
        line = one_line_error(proc)
        assert line.endswith("--help)"), line
    top = ingest("--help", cwd=tmp_path).stdout
    assert (
        top.index("  init ") < top.index("  feeds ") < top.index("  poll ") < top.index("  list ")
    )


def test_show_json_has_text_source(polled: Path) -> None:
    import json

    data = json.loads(ingest("show", "0", "--json", cwd=polled).stdout)
    assert data["text_source"] in ("page", "feed")


# -- 25: feeds remove takes the feed's own comment along ----------------------------------


def test_feeds_remove_takes_the_comment_above_the_feed(tmp_path: Path) -> None:
    text = ("feeds:\n  # Italian\n  - name: italia\n    url: http://a.example/\n"
            "  # English\n  - name: english\n    url: http://b.example/\n")  # fmt: skip
    (tmp_path / "feeds.yaml").write_text(text, "utf-8")
    assert ingest("feeds", "remove", "italia", cwd=tmp_path).returncode == 0
    assert (tmp_path / "feeds.yaml").read_text("utf-8") == (
        "feeds:\n  # English\n  - name: english\n    url: http://b.example/\n"
    )


def test_an_unwritable_export_folder_is_one_line(polled: Path) -> None:
    line = one_line_error(ingest("export", "--format", "jsonl", "/proc/no-such-dir", cwd=polled))
    assert "/proc/no-such-dir" in line
