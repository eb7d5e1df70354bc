"""Speed changes of ingest.extract (issue 17) keep what they replace: same answers, same
candidates, no state carried from one page to the next.

The dev-set check is bench/extract_dump.py (every field of every page, byte for byte);
these cases pin each change on small inputs.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from ingest.core.text import (
    KEY_CACHED_CHARS,
    _cached_comparison_key,
    _comparison_key,
    comparison_key,
)
from ingest.extract import _OPTIONS, extract_page
from ingest.extract.boxes import _candidates

PROSE = (
    "The council approved the budget on Tuesday after a long debate, with more money for "
    "schools, bike lanes and buses than in any year before, the mayor said."
)


def test_comparison_key_remembers_lines_but_not_whole_bodies() -> None:
    _cached_comparison_key.cache_clear()
    line = "Ünïcode, SPACES  and — punctuation!"
    assert comparison_key(line) == comparison_key(line) == _comparison_key(line)
    assert _cached_comparison_key.cache_info().hits == 1
    body = "Ab, c. " * (KEY_CACHED_CHARS // 4)
    assert comparison_key(body) == _comparison_key(body)
    assert _cached_comparison_key.cache_info().currsize == 1  # the long text is not kept


# The XPath that _candidates replaced: the same elements, in the same order.
_PIECES = " or ".join(
    f"contains(., '{piece}')"
    for piece in (
        "uthor", "bio", "yline", "ontributor", "ewsletter", "ubscri", "ignup", "ign-up", "cta",
        "promo", "elated", "ecommend", "isclaimer", "isclosure",
    )
)  # fmt: skip
_XPATH = etree.XPath(f"//@class[{_PIECES}]/.. | //@id[{_PIECES}]/..")


def test_box_candidates_are_the_elements_the_xpath_found() -> None:
    tree = lxml.html.document_fromstring(
        '<html><body class="Author-page"><!-- author --><div id="x" class="c-byline">'
        '<span class="bio" id="author-1">Jane</span></div><p class="lead">Lead</p>'
        '<aside id="relatedPosts"><a class="cta-button">Buy</a></aside>'
        '<div class="AUTHOR">Upper case is not a match</div><div id="sign-up"></div>'
        "</body></html>"
    )
    found = _candidates(tree)
    assert found == _XPATH(tree)
    assert [el.get("class") or el.get("id") for el in found] == [
        "Author-page", "c-byline", "bio", "relatedPosts", "cta-button", "sign-up",
    ]  # fmt: skip


def test_extraction_settings_are_shared_but_not_changed_by_a_page() -> None:
    html = f"<html><body><article><p>{PROSE}</p><p>{PROSE} Again.</p></article></body></html>"
    page = extract_page(html, "https://example.org/a/story")
    assert page.paragraphs
    assert all(options.url is None and not options.comments for options in _OPTIONS.values())
    fast, full, recall = _OPTIONS[True, False], _OPTIONS[False, False], _OPTIONS[False, True]
    assert fast.fast and fast.focus == "balanced"
    assert not full.fast and full.focus == "balanced"
    assert not recall.fast and recall.focus == "recall"


def test_pages_parse_into_plain_html_elements_and_forms_still_extract() -> None:
    # trafilatura's parser uses lxml's lookup in C (ingest/extract/__init__.py): every
    # element, a form's too, is an HtmlElement, with lxml.html's methods and no Python
    # call per element; a page whose story sits beside a form extracts as before.
    from trafilatura.utils import load_html

    page = (
        "<html><head><title>Ein Bericht</title></head><body><form><label>Suche</label>"
        "<input name='q'><select><option>Alle</option></select><textarea></textarea></form>"
        "<article><h1>Ein Bericht</h1>"
        + "".join(f"<p>Absatz {i}: Der Stadtrat hat am Dienstag beschlossen, dass die "
                  f"Bibliothek länger geöffnet bleibt, sagte die Sprecherin.</p>"
                  for i in range(6))
        + "</article></body></html>"
    )  # fmt: skip
    tree = load_html(page)
    assert tree is not None
    for tag in ("form", "input", "select", "textarea", "label", "p"):
        element = tree.find(f".//{tag}")
        assert type(element) is lxml.html.HtmlElement, tag
    assert tree.find(".//label").text_content() == "Suche"
    content = extract_page(page.encode(), "https://example.org/bericht", guess_date=False)
    assert len(content.paragraphs) == 6
    assert content.paragraphs[0].startswith("Absatz 0: Der Stadtrat")
    assert not any("Suche" in p or "Alle" in p for p in content.paragraphs)
