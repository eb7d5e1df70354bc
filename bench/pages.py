"""Article page templates for the feed farm: real news pages, or generated ones.

Every article URL of the farm reuses one of a few dozen templates, but each served body is
made a distinct story: every word of five letters or more in the page's text gets a suffix
of four letters unique to the article ("government" -> "governmentbqxa"), so every
3-word shingle differs between two articles of one template and near-duplicate detection
(ingest/core/dedup.py) sees unrelated stories, as in a real poll. A marker word (`benchf12i7`)
also goes into the template's longest paragraph, to count articles in a tool's output.
Without this, content deduplication would fold thousands of articles into a few dozen.

Templates come from `/work/shared/devdata/pages/*.html.gz` (real pages of 30-150 KB, the
same corpus the extraction work uses) when present; otherwise, or with `--synthetic`, they
are generated from a seed, with a realistic shape (navigation, article, sidebars, footer).
"""

from __future__ import annotations

import gzip
import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

DEVDATA_PAGES = Path("/work/shared/devdata/pages")
MIN_BYTES, MAX_BYTES = 30_000, 150_000
_P_RE = re.compile(rb"<p\b[^>]*>(.*?)</p\s*>", re.I | re.S)
_TAG_RE = re.compile(rb"<[^>]+>")


def marker(feed: int, item: int) -> str:
    """The word that makes one article's body unique (alphanumeric: survives tokenizers)."""
    return f"benchf{feed}i{item}"


_SPLIT_TAGS_RE = re.compile(r"(<[^>]*>)")
_LONG_WORD_END_RE = re.compile(r"(?<=\w{5})(?!\w)")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def suffix(index: int) -> str:
    """Four letters unique to an article number below 26**4."""
    out = ""
    for _ in range(4):
        index, digit = divmod(index, 26)
        out += _ALPHABET[digit]
    return out


@dataclass(frozen=True)
class Template:
    """A page split after every long word of its text, and cut where the marker goes.

    `body` is then one str.join per half: the farm makes each page in well under a
    millisecond and spends its CPU on gzip alone (see the farm's CPU column).
    """

    name: str
    head: tuple[str, ...]  # chunks before the marker; the suffix goes between chunks
    tail: tuple[str, ...]

    def body(self, word: str, index: int = 0) -> bytes:
        sfx = suffix(index)
        text = sfx.join(self.head) + " " + word + sfx.join(self.tail)
        return text.encode("utf-8", "surrogateescape")

    def gzip_body(self, word: str, index: int = 0) -> bytes:
        return gzip_fast(self.body(word, index))


def gzip_fast(data: bytes) -> bytes:
    z = zlib.compressobj(1, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    return z.compress(data) + z.flush()


def _split_words(html: str) -> list[str]:
    """Chunks of `html` that end after each word of 5+ letters in text (not in tags)."""
    chunks, current = [], []
    for part in _SPLIT_TAGS_RE.split(html):
        if part.startswith("<"):
            current.append(part)
            continue
        pieces = _LONG_WORD_END_RE.split(part)
        current.append(pieces[0])
        for piece in pieces[1:]:
            chunks.append("".join(current))
            current = [piece]
    chunks.append("".join(current))
    return chunks


def make_template(name: str, html: bytes) -> Template | None:
    """Split `html`; cut before the end of its longest paragraph. None: no long paragraph."""
    best, best_len = None, 0
    for m in _P_RE.finditer(html):
        text_len = len(_TAG_RE.sub(b"", m[1]).strip())
        if text_len > best_len:
            best, best_len = m, text_len
    if best is None or best_len < 200:
        return None
    cut = best.end(1)
    head = html[:cut].decode("utf-8", "surrogateescape")
    tail = html[cut:].decode("utf-8", "surrogateescape")
    return Template(name=name, head=tuple(_split_words(head)), tail=tuple(_split_words(tail)))


def devdata_templates(count: int, folder: Path = DEVDATA_PAGES) -> list[Template]:
    """`count` real pages of 30-150 KB, spread evenly over that size range (deterministic)."""
    sized = []
    for path in sorted(folder.glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes())
        if MIN_BYTES <= len(html) <= MAX_BYTES:
            sized.append((len(html), path.name, html))
    sized.sort()
    templates: list[Template] = []
    # walk the size-sorted pages at an even stride, so the set spans 30-150 KB
    for start in range(0, len(sized), max(1, len(sized) // count)):
        for _, name, html in sized[start : start + 8]:  # the next usable one near that size
            if (t := make_template(name, html)) is not None and _marker_survives(t):
                templates.append(t)
                break
    return templates[:count]


def _marker_survives(t: Template) -> bool:
    """The marker must be in trafilatura's output, or bodies would not differ after all."""
    import trafilatura

    text = trafilatura.extract(t.body("benchmarkerword"), url="http://127.0.0.1/x") or ""
    return "benchmarkerword" in text


_WORDS = (
    "government minister council city report market price energy school police court "
    "election budget health hospital water river train station company workers union "
    "weather storm season league match coach players fans museum festival village region "
    "research university students climate housing rent tax plan vote mayor harbour bridge"
).split()


def synthetic_html(seed: int, size: int) -> bytes:
    """A news page of about `size` bytes: header, nav, article, related, sidebar, footer."""
    rnd = random.Random(seed)

    def sentence() -> str:
        words = [rnd.choice(_WORDS) for _ in range(rnd.randint(8, 22))]
        return " ".join(words).capitalize() + "."

    def paragraph() -> str:
        return " ".join(sentence() for _ in range(rnd.randint(3, 7)))

    nav = "".join(f'<li><a href="/section/{w}">{w.title()}</a></li>' for w in _WORDS[:20])
    head = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{sentence()[:70]}</title><meta name="description" content="{sentence()}">'
        f"<style>{'.c{color:#333;margin:0 auto;padding:4px}' * 40}</style></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main><article><h1>{sentence()}</h1>"
        f'<p class="byline">By Staff Reporter</p>'
    )
    tail_parts = [
        "</article><aside><h2>Related</h2><ul>",
        *(f'<li><a href="/story/{rnd.randint(1, 99999)}">{sentence()}</a></li>' for _ in range(12)),
        "</ul></aside></main><footer>",
        *(f'<a href="/p/{w}">{w}</a> ' for w in _WORDS),
        "<p>Copyright The Bench Gazette. All rights reserved.</p></footer>",
    ]
    tail = "".join(tail_parts)
    body = []
    while len(head) + sum(map(len, body)) + len(tail) < size:
        body.append(f"<p>{paragraph()}</p>")
        if rnd.random() < 0.15:
            body.append(f"<h2>{sentence()}</h2>")
        if rnd.random() < 0.1:
            body.append(f'<div class="ad"><script>var ad={rnd.random()};</script></div>')
    return (head + "".join(body) + tail).encode()


def synthetic_templates(count: int) -> list[Template]:
    rnd = random.Random(6)
    out = []
    for i in range(count):
        t = make_template(f"synthetic-{i}", synthetic_html(i, rnd.randint(MIN_BYTES, MAX_BYTES)))
        assert t is not None  # a generated page always has long paragraphs
        out.append(t)
    return out


def load_templates(count: int, synthetic: bool = False) -> list[Template]:
    if not synthetic and DEVDATA_PAGES.is_dir():
        return devdata_templates(count)
    return synthetic_templates(count)
