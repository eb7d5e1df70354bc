"""URL canonicalization: one article per canonical URL.

Canonical = scheme and host lower-cased, default port and fragment dropped, tracking
parameters (utm_*, fbclid, gclid, mc_cid, ...) removed, remaining query sorted. The rules
come from courlan (trafilatura's URL library, kept up to date with tracker lists) rather
than hand-rolled regexes; we only add fragment removal, a same-site check for
rel=canonical, and the folding of AMP and mobile editions (`desktop_edition`).

AMP and mobile editions are the same page: `amp.` / `m.` / `mobile.` hosts, an `/amp/`
path segment (or a trailing `/amp`, or `.amp.html`), an `amp` query parameter (`?amp`,
`?amp=1`, `?outputType=amp`) all fold into the desktop URL, so a feed linking the AMP
copy of a stored article adds a source without a fetch. A page's own rel=canonical still
wins (ingest/compose.py) when the page is fetched. The desktop host is taken to be the
bare one (`m.example.com` -> `example.com`); where it is `www.example.com` the two are
matched by content instead (the exact rule): one fetch more, never a second article.

Effect on existing stores: the canonical URL is also the input of a new article's id.
Stored rows keep their ids and canonical URLs. A stored article whose canonical URL is
an AMP or mobile URL (stored before this rule) is no longer found by that URL: its
copies are fetched once and merged by content, as a source of it.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

import courlan

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def canonical_url(url: str) -> str:
    """The canonical form of an absolute http(s) URL (unchanged if it cannot be parsed)."""
    url = url.strip()
    try:
        normalized = courlan.normalize_url(courlan.scrub_url(url), strict=False)
    except (ValueError, AttributeError):
        return url
    parts = urlsplit(normalized)
    netloc, path, query = desktop_edition(parts.netloc, parts.path or "/", parts.query)
    return urlunsplit((parts.scheme, netloc, path, query, ""))


_EDITION_HOSTS = ("amp.", "m.", "mobile.")
_AMP_PARAMS = ("amp", "outputtype=amp")


def desktop_edition(netloc: str, path: str, query: str) -> tuple[str, str, str]:
    """(host, path, query) of the desktop page for an AMP or mobile edition's URL."""
    for label in _EDITION_HOSTS:
        rest = netloc.removeprefix(label)
        # only on a registrable-looking rest ("m.example.com", not "m.com")
        if rest != netloc and "." in rest.split(":")[0]:
            netloc = rest
            break
    segments = path.split("/")
    kept = [seg for seg in segments if seg.lower() != "amp"]
    if len(kept) != len(segments):
        path = "/" + "/".join(kept).lstrip("/")
    path = re.sub(r"\.amp(\.html?)$", r"\1", path, flags=re.IGNORECASE)
    pairs = [p for p in query.split("&") if p] if query else []
    params = [p for p in pairs if p.lower().split("=")[0] != "amp" and p.lower() not in _AMP_PARAMS]
    return netloc, path, "&".join(params)


def resolve(base: str | None, link: str | None) -> str | None:
    """An absolute URL from a possibly relative link; None for empty or unparsable links."""
    link = _CONTROL_RE.sub("", link or "").strip()
    if not link:
        return None
    try:
        return urljoin(base, link) if base else link
    except ValueError:  # e.g. "http://[::1/x": an invalid IPv6 host
        return None


def site_of(url: str) -> str:
    """The registrable-ish site of a URL: host without a leading www."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def same_site(a: str, b: str) -> bool:
    """True when `b` may stand in for `a` (rel=canonical is only trusted on the same site)."""
    sa, sb = site_of(a), site_of(b)
    return bool(sa) and (sa == sb or sa.endswith("." + sb) or sb.endswith("." + sa))


def is_http_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False
