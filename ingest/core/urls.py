"""URL canonicalization: one article per canonical URL.

Canonical = scheme and host lower-cased, default port and fragment dropped, tracking
parameters (utm_*, fbclid, gclid, mc_cid, ...) removed, remaining query sorted. The rules
come from courlan (trafilatura's URL library, kept up to date with tracker lists) rather
than hand-rolled regexes; we only add fragment removal and a same-site check for
rel=canonical.
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
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


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
