"""The vetoes and the edited-copy kinds of ingest/core/dedup.py, one pair each (pure).

Each veto test takes a pair that the screen alone (the rule before the vetoes existed)
merges, and checks that it is now two stories, and why.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from ingest.core import dedup
from ingest.core.urls import canonical_url
from tests.dedup_corpus import EDIT_KINDS, Doc, load_corpus

CORPUS = {d.id: d for d in load_corpus()}
FPS = {id_: dedup.fingerprint(d.paragraphs) for id_, d in CORPUS.items()}


def verdict(new: str, old: str) -> dedup.Verdict | None:
    days = dedup.days_between(CORPUS[new].published, CORPUS[old].published)
    return dedup.compare(FPS[new], FPS[old], days_apart=days)


@pytest.mark.parametrize(
    "a, b, veto",
    [
        ("markets-en.0", "markets-en.1", "figures: 4.2 / 1.9"),  # Acme / Globex results
        ("markets-en.0", "markets-en.6", "figures: 3.1"),  # the same company, other quarter
        ("borsa-it.0", "borsa-it.5", "names: lanterna energia / tessile biellese"),
        ("boerse-de.0", "boerse-de.5", "names: nordlicht / spreewerk"),
        ("football-en.0", "football-en.2", "figures: 2 1 / 1 2"),  # 2-1 is not 1-2
        ("calcio-it.0", "calcio-it.2", "figures: 12"),  # the same match, another round
        ("weather-en.0", "weather-en.2", "figures: monday / tuesday"),  # another day
        ("weather-en.0", "weather-en.5", "names: northshire / westfield"),  # another region
        ("meteo-fr.0", "meteo-fr.2", "figures: lundi / mardi"),
        ("traffico-it.0", "traffico-it.5", "names: genova"),
        ("lottery-en.0", "lottery-en.5", "figures: 33 / 35"),  # one ball differs
        ("obituary-en.0", "obituary-en.5", "names: margaret ellis / joan fletcher"),
        ("nachruf-de.0", "nachruf-de.3", "names: heinrich vogel"),
        ("quake-en.0", "quake-en.1", "figures: 5.2 / 4.8"),
        ("cambi-it.0", "cambi-it.6", "figures: lunedi"),
        ("live-election.0", "live-election.1", "figures: 7.214 / 1.032"),  # the first entry
        ("diretta-maltempo.0", "diretta-maltempo.2", "entries: 3 / 3"),
        ("porto-genova", "porto-genova.weeks-later", "dated: 21 days"),  # word for word
    ],
)
def test_each_veto_keeps_apart_a_pair_the_screen_merges(a: str, b: str, veto: str) -> None:
    before = dedup.screen(FPS[b], FPS[a])
    assert before is not None, "the pair must be one the rule without vetoes merged"
    found = verdict(b, a)  # `a` stored, `b` new: the veto reads "a's / b's"
    assert found is not None and found.veto is not None, found
    assert found.veto.split(":")[0] == veto.split(":")[0], found  # the kind of veto
    days = dedup.days_between(CORPUS[a].published, CORPUS[b].published)
    assert dedup.match(FPS[b], FPS[a], days_apart=days) is None


def brief(*paragraphs: str) -> dedup.Fingerprint:
    return dedup.fingerprint(paragraphs)


FOOTER = (
    "Copyright the agency. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed without permission. For corrections contact the news desk."
)


def test_a_unit_changed_after_a_figure_is_a_veto() -> None:
    text = "The index of consumer confidence rose 3 {unit} in November, its largest gain"
    a = brief(text.format(unit="points") + " since the spring survey.", FOOTER, FOOTER + " 2")
    b = brief(text.format(unit="percent") + " since the spring survey.", FOOTER, FOOTER + " 2")
    assert dedup.screen(a, b) is not None
    found = dedup.compare(b, a)
    assert found is not None and found.veto == "figures: 3 points / percent"


def test_a_number_spelled_out_and_a_reordering_of_names_are_no_veto() -> None:
    a = FPS["porto-genova"]
    b = FPS["porto-genova.edits"]  # "sei per cento" -> "6 per cento"
    assert dedup.match(b, a) is not None
    text = ("The ministers {x} and {y} signed the agreement in the capital on behalf of both "
            "governments, after talks that lasted most of the week.")  # fmt: skip
    one = brief(text.format(x="Rossi", y="Berger"), FOOTER, FOOTER + " Again.", FOOTER + ".")
    two = brief(text.format(x="Berger", y="Rossi"), FOOTER, FOOTER + " Again.", FOOTER + ".")
    found = dedup.compare(one, two)
    assert found is not None and found.veto is None


def test_the_dated_veto_is_for_short_texts_only() -> None:
    long = FPS["wire-bridge"]
    assert dedup.compare(long, long, days_apart=60) == dedup.Verdict("exact", 1.0)
    short = FPS["porto-genova"]
    assert dedup.compare(short, short, days_apart=2) == dedup.Verdict("exact", 1.0)
    vetoed = dedup.compare(short, short, days_apart=21)
    assert vetoed is not None and vetoed.veto == "dated: 21 days apart, short text"


@pytest.mark.parametrize("kind", EDIT_KINDS)
@pytest.mark.parametrize("wire", ["wire-bridge", "wire-siccita", "wire-bahn", "rate-hike"])
def test_each_edited_copy_kind_merges(wire: str, kind: str) -> None:
    copy = f"{wire}.copy-{kind}"
    found = verdict(copy, wire)
    assert found is not None and found.veto is None, found
    # quotes, dashes and paragraph breaks are not in the normalised text
    expected = "exact" if kind in ("headline", "typography", "split", "merged") else "near"
    assert found.rule == expected
    # the base and more (nothing lost: it replaces the stored base)
    assert not found.longer or kind in ("local", "correction")
    back = verdict(wire, copy)  # the other way round: the copy stored, then the base
    assert back is not None and back.veto is None
    assert back.longer == (kind in ("lead-dropped", "trim-10", "trim-25", "trim-40"))


def test_trimmed_copies_merge_by_containment_below_the_jaccard_threshold() -> None:
    a, b = FPS["wire-vaccine.copy-combo"], FPS["wire-vaccine"]
    assert dedup.jaccard(a.shingles, b.shingles) < dedup.NEAR_THRESHOLD
    assert dedup.match(a, b) is not None
    assert dedup.match(a, b, dedup.Thresholds(contain=1.01)) is None


def test_the_full_story_after_a_brief_is_longer() -> None:
    full = CORPUS["wire-bridge"]
    first = Doc("b", "b", "base", full.title, full.paragraphs[:3])
    found = dedup.compare(FPS["wire-bridge"], dedup.fingerprint(first.paragraphs))
    assert found is not None and found.veto is None and found.longer


def test_a_live_page_with_new_entries_is_an_update_of_its_url() -> None:
    page = CORPUS["live-election.0"].paragraphs
    later = (page[0], "07:55 - A new entry at the top of the page.", *page[1:])
    assert dedup.is_update(page, later)


def test_digits_are_in_the_fingerprint() -> None:
    assert dedup.tokenize("Acme rose 3.1% to $1,234.50 at 14:32") == [
        "acme", "rose", "3.1", "%", "to", "$", "1.234.50", "at", "14.32",
    ]  # fmt: skip
    a = brief("Shares rose 3.1% on Tuesday.")
    b = brief("Shares rose 2.4% on Tuesday.")
    assert a.text_hash != b.text_hash and a.shingles != b.shingles
    assert dedup.SCHEME_VERSION >= 3


def test_best_match_prefers_a_merge_and_else_reports_the_veto() -> None:
    new = FPS["markets-en.1"]
    only_vetoed = dedup.best_match(new, [("acme", FPS["markets-en.0"])])
    assert only_vetoed is not None and only_vetoed[1].veto is not None
    both = dedup.best_match(new, [("acme", FPS["markets-en.0"]), ("self", new)])
    assert both is not None and both[0] == "self" and both[1].veto is None


@pytest.mark.parametrize(
    "edition",
    [
        "https://amp.example.com/news/story-1",
        "https://m.example.com/news/story-1",
        "https://mobile.example.com/news/story-1",
        "https://example.com/amp/news/story-1",
        "https://example.com/news/story-1/amp",
        "https://example.com/news/story-1?amp",
        "https://example.com/news/story-1?amp=1",
        "https://example.com/news/story-1?outputType=amp",
        "https://m.example.com/news/amp/story-1?utm_source=x&amp",
    ],
)
def test_amp_and_mobile_editions_are_the_desktop_url(edition: str) -> None:
    assert canonical_url(edition) == "https://example.com/news/story-1"


def test_edition_folding_keeps_other_urls() -> None:
    assert canonical_url("https://m.com/x") == "https://m.com/x"  # no registrable rest
    assert (
        canonical_url("https://example.com/camp/ample?x=1") == "https://example.com/camp/ample?x=1"
    )
    assert canonical_url("https://example.com/story.amp.html") == "https://example.com/story.html"


def test_dates_apart() -> None:
    d = CORPUS["porto-genova"].published
    assert dedup.days_between(d, d + timedelta(days=2)) == 2
    assert dedup.days_between(d, None) is None
