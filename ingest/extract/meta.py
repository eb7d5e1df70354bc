"""Page metadata we read straight from the markup: date, canonical URL, language, title.

trafilatura gives a bare date and no canonical/lang, so the date (with its offset), the
canonical URL and the language are ours; title, description and site name come from the
parts of trafilatura's metadata search we use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    Document,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
)

from ingest.core.dates import parse_datetime
from ingest.core.html import class_and_id
from ingest.core.text import clean_visible as clean_text

# Publication-date sources in order of trust: explicit "published" meta, JSON-LD, <time>.
_DATE_META_KEYS = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "publishdate",
    "publish-date",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
    "article.published",
    "published_time",
    "cxenseparse:recs:publishtime",
)


def meta_map(tree: HtmlElement) -> dict[str, str]:
    """First value of each <meta name|property|itemprop> key, lower-cased keys.

    An http-equiv Content-Language fills "content-language" when no meta name gave it.
    """
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or ""
        value = el.get("content") or el.get("datetime") or ""
        key = key.strip().lower()
        if key and value.strip() and key not in found:
            found[key] = value.strip()
    http_lang = _http_equiv_language(tree)
    if http_lang and "content-language" not in found:
        found["content-language"] = http_lang
    return found


def _json_ld_dates(tree: HtmlElement) -> Iterator[str]:
    """datePublished values from JSON-LD blocks, depth-first."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                value = item.get("datePublished") or item.get("dateCreated")
                if isinstance(value, str):
                    yield value
                stack.extend(reversed(list(item.values())))
            elif isinstance(item, list):
                stack.extend(reversed(item))


def stated_published(tree: HtmlElement, meta: dict[str, str]) -> datetime | None:
    """Publication datetime as the markup states it: meta, then JSON-LD, then <time>."""
    for key in _DATE_META_KEYS:
        parsed = parse_datetime(meta.get(key))
        if parsed:
            return parsed
    for value in _json_ld_dates(tree):
        parsed = parse_datetime(value)
        if parsed:
            return parsed
    for el in tree.iter("time"):
        if el.get("pubdate") is not None or "publish" in class_and_id(el).lower():
            parsed = parse_datetime(el.get("datetime"))
            if parsed:
                return parsed
    return None


def find_published(
    tree: HtmlElement, meta: dict[str, str], url: str | None, guess: bool = True
) -> datetime | None:
    """Publication datetime of the page, when the feed gave none (guess=True).

    htmldate's search, as thorough as trafilatura's default (extensive, original date),
    decides the day: on the dev sets our markup reading alone got the month right less
    often (issue 13: month accuracy must be at least trafilatura's). The markup's
    datetime is kept when it falls on the same day, because it has the time and the
    offset, which htmldate drops. With guess=False (the caller has the feed's date) only
    the markup is read: the costly search would stand in for nothing.
    """
    stated = stated_published(tree, meta)
    if not guess:
        return stated
    # With a stated date, htmldate's quick search (markup and URL) is enough to check it;
    # its extensive search (the text) runs when the markup states nothing.
    extensive = stated is None
    found = parse_datetime(find_date(tree, url=url, extensive_search=extensive, original_date=True))
    if found is None:
        return stated
    if stated is not None and stated.date() == found.date():
        return stated
    return found


def _absolute_http(href: str | None, base: str | None) -> str | None:
    if not href or not href.strip():
        return None
    absolute = urljoin(base or "", href.strip())
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.netloc else None


def find_canonical(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            found = _absolute_http(link.get("href"), url)
            if found:
                return found
    return _absolute_http(meta.get("og:url"), url)


def find_language(tree: HtmlElement, meta: dict[str, str]) -> str | None:
    """Primary language subtag ("de" from "de-CH"), from <html lang>, meta or og:locale."""
    candidates = (
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        tree.get("xml:lang"),
        meta.get("content-language"),
        meta.get("language"),
        meta.get("og:locale"),
        meta.get("dc.language"),
    )
    for value in candidates:
        match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value or "")
        if match:
            return match.group(1).lower()
    return None


def _http_equiv_language(tree: HtmlElement) -> str | None:
    for el in tree.iter("meta"):
        if (el.get("http-equiv") or "").lower() == "content-language":
            content: str | None = el.get("content")
            return content
    return None


def page_headlines(tree: HtmlElement, meta: dict[str, str]) -> list[str]:
    """The headline as the page states it: <title>, og:title, twitter:title, first h1s."""
    found = [meta.get("og:title", ""), meta.get("twitter:title", "")]
    raw_title = tree.find(".//title")
    if raw_title is not None:
        found.append(raw_title.text_content())
    for i, h1 in enumerate(tree.iter("h1")):
        if i >= 3:
            break
        found.append(h1.text_content())
    return [text for text in (clean_text(t) for t in found) if text]


def page_info(tree: HtmlElement) -> Document:
    """Title, description and site name as trafilatura's metadata finds them.

    Only the parts of trafilatura.extract_metadata we use: its author, category, tag and
    license searches were a third of the extraction CPU, and the date is ours (above).
    """
    info = examine_meta(tree)
    try:
        info = extract_meta_json(tree, info)
    except Exception:  # noqa: BLE001 - trafilatura guards this call the same way
        pass
    info.title = info.title or extract_title(tree)
    sitename = (info.sitename or extract_sitename(tree) or "").lstrip("@")
    info.sitename = sitename or None
    return info
