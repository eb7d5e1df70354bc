"""Two processes store one syndicated story under two URLs at the same moment: stored once.

A real race, not a sleep: both processes look the story up (nothing stored yet, both
decide "new"), wait for each other at a barrier, then both try to insert. The insert
repeats the lookup under the store's dedup lock (storage/writes.py `lock_dedup`), so the
second one finds the first's row and the story becomes its second source.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from ingest.core import dedup
from ingest.pipeline.deduplicate import Action, deduplicate, save_article, store_article
from storage.models import Article
from storage.store import Store
from tests.dedup_corpus import load_corpus

NOW = datetime(2024, 11, 12, 12, 0, tzinfo=UTC)


def _store_after_barrier(url: str, root: str, which: int, barrier: Any, out: Any) -> None:
    base = next(d for d in load_corpus() if d.id == "maltempo-liguria").draft(f"wire-{which}")
    draft = dataclasses.replace(
        base,
        canonical_url=f"https://site{which}.example.org/maltempo",
        url=f"https://site{which}.example.org/maltempo",
    )
    fp = dedup.fingerprint(draft.paragraphs)
    with Store(url, Path(root)) as store:
        decision = deduplicate(store, draft, fp)
        barrier.wait(60)  # both have decided before either inserts
        result = store_article(store, decision, draft, fp, NOW)
        again = result is None
        if result is None:  # the story was stored meanwhile: decide again
            result = save_article(store, draft, NOW, fingerprint=fp)
        out.put((decision.action.value, again, result.article_id, result.reason))


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_one_story_raced_by_two_processes_is_stored_once(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'ingest.db'}"
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
    Store(url, tmp_path / "store").close()  # the schema first: the race is the story's
    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(2), spawn.Queue()
    procs = [
        spawn.Process(
            target=_store_after_barrier, args=(url, str(tmp_path / "store"), i, barrier, out)
        )
        for i in (1, 2)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    # Both saw an empty store and decided to insert: the race really happened.
    assert [r[0] for r in results] == [Action.INSERT.value] * 2, results
    assert len({r[2] for r in results}) == 1, results  # one article for both
    assert sorted(r[1] for r in results) == [False, True], results  # one decided again
    with Store(url, tmp_path / "store") as store:
        with store.session() as s:
            ids = s.exec(select(Article.id)).all()
        assert len(ids) == 1, ids
        assert {src.feed for src in store.sources(ids[0])} == {"wire-1", "wire-2"}
