"""Helpers for the hostile-input and fault tests: feeds, article pages, the real program,
and the resident memory of its whole process tree (read from /proc, no dependency)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from tests.conftest import dump_yaml
from tests.site.server import RequestRecord, Response, SiteServer

REPO = Path(__file__).resolve().parents[1]
GIB = 1024**3
WORDS = (
    "council budget roads schools library river bridge harbour market festival museum "
    "railway station airport hospital clinic theatre stadium garden forest mountain valley "
    "village county mayor minister senator judge court police teachers nurses farmers "
    "weather storm flood drought harvest energy solar wind water prices wages taxes"
).split()


def article_html(n: int, title: str | None = None) -> str:
    """An article page with a body distinct for each n (so dedup keeps them apart)."""
    rng = random.Random(n)
    paras = [
        " ".join(rng.choice(WORDS) for _ in range(40)).capitalize() + f" Item {n}."
        for _ in range(4)
    ]
    body = "".join(f"<p>{p}</p>" for p in paras)
    title = title or f"Story number {n}"
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title></head><body><nav><a href='/'>Home</a></nav><article><h1>{escape(title)}"
        f"</h1>{body}</article><footer>Copyright</footer></body></html>"
    )


def serve_pages(site: SiteServer, path: str = "/page") -> None:
    """`path?n=N` answers article_html(N)."""

    def page(record: RequestRecord) -> Response:
        return Response.html(article_html(int(record.query.get("n", ["0"])[0])))

    site.route(path, page)


def item(
    title: str | None,
    link: str | None,
    guid: str | None = None,
    *,
    description: str | None = None,
    date: str | None = "Mon, 06 May 2024 10:00:00 +0000",
    raw: bool = False,
) -> str:
    """One RSS <item>; `raw` leaves title/description unescaped (entity tests)."""
    esc = (lambda v: v) if raw else escape
    parts = []
    if title is not None:
        parts.append(f"<title>{esc(title)}</title>")
    if link is not None:
        parts.append(f"<link>{escape(link)}</link>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{escape(guid)}</guid>')
    if description is not None:
        parts.append(f"<description>{esc(description)}</description>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def rss(items: list[str], title: str = "Feed", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}<rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.org/</link><description>d</description>"
        + "".join(items)
        + "</channel></rss>"
    )


def feeds_yaml(folder: Path, feeds: list[dict[str, Any]], **settings: Any) -> Path:
    """feeds.yaml in `folder`; loopback is allowed globally unless settings say otherwise."""
    merged: dict[str, Any] = {"allow_addresses": ["127.0.0.1/32"], "workers": 1}
    merged.update(settings)
    path = folder / "feeds.yaml"
    path.write_text(dump_yaml({"settings": merged, "feeds": feeds}), "utf-8")
    return path


def ingest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "ingest", *args]


def ingest_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("INGEST_CONFIG", None)
    return env


def run_ingest(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ingest_cmd(*args), cwd=cwd, env=ingest_env(), capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


# -- memory of a process tree ------------------------------------------------------------


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        kids += [int(c) for c in text.split()]
    return kids


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants, now."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_bytes(p)
        todo += _children(p)
    return total


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int = 0
    samples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def run_measured(*args: str, cwd: Path, timeout: float = 120) -> Run:
    """Run `ingest ARGS` and sample the resident memory of its whole tree while it runs."""
    proc = subprocess.Popen(
        ingest_cmd(*args), cwd=cwd, env=ingest_env(), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak, samples = 0, 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, samples
        while not done.wait(0.02):
            peak = max(peak, tree_rss(proc.pid))
            samples += 1

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
        if proc.poll() is None:
            proc.kill()
    return Run(proc.returncode, out, err, peak, samples)


@contextmanager
def site_with_pages() -> Iterator[SiteServer]:
    with SiteServer() as site:
        serve_pages(site)
        yield site
