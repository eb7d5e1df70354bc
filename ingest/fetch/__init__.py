"""Fetching: one HTTP exchange with every guard (SSRF, size caps, deadlines, bombs).

client.py    Fetcher: conditional GET, redirects re-checked, capped bodies
decode.py    bounded gzip/deflate/brotli decoding
netguard.py  the SSRF guard, in the connection backend
"""

from ingest.fetch.client import (
    FEED_ACCEPT,
    PAGE_ACCEPT,
    Fetcher,
    FetchLimits,
    parse_retry_after,
)

__all__ = ["FEED_ACCEPT", "PAGE_ACCEPT", "FetchLimits", "Fetcher", "parse_retry_after"]
