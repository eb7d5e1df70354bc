"""Markup mended before parsing, the way browsers read it.

A template that prints the page's closing `</body></html>` before the article (a theme
that closes its header as if it were the whole page) leaves the story after the end of
the document. Browsers show it: HTML's parsing rules put content after `</html>` back
into the body. libxml2 drops it, and the article with it. The stray closing tags are
taken out when substantial markup follows the first `</html>`.
"""

from __future__ import annotations

import re

# Markup after the end of the document this long is content, not the comment a cache
# plugin signs pages with or a tracking script (a few hundred bytes).
AFTER_END_BYTES = 2000
_END = re.compile(r"</html\s*>", re.IGNORECASE)
_END_BYTES = re.compile(rb"</html\s*>", re.IGNORECASE)
_CLOSERS = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_CLOSERS_BYTES = re.compile(rb"</(?:body|html)\s*>", re.IGNORECASE)


def reopen_early_end(html: bytes | str) -> bytes | str:
    """`html` without its closing body and html tags when content follows them."""
    if isinstance(html, str):
        end = _END.search(html)
        if end is None or len(html) - end.end() < AFTER_END_BYTES:
            return html
        return _CLOSERS.sub("", html)
    end_b = _END_BYTES.search(html)
    if end_b is None or len(html) - end_b.end() < AFTER_END_BYTES:
        return html
    return _CLOSERS_BYTES.sub(b"", html)
