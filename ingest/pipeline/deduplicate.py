"""The dedup step: what a composed article is to the store, decided, then carried out.

    its canonical URL is stored?
        the stable body changed (core/dedup.py is_update), under max_updates
                                          -> rewrite in place            "updated"
        else                              -> a source of that article    "known:canonical_url"
                                                                         "known:update_capped"
    the same story is stored (exact text, or near-duplicate, no veto; core/dedup.py)?
        the draft contains it and is longer (nothing lost), under max_updates
                                          -> rewrite it in place         "updated:<rule>"
        else                              -> a source of that article    "known:<rule>"
    else                                  -> a new article               "new"
                                             (a vetoed look-alike's reason on its source)

`decide` is pure; `deduplicate` makes the lookups it needs and `store_article` carries
the decision out, one entry at a time: other processes (workers on other machines) may
store an article between the two, so the INSERT of a new article repeats the lookups
under the store's dedup lock (storage/writes.py `lock_dedup`) and, when the story was
stored meanwhile, returns None, and the decision is made again.

The pipeline stores the entries its pass composes a few at a time (`store_together`):
the lookups and writes of all of them in one transaction that holds the dedup lock from
the first lookup (storage/batch.py), each decided in order, seeing those before it, so
that every decision is the one it would be alone and is looked up once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ingest.core import dedup
from ingest.core.errors import StorageError
from ingest.core.types import ArticleDraft
from storage.batch import ArticleBatch
from storage.fingerprints import SameStory
from storage.models import Article
from storage.session import ArticleFile
from storage.store import Store

# Decisions tried again when another process stored the same URL in between.
MAX_DECISIONS = 8


class Action(StrEnum):
    INSERT = "insert"
    REWRITE = "rewrite"
    ADD_SOURCE = "add_source"


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str  # "new", "updated", "known:canonical_url", "known:exact", ...
    article_id: str | None = None  # the stored article, for REWRITE and ADD_SOURCE
    rule: str = "new"  # the match rule recorded on the source
    similarity: float | None = None
    veto: str | None = None  # INSERT: why the closest stored story is another story


@dataclass(frozen=True)
class SaveResult:
    article_id: str
    created: bool
    reason: str  # the decision's
    path: str | None = None
    file_error: str | None = None  # the row is stored; the file will be repaired later


@dataclass(frozen=True)
class Composed:
    """An entry's article, ready for the dedup step (what `store_together` takes)."""

    draft: ArticleDraft
    fp: dedup.Fingerprint | None
    now: datetime
    dedup_on: bool = True
    entry_version: datetime | None = None


class Lookups(Protocol):
    """What the dedup step looks up: in the store (Store), or in a batch's transaction."""

    max_updates: int

    def article_by_url(self, canonical_url: str) -> Article | None: ...

    def find_same_story(
        self, fp: dedup.Fingerprint, published: datetime | None = None
    ) -> SameStory | None: ...


def decide(
    draft: ArticleDraft, by_url: Article | None, same: SameStory | None, max_updates: int
) -> Decision:
    """Insert, rewrite in place, or add a source: the rules in the module docstring."""
    if by_url is not None:
        if not draft.paragraphs or not dedup.is_update(by_url.paragraphs, draft.paragraphs):
            return Decision(Action.ADD_SOURCE, "known:canonical_url", by_url.id, "canonical_url")
        if (by_url.update_count or 0) >= max_updates:
            return Decision(Action.ADD_SOURCE, "known:update_capped", by_url.id, "canonical_url")
        return Decision(Action.REWRITE, "updated", by_url.id, "canonical_url")
    if same is not None and same.merges:
        if same.longer and same.update_count < max_updates:
            # The full story after a brief: keep the longer text, under the same id and file.
            return Decision(
                Action.REWRITE, f"updated:{same.rule}", same.article_id, same.rule, same.similarity
            )
        return Decision(
            Action.ADD_SOURCE, f"known:{same.rule}", same.article_id, same.rule, same.similarity
        )
    if same is not None:  # a look-alike that a veto keeps apart: say so on the new source
        note = f"{same.veto} ({same.rule} {same.similarity:.2f} to {same.article_id})"
        return Decision(Action.INSERT, "new", veto=note)
    return Decision(Action.INSERT, "new")


def deduplicate(
    store: Lookups, draft: ArticleDraft, fp: dedup.Fingerprint | None, dedup_on: bool = True
) -> Decision:
    """Look up what `decide` needs (the URL first: the near-duplicate search only when the
    URL is new and content rules apply) and decide."""
    by_url = store.article_by_url(draft.canonical_url)
    same = None
    if by_url is None and dedup_on and fp:
        same = store.find_same_story(fp, draft.published)
    return decide(draft, by_url, same, store.max_updates)


