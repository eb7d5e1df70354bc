"""Content-Encoding decoders whose output is bounded on every call.

httpx decodes each network chunk whole: one 64 KB chunk of a brotli bomb is gigabytes
(500 MB of one letter packs into 758 bytes), allocated before any size cap can look at
it. These decoders take a `limit` and never return more than that from one call, so the
caller's cap on the decoded size stops a bomb after `limit` bytes, in bounded memory.
Unknown encodings pass through unchanged, as in httpx.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

from ingest.core.errors import FetchError

# What we ask for: only encodings decoded here (no zstd).
ACCEPT_ENCODING = "gzip, deflate, br"
# zlib's flush(n) starts its output buffer at n bytes (it grows it as needed, it is no
# cap): a body's flush with the cap left (megabytes) mapped and unmapped that much per
# page, where the main process holds glibc's mmap threshold (core/heap.py). What is left
# to flush after the last chunk is a few bytes at most (decode consumed all the input).
FLUSH_BUFFER = 16 * 1024


class Decoder(Protocol):
    def decode(self, data: bytes, limit: int) -> bytes: ...

    def flush(self, limit: int) -> bytes: ...


class ZlibDecoder:
    """gzip, or deflate (zlib-wrapped as RFC 9110 says, or raw as some servers send)."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._first = True
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)

    def decode(self, data: bytes, limit: int) -> bytes:
        if not data:
            return b""
        first, self._first = self._first, False
        try:
            return self._inflate.decompress(data, limit)
        except zlib.error:
            if self._gzip or not first:
                raise
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._inflate.decompress(data, limit)

    def flush(self, limit: int) -> bytes:
        return self._inflate.flush(min(limit, FLUSH_BUFFER))


class BrotliDecoder:
    def __init__(self) -> None:
        self._brotli = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> bytes:
        if not data:
            return b""
        out: bytes = self._brotli.process(data, output_buffer_limit=limit)
        return out

    def flush(self, limit: int) -> bytes:
        return b""


def decoders_for(content_encoding: str | None) -> list[Decoder]:
    """Decoders to apply in order (the header lists encodings in the order applied)."""
    names = [n.strip().lower() for n in (content_encoding or "").split(",") if n.strip()]
    chain: list[Decoder] = []
    for name in reversed(names):
        if name in ("gzip", "x-gzip"):
            chain.append(ZlibDecoder(gzip=True))
        elif name == "deflate":
            chain.append(ZlibDecoder(gzip=False))
        elif name == "br":
            chain.append(BrotliDecoder())
    return chain


def decode_chunk(
    chain: list[Decoder], data: bytes, limit: int, url: str, final: bool = False
) -> bytes:
    """`data` through every decoder, each call returning at most `limit` bytes (>= 1)."""
    try:
        for decoder in chain:
            data = decoder.decode(data, limit)
            if final:
                data += decoder.flush(limit)
    except (zlib.error, brotli.error) as exc:
        raise FetchError(f"cannot decode the compressed body: {exc}", url) from None
    return data
