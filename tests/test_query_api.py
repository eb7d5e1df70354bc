"""`ingest query` formats, `ingest export`, and the HTTP API, on a SQLite store filled
by the real pipeline (see search_fixture)."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from search_fixture import ALL, CAFE_EN, PUTIN_EN, PUTIN_IT, FilledStore, filled_store

from ingest.api import create_app, prefers_text
from ingest.cli import main
from ingest.cli.output import split_text_output
from storage import document

RECORD_KEYS = {
    "id", "url", "feed", "sources", "title", "lead", "paragraphs", "published",
    "date_inferred", "fetched_at", "updated_at", "language", "text_source", "path",
}  # fmt: skip
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FilledStore]:
    with filled_store(tmp_path_factory.mktemp("store"), "sqlite") as env:
        yield env


def cli(env: FilledStore, *args: str, **kwargs: object) -> Result:
    return CliRunner().invoke(main, [*args, "--config", str(env.config_path)], **kwargs)  # type: ignore[arg-type]


def store_files(env: FilledStore) -> dict[str, bytes]:
    base = env.root / "articles"
    return {str(p.relative_to(base)): p.read_bytes() for p in base.rglob("*.txt")}


# -- query formats ---------------------------------------------------------------------


def test_table_piped_is_one_tab_separated_line_per_article(filled: FilledStore) -> None:
    result = cli(filled, "query", "putin", "--since", "2022-11-01")
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("2022-11-27", "wire", PUTIN_EN), ("2022-11-25", "gazzetta", PUTIN_IT)]  # fmt: skip
    assert all(re.fullmatch(r"[0-9a-f]{16}", r[3]) for r in rows)


def test_json_and_jsonl_parse_and_carry_full_records(filled: FilledStore) -> None:
    as_json = json.loads(cli(filled, "query", "putin", "--format", "json").output)
    lines = cli(filled, "query", "putin", "--format", "jsonl").output.splitlines()
    as_jsonl = [json.loads(line) for line in lines]
    assert as_json == as_jsonl
    assert {r["title"] for r in as_json} == {PUTIN_IT, PUTIN_EN}
    for rec in as_json:
        assert set(rec) == RECORD_KEYS
        assert ISO_WITH_OFFSET.match(rec["published"]), rec["published"]
        assert rec["paragraphs"] and all(isinstance(p, str) for p in rec["paragraphs"])
    shared = next(r for r in as_json if r["title"] == PUTIN_IT)
    assert shared["published"] == "2022-11-25T18:30:00+01:00"
    assert [s["feed"] for s in shared["sources"]] == ["gazzetta", "wire"]
    assert shared["url"].endswith("/it/putin-madri.html")
    assert json.loads(cli(filled, "query", "zanzibar", "--format", "json").output) == []


def test_paths_are_absolute_store_files(filled: FilledStore) -> None:
    paths = cli(filled, "query", "--format", "paths", "--limit", "0").output.splitlines()
    assert len(paths) == len(ALL)
    for path in map(Path, paths):
        assert path.is_absolute() and path.is_file()
        assert path.is_relative_to(filled.root / "articles")


def test_text_splits_back_into_the_stored_documents(filled: FilledStore) -> None:
    output = cli(filled, "query", "--format", "text", "--limit", "0").output
    pairs = split_text_output(output)
    assert len(pairs) == len(ALL)
    for path, text in pairs:
        assert Path(path).read_text(encoding="utf-8") == text
        assert document.render(document.parse(text)) == text  # the sample format


def test_machine_formats_are_never_wrapped_or_coloured_even_on_a_narrow_terminal(
    filled: FilledStore,
) -> None:
    # A real pseudo-terminal, 20 columns wide: the machine formats must not care.
    env = {**os.environ, "COLUMNS": "20", "FORCE_COLOR": "1", "TERM": "xterm-256color"}
    output = _run_on_a_terminal(
        [sys.executable, "-m", "ingest", "query", "putin", "--format", "jsonl",
         "--config", str(filled.config_path)], env)  # fmt: skip
    assert "\x1b[" not in output
    records = [json.loads(line) for line in output.splitlines()]
    assert {r["title"] for r in records} == {PUTIN_IT, PUTIN_EN}
    assert all(len(p) > 20 for r in records for p in r["paragraphs"])


def _run_on_a_terminal(argv: list[str], env: dict[str, str]) -> str:
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(argv, stdout=child_fd, stderr=subprocess.DEVNULL, env=env)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    assert proc.wait(timeout=60) == 0
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_cli_reports_bad_input_without_a_traceback(filled: FilledStore) -> None:
    for args, message in [
        (["query", '"madri dei'], "Error: unclosed double quote"),
        (["query", "--since", "yesterday"], "Error: since: expected a date"),
        (["query", "--tag", "sport"], "Error: no feed has the tag 'sport'"),
        (["export", "--format", "txt"], "give the DIR"),
    ]:
        result = cli(filled, *args)
        assert result.exit_code in (1, 2), result.output
        assert message in result.output
        assert "Traceback" not in result.output


def test_every_new_command_has_help() -> None:
    for command in ("query", "export", "serve"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output


# -- export ----------------------------------------------------------------------------------


def test_export_txt_rebuilds_the_store_files_byte_for_byte(
    filled: FilledStore, tmp_path: Path
) -> None:
    originals = store_files(filled)
    assert len(originals) == len(ALL)
    # Move the store's files away: what comes out can only come from the database.
    articles, aside = filled.root / "articles", filled.root / "articles.aside"
    articles.rename(aside)
    try:
        result = cli(filled, "export", str(tmp_path / "out"))
    finally:
        shutil.rmtree(articles, ignore_errors=True)
        aside.rename(articles)
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    exported = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*.txt")}
    assert exported == originals
    assert not list(out.rglob(".*"))  # no temporary files left behind


def test_export_applies_the_filters(filled: FilledStore, tmp_path: Path) -> None:
    result = cli(filled, "export", str(tmp_path), "--feed", "wire", "-q", "putin")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.rglob("*.txt"))
    wanted = {f for f, data in store_files(filled).items() if b"Putin" in data.split(b"\n")[0]}
    assert names == sorted(Path(f).name for f in wanted)
    assert len(names) == 2


def test_export_jsonl_to_stdout_and_to_a_folder(filled: FilledStore, tmp_path: Path) -> None:
    lines = cli(filled, "export", "--lang", "en").output.splitlines()
    records = [json.loads(line) for line in lines]
    assert {r["title"] for r in records} == {PUTIN_EN, CAFE_EN}
    assert all(set(r) == RECORD_KEYS for r in records)
    result = cli(filled, "export", str(tmp_path), "--format", "jsonl")
    assert result.exit_code == 0, result.output
    written = (tmp_path / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["id"] for line in written} == {
        json.loads(line)["id"] for line in cli(filled, "export").output.splitlines()}  # fmt: skip
    assert len(written) == len(ALL)


# -- HTTP API --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(filled: FilledStore) -> Iterator[TestClient]:
    with TestClient(create_app(filled.config, filled.store)) as client:
        yield client


def test_api_articles_are_the_same_as_the_cli_query(filled: FilledStore, api: TestClient
                                                    ) -> None:  # fmt: skip
    response = api.get("/articles", params={"q": "putin", "since": "2022-11-01"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    page = response.json()
    cli_ids = [
        json.loads(line)["id"]
        for line in cli(
            filled, "query", "putin", "--since", "2022-11-01", "--format", "jsonl"
        ).output.splitlines()
    ]
    assert [item["id"] for item in page["items"]] == cli_ids
    assert page["total"] == 2 and page["next_offset"] is None
    assert all(set(item) == RECORD_KEYS for item in page["items"])


def test_api_filters_and_pagination(api: TestClient) -> None:
    def titles(**params: object) -> list[str]:
        response = api.get("/articles", params=params)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert set(titles(feed="wire", lang="en")) == {PUTIN_EN, CAFE_EN}
    assert set(titles(q="putin", feed="wire")) == {PUTIN_EN, PUTIN_IT}
    assert len(titles(tag="italia")) == 3
    assert titles(q='"madri dei soldati"') == [PUTIN_IT]
    first = api.get("/articles", params={"limit": 2}).json()
    assert (first["total"], first["next_offset"], len(first["items"])) == (5, 2, 2)
    last = api.get("/articles", params={"limit": 2, "offset": 4}).json()
    assert (last["next_offset"], len(last["items"])) == (None, 1)


def test_api_one_article_as_json_or_as_the_stored_bytes(filled: FilledStore, api: TestClient
                                                        ) -> None:  # fmt: skip
    item = api.get("/articles", params={"q": "caffe"}).json()["items"][0]
    as_json = api.get(f"/articles/{item['id']}")
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json() == item
    as_text = api.get(f"/articles/{item['id']}", headers={"Accept": "text/plain"})
    assert as_text.status_code == 200
    assert as_text.headers["content-type"] == "text/plain; charset=utf-8"
    assert as_text.content == (filled.root / item["path"]).read_bytes()


def test_api_errors_are_4xx_with_a_message(api: TestClient) -> None:
    cases = [
        ("/articles/0000000000000000", 404, "no article with id"),
        ("/articles?since=yesterday", 400, "since: expected a date"),
        ('/articles?q="unclosed', 400, "unclosed double quote"),
        ("/articles?tag=sport", 400, "no feed has the tag"),
        ("/articles?sort=relevance", 400, "needs a search text"),
        ("/articles?limit=0", 422, "greater than or equal to 1"),
        ("/articles?limit=many", 422, "valid integer"),
        ("/articles?sort=random", 422, "relevance"),
    ]
    for url, status, message in cases:
        response = api.get(url)
        assert response.status_code == status, (url, response.text)
        assert response.headers["content-type"] == "application/json"
        assert message in json.dumps(response.json()["detail"]), (url, response.text)
    assert api.post("/articles").status_code == 405  # read-only
    assert api.delete("/articles/0000000000000000").status_code == 405


def test_api_feeds_have_their_status(api: TestClient) -> None:
    response = api.get("/feeds")
    assert response.status_code == 200
    feeds = {f["name"]: f for f in response.json()}
    assert set(feeds) == {"gazzetta", "wire"}
    assert feeds["gazzetta"]["last_status"] == "ok"
    assert feeds["wire"]["tags"] == ["world", "news"]
    assert feeds["gazzetta"]["articles"] == 3


def test_api_publishes_its_openapi_document(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    assert {"/articles", "/articles/{article_id}", "/feeds"} <= set(spec["paths"])
    assert set(spec["paths"]["/articles"]) == {"get"}


def test_accept_header_negotiation() -> None:
    assert prefers_text("text/plain")
    assert prefers_text("text/plain, application/json;q=0.5")
    assert not prefers_text("")
    assert not prefers_text("*/*")
    assert not prefers_text("application/json, text/plain;q=0.9")
    assert not prefers_text("text/plain;q=0")
    assert not prefers_text("text/html")


def test_ingest_serve_answers_on_loopback(filled: FilledStore) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", "serve", "--port", str(port),
         "--config", str(filled.config_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        response = _wait_for(f"{base}/articles?q=citta", proc)
        assert response.status_code == 200
        assert {i["title"] for i in response.json()["items"]} >= {PUTIN_IT}
        one = response.json()["items"][0]
        text = httpx.get(f"{base}/articles/{one['id']}", headers={"Accept": "text/plain"})
        assert text.content == (filled.root / one["path"]).read_bytes()
        assert httpx.get(f"{base}/articles/nope").status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in stderr.decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> httpx.Response:
    """The first answer from a server that is starting (not a timing assertion)."""
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"ingest serve exited: {stderr}")
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