def store_article(
    store: Store,
    decision: Decision,
    draft: ArticleDraft,
    fp: dedup.Fingerprint | None,
    now: datetime,
    *,
    dedup_on: bool = True,
    entry_version: datetime | None = None,
) -> SaveResult | None:
    """Carry out `decision`; None when another process stored the URL meanwhile."""
    done = _carry_out_decision(store, decision, draft, fp, now, dedup_on, entry_version)
    if done is None or isinstance(done, SaveResult):
        return done
    error = store.write_file(done)
    return SaveResult(
        done.id,
        created=decision.action is Action.INSERT,
        reason=decision.reason,
        path=done.path,
        file_error=error,
    )


def _carry_out_decision(
    target: Store | ArticleBatch,
    decision: Decision,
    draft: ArticleDraft,
    fp: dedup.Fingerprint | None,
    now: datetime,
    dedup_on: bool,
    version: datetime | None,
) -> SaveResult | ArticleFile | None:
    """The write `decision` asks for: a merged source's result, or the article whose file
    is to be written (None: another process stored the URL meanwhile)."""
    if decision.action is Action.ADD_SOURCE:
        assert decision.article_id is not None
        target.merge_source(
            decision.article_id, draft, decision.rule, decision.similarity, now, version
        )
        return SaveResult(decision.article_id, created=False, reason=decision.reason)
    if decision.action is Action.REWRITE:
        assert decision.article_id is not None
        return target.rewrite_article(
            decision.article_id, draft, fp, now, version, decision.rule, decision.similarity
        )
    return target.insert_article(
        draft, fp, now, dedup_on=dedup_on, entry_version=version, veto=decision.veto
    )


def save_article(
    store: Store,
    draft: ArticleDraft,
    now: datetime,
    *,
    dedup_on: bool = True,
    entry_version: datetime | None = None,
    fingerprint: dedup.Fingerprint | None = None,
) -> SaveResult:
    """deduplicate -> store_article in one call, for library users and tests; the pipeline
    runs the two steps itself. `fingerprint`: the draft's, when computed already."""
    fp = fingerprint
    if fp is None and draft.paragraphs:
        fp = dedup.fingerprint(draft.paragraphs)
    for _ in range(MAX_DECISIONS):
        decision = deduplicate(store, draft, fp, dedup_on)
        result = store_article(
            store, decision, draft, fp, now, dedup_on=dedup_on, entry_version=entry_version
        )
        if result is not None:
            return result
    raise StorageError(f"could not store {draft.canonical_url}: its URL kept changing hands")


def store_together(store: Store, entries: Sequence[Composed]) -> list[SaveResult | StorageError]:
    """deduplicate -> carry out, for each of `entries` in order, in one transaction
    (storage/batch.py); then their files. Each entry's result, or the StorageError that
    kept it from being stored.

    When the transaction fails (a full disk, a value the database refuses, a concurrent
    writer), nothing of it is stored and each entry is stored on its own: only the one
    at fault fails."""
    try:
        with store.article_batch() as batch:
            results = [_carry_out(batch, entry) for entry in entries]
    except StorageError:
        return [_store_alone(store, entry) for entry in entries]
    errors = batch.file_errors
    return [
        replace(r, file_error=errors[r.article_id]) if r.path and r.article_id in errors else r
        for r in results
    ]


def _carry_out(batch: ArticleBatch, entry: Composed) -> SaveResult:
    draft, fp = entry.draft, entry.fp
    decision = deduplicate(batch, draft, fp, entry.dedup_on)
    done = _carry_out_decision(
        batch, decision, draft, fp, entry.now, entry.dedup_on, entry.entry_version
    )
    assert done is not None  # nobody else stores while a batch holds the dedup lock
    if isinstance(done, SaveResult):
        return done
    created = decision.action is Action.INSERT
    return SaveResult(done.id, created=created, reason=decision.reason, path=done.path)


def _store_alone(store: Store, entry: Composed) -> SaveResult | StorageError:
    draft, fp = entry.draft, entry.fp
    try:
        for _ in range(MAX_DECISIONS):
            decision = deduplicate(store, draft, fp, entry.dedup_on)
            result = store_article(
                store, decision, draft, fp, entry.now,
                dedup_on=entry.dedup_on, entry_version=entry.entry_version,
            )  # fmt: skip
            if result is not None:  # None: another process stored the URL in between
                return result
    except StorageError as exc:
        return exc
    message = f"could not store {draft.canonical_url}: its URL kept changing hands"
    return StorageError(message)
