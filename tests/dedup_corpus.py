"""The dedup fixture corpus: documents and their ground truth.

Two parts, one list (`load_corpus`):

* tests/data/dedup: docs/<id>.txt holds a title line, a blank line, then paragraphs
  separated by blank lines. truth.json maps each id to its story and kind: "base" (the
  first publication), a variant kind (template, headline, byline, cut, append, edits,
  repost, combo: must merge into the base), or "negative:<why>" (a story of its own:
  must never merge).
* generated here from tests/dedup_texts.py (`generated_corpus`): templated briefs in
  five languages (markets, football, weather, traffic, lottery, obituaries), each
  filling a story of its own ("negative:templated"); live pages sharing an intro
  ("negative:live"); a short notice re-published weeks later ("negative:dated"); and
  edited copies of wire stories (`EDIT_KINDS`), which must merge into their base.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.core.types import ArticleDraft
from tests import dedup_texts as texts

CORPUS = Path(__file__).resolve().parent / "data" / "dedup"


@dataclass(frozen=True)
class Doc:
    id: str
    story: str
    kind: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime = datetime(2024, 11, 12, 9, 0, tzinfo=UTC)
    family: str = ""  # generated negatives: the template or live-page family

    @property
    def is_base(self) -> bool:
        return self.kind == "base"

    @property
    def is_negative(self) -> bool:
        return self.kind.startswith("negative:")

    def draft(self, feed: str | None = None) -> ArticleDraft:
        return ArticleDraft(
            canonical_url=f"https://{self.id}.example.org/story",
            url=f"https://{self.id}.example.org/story",
            title=self.title,
            lead=None,
            paragraphs=self.paragraphs,
            published=self.published,
            date_inferred=False,
            language=None,
            text_source="page",
            feed_name=feed or f"feed-{self.id}",
            entry_key=self.id,
            guid=self.id,
        )


def load_corpus(root: Path = CORPUS) -> list[Doc]:
    """Bases first, then variants, then negatives: the order a store meets them in."""
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    docs = []
    for id_, info in truth.items():
        title, *paragraphs = (root / "docs" / f"{id_}.txt").read_text("utf-8").strip().split("\n\n")
        docs.append(Doc(id_, info["story"], info["kind"], title, tuple(paragraphs)))
    if root == CORPUS:
        docs += generated_corpus({d.id: d for d in docs})
    rank = {True: 0, False: 1}
    return sorted(docs, key=lambda d: (rank[d.is_base], d.is_negative))


# -- the generated part ---------------------------------------------------------------

# Edited-copy kinds: each must merge into its base (tests/test_dedup_edits.py).
EDIT_KINDS = (
    "headline", "lead-rewritten", "lead-dropped", "trim-10", "trim-25", "trim-40",
    "local", "split", "merged", "typography", "correction", "combo",
)  # fmt: skip


def _trim(paragraphs: list[str], share: float) -> list[str]:
    """The last `share` of the paragraphs cut (at least one)."""
    return paragraphs[: len(paragraphs) - max(1, round(len(paragraphs) * share))]


def _split(paragraphs: list[str]) -> list[str]:
    """Each paragraph of two sentences or more cut in two after a middle sentence."""
    out = []
    for p in paragraphs:
        cut = p.find(". ", len(p) // 3)
        out += [p[: cut + 1], p[cut + 2 :]] if cut > 0 else [p]
    return out


def _merged(paragraphs: list[str]) -> list[str]:
    return [" ".join(paragraphs[i : i + 2]) for i in range(0, len(paragraphs), 2)]


def _typography(text: str) -> str:
    """Another desk's quotes, apostrophes and dashes."""
    return text.replace("'", "\u2019").replace(" - ", " \u2014 ").replace('"', "\u201d")


def edited(kind: str, language: str, paragraphs: list[str], lead: str) -> list[str]:
    """An edited copy of a wire story's paragraphs, of one kind."""
    local, correction = texts.LOCAL_PARAGRAPHS[language], texts.CORRECTIONS[language]
    match kind:
        case "headline":
            return paragraphs
        case "lead-rewritten":
            return [lead, *paragraphs[1:]]
        case "lead-dropped":
            return paragraphs[1:]
        case "trim-10" | "trim-25" | "trim-40":
            return _trim(paragraphs, int(kind[-2:]) / 100)
        case "local":
            return [*paragraphs[:2], local, *paragraphs[2:]]
        case "split":
            return _split(paragraphs)
        case "merged":
            return _merged(paragraphs)
        case "typography":
            return [_typography(p) for p in paragraphs]
        case "correction":
            return [*paragraphs, correction]
        case "combo":
            return [_typography(p) for p in [*_trim(paragraphs[1:], 0.25), local]]
    raise ValueError(kind)


def _templated() -> list[Doc]:
    docs = []
    for family, language, title, paragraphs, fills in texts.TEMPLATES:
        for i, fill in enumerate(fills):
            body = (*(p.format(**fill) for p in paragraphs), texts.FOOTERS[language])
            docs.append(Doc(
                f"{family}.{i}", f"{family}:{i}", "negative:templated", title.format(**fill),
                body, family=family,
            ))  # fmt: skip
    return docs


def _live() -> list[Doc]:
    docs = []
    for family, title, intro, pages in texts.LIVE:
        for i, entries in enumerate(pages):
            # newest entries first, as live pages show them, under the shared intro
            docs.append(Doc(
                f"{family}.{i}", f"{family}:{i}", "negative:live", title,
                (*intro, *reversed(entries)), family=family,
            ))  # fmt: skip
    return docs


def _dated(existing: dict[str, Doc]) -> list[Doc]:
    """Short notices published again weeks later: new events with the same words."""
    docs = []
    for id_ in ("brief-ponte", "porto-genova"):
        base = existing[id_]
        docs.append(Doc(
            f"{id_}.weeks-later", f"{id_}:weeks-later", "negative:dated", base.title,
            base.paragraphs, base.published + timedelta(days=21), family=id_,
        ))  # fmt: skip
    return docs


def _edited_copies(existing: dict[str, Doc]) -> list[Doc]:
    languages = {"ai-act": "en", "rate-hike": "en", "rhodes-fires": "en"}
    wires = [
        (id_, languages.get(id_, "it"), existing[id_].title, list(existing[id_].paragraphs), lead)
        for id_, lead in texts.REWRITTEN_LEADS.items()
    ]
    docs = []
    for id_, language, title, paragraphs, lead in texts.WIRE:
        docs.append(Doc(id_, id_, "base", title, tuple(paragraphs)))
        wires.append((id_, language, title, paragraphs, lead))
    for id_, language, title, paragraphs, lead in wires:
        for kind in EDIT_KINDS:
            docs.append(Doc(
                f"{id_}.copy-{kind}", id_, kind, f"{title} ({kind})",
                tuple(edited(kind, language, paragraphs, lead)),
            ))  # fmt: skip
    return docs


def _followups() -> list[Doc]:
    """Follow-ups that reuse background paragraphs of a wire story: other stories."""
    wires = {id_: paragraphs for id_, _, _, paragraphs, _ in texts.WIRE}
    docs = []
    for id_, wire, title, own, background in texts.FOLLOWUPS:
        body = (own[0], *(wires[wire][i] for i in background), *own[1:])
        docs.append(Doc(id_, id_, "negative:follow-up-background", title, body, family=wire))
    return docs


def generated_corpus(existing: dict[str, Doc]) -> list[Doc]:
    return [*_templated(), *_live(), *_dated(existing), *_edited_copies(existing), *_followups()]
