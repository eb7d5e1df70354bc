"""Secrets never leave the process in text: `redact` masks the password of any URL.

A database URL such as postgresql://user:s3cret@host/db ends up in error messages (ours
and the driver's), log lines (the journal keeps them) and status output. Everything that
prints text about a failure passes it through here first.
"""

from __future__ import annotations

import re

# scheme://user:password@ -> the password is everything between the first ':' after the
# user and the last '@' before the host (a password may itself contain '@' or ':').
_USERINFO_RE = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*):(?P<secret>[^\s/]*)@")
MASK = "***"


def redact(text: str) -> str:
    """`text` with the password of every URL in it replaced by ***."""
    return _USERINFO_RE.sub(lambda m: f"{m['head']}:{MASK}@", text)
