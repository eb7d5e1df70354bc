"""ingest/core/dedup.py on its own (pure), and over the fixture corpus in tests/data/dedup."""

from __future__ import annotations

import pytest

from ingest.config import DedupSettings
from ingest.core import dedup
from tests.dedup_corpus import EDIT_KINDS, Doc, load_corpus

CORPUS = load_corpus()
BASES = {d.story: d for d in CORPUS if d.is_base}
VARIANTS = [d for d in CORPUS if not d.is_base and not d.is_negative]
NEGATIVES = [d for d in CORPUS if d.is_negative]
FPS = {d.id: dedup.fingerprint(d.paragraphs) for d in CORPUS}


def match(a: Doc, b: Doc) -> dedup.Match | None:
    """`a` against `b` as the store compares them: with their publication dates."""
    return dedup.match(
        FPS[a.id], FPS[b.id], days_apart=dedup.days_between(a.published, b.published)
    )


def test_corpus_covers_every_variant_and_negative_kind() -> None:
    kinds = {d.kind for d in CORPUS}
    for kind in ("template", "headline", "byline", "cut", "append", "edits", "repost"):
        assert kind in kinds
    assert set(EDIT_KINDS) <= kinds
    for why in ("follow-up", "shared-boilerplate", "short-brief", "same-template", "same-topic",
                "templated", "live", "dated", "follow-up-background"):  # fmt: skip
        assert f"negative:{why}" in kinds
    assert len(VARIANTS) >= 150 and len(NEGATIVES) >= 100


@pytest.mark.parametrize("doc", VARIANTS, ids=lambda d: d.id)
def test_every_variant_merges_into_its_base(doc: Doc) -> None:
    found = match(doc, BASES[doc.story])
    assert found is not None, f"{doc.id} should merge into {doc.story}"
    assert found.rule in ("exact", "near", "near:short")
    # under the Jaccard threshold only by containment (a trimmed copy)
    assert 0.3 <= found.similarity <= 1.0


@pytest.mark.parametrize("doc", VARIANTS, ids=lambda d: d.id)
def test_every_base_merges_into_its_variant(doc: Doc) -> None:
    # the other order: the edited copy arrived first (a process pool reorders entries)
    found = match(BASES[doc.story], doc)
    assert found is not None, f"{doc.story} should merge into {doc.id}"


@pytest.mark.parametrize("doc", NEGATIVES, ids=lambda d: d.id)
def test_no_hard_negative_merges_with_another_story(doc: Doc) -> None:
    merged = [
        (other.id, m) for other in CORPUS if other.story != doc.story and (m := match(doc, other))
    ]
    assert merged == []


def test_headline_and_repost_variants_are_exact() -> None:
    for doc in VARIANTS:
        if doc.kind in ("headline", "repost") and doc.story != "porto-genova":
            found = dedup.match(FPS[doc.id], FPS[BASES[doc.story].id])
            assert found == dedup.Match("exact", 1.0), doc.id


def test_normalize_text_ignores_case_accents_punctuation_and_spacing() -> None:
    assert dedup.normalize_text("Perché  l'ALLERTA—è “rossa”?") == "perche l allerta e rossa"
    assert dedup.normalize_text("snake_case\tand\nlines") == "snake case and lines"


def test_shingles_of_short_and_empty_token_lists() -> None:
    assert dedup.shingles([]) == frozenset()
    assert len(dedup.shingles(["a", "b"])) == 1
    assert len(dedup.shingles(["a", "b", "c", "d"])) == 2


def test_bands_are_stable_across_runs() -> None:
    # Stored band keys must not change silently: a change needs SCHEME_VERSION bumped.
    fp = dedup.fingerprint(("The quick brown fox jumps over the lazy dog.",))
    assert len(fp.bands) == dedup.BANDS + dedup.LEDE_BANDS
    assert fp.bands[:2] == GOLDEN_BANDS


GOLDEN_BANDS = (7695141452798263294, 591385127461627792)


def test_shared_long_boilerplate_is_stopped_by_the_opening_guard() -> None:
    a, b = FPS["levante-mercato"], FPS["levante-biblioteca"]
    assert dedup.jaccard(a.shingles, b.shingles) > dedup.NEAR_THRESHOLD  # the trap
    assert dedup.match(a, b) is None
    loose = dedup.Thresholds(lede=0.0)
    assert dedup.match(a, b, loose) is not None  # without the guard they would merge


def test_short_bodies_need_exact_or_much_closer_text() -> None:
    brief = ("ROMA, 14 NOV - Il ponte resterà chiuso da lunedì per tre settimane per lavori.",)
    edited = ("ROMA, 14 NOV - Il ponte resterà chiuso da martedì per tre settimane per lavori.",)
    assert dedup.match(dedup.fingerprint(brief), dedup.fingerprint(brief)) is not None
    assert dedup.match(dedup.fingerprint(edited), dedup.fingerprint(brief)) is None
    found = dedup.match(FPS["porto-genova.edits"], FPS["porto-genova"])  # ~65 words
    assert found is not None and found.rule == "near:short" and found.similarity > 0.85
    strict = dedup.Thresholds(short=0.95)
    assert dedup.match(FPS["porto-genova.edits"], FPS["porto-genova"], strict) is None


def test_empty_bodies_never_match() -> None:
    empty = dedup.fingerprint(())
    assert empty.bands == () and dedup.match(empty, empty) is None


def test_best_match_prefers_the_most_similar_candidate() -> None:
    base = BASES["ai-act"]
    candidates = [("cut", FPS["ai-act.cut"]), ("byline", FPS["ai-act.byline"]),
                  ("other", FPS["rate-hike"])]  # fmt: skip
    found = dedup.best_match(FPS[base.id], candidates)
    assert found is not None and found[0] == "byline"


def test_updates_ignore_volatile_lines_but_not_real_edits() -> None:
    body = ("Aggiornato alle 14:32", *BASES["treno-bologna"].paragraphs, "Letto 1.234 volte")
    counters = ("Aggiornato alle 16:05", *BASES["treno-bologna"].paragraphs, "Letto 2.001 volte")
    assert not dedup.is_update(body, counters)
    edited = (*body[:-1], "Nuovo paragrafo: la linea riaprirà domani mattina alle 6.", body[-1])
    assert dedup.is_update(body, edited)


def test_settings_give_thresholds() -> None:
    t = DedupSettings(near_threshold=0.7, min_words=10).thresholds()
    assert t == dedup.Thresholds(near=0.7, min_tokens=10)
