"""The dedup fixture corpus (tests/data/dedup): documents and their ground truth.

docs/<id>.txt holds a title line, a blank line, then paragraphs separated by blank
lines. truth.json maps each id to its story and kind: "base" (the first publication),
a variant kind (template, headline, byline, cut, append, edits, repost, combo: must
merge into the base), or "negative:<why>" (a story of its own: must never merge).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest.core.types import ArticleDraft

CORPUS = Path(__file__).resolve().parent / "data" / "dedup"


@dataclass(frozen=True)
class Doc:
    id: str
    story: str
    kind: str
    title: str
    paragraphs: tuple[str, ...]

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
            published=datetime(2024, 11, 12, 9, 0, tzinfo=UTC),
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
    rank = {True: 0, False: 1}
    return sorted(docs, key=lambda d: (rank[d.is_base], d.is_negative))
