"""fetch/stream.py: httpcore's network stream on asyncio's transport."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import httpcore
import pytest

from ingest.fetch.stream import HIGH_WATER, AsyncioStream, connect_tcp


async def _serve(send: bytes, *, close: bool = True) -> tuple[asyncio.Server, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(send)
        await writer.drain()
        if close:
            writer.close()
        else:
            await reader.read()  # until the client hangs up

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_reading_ahead_stops_at_the_high_water_mark_and_resumes() -> None:
    # A large body is not read into memory ahead of the reader (the size cap is enforced
    # as it reads): the transport pauses past HIGH_WATER and reads again as it drains.
    body = bytes(range(256)) * (12 * HIGH_WATER // 256)

    async def go() -> None:
        server, port = await _serve(body)
        async with server:
            stream = await connect_tcp("127.0.0.1", port, timeout=5)
            assert isinstance(stream, AsyncioStream)
            await asyncio.sleep(0.5)  # the server has written all it could
            buffered = len(stream._protocol.buffer)  # noqa: SLF001
            assert HIGH_WATER < buffered <= 2 * HIGH_WATER
            received = bytearray()
            while chunk := await stream.read(65536, timeout=5):
                received += chunk
            assert received == body
            assert await stream.read(65536, timeout=5) == b""  # the end, again
            assert stream.get_extra_info("is_readable")  # closed by the server
            await stream.aclose()
            with pytest.raises(httpcore.ReadError):
                await stream.read(10)

    asyncio.run(go())


def test_timeouts_and_refused_connections_are_httpcores_errors() -> None:
    async def go() -> None:
        server, port = await _serve(b"", close=False)
        async with server:
            stream = await connect_tcp("127.0.0.1", port, timeout=5)
            assert not stream.get_extra_info("is_readable")  # idle, open
            with pytest.raises(httpcore.ReadTimeout):
                await stream.read(10, timeout=0.1)
            await stream.write(b"x", timeout=1)
            await stream.aclose()
            with pytest.raises(httpcore.WriteError):
                await stream.write(b"x", timeout=1)
        with pytest.raises(httpcore.ConnectError):
            await connect_tcp("127.0.0.1", port, timeout=5)  # nobody listens any more

    asyncio.run(go())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls_over_the_stream(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))

    async def go() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"hello " + await reader.readexactly(5))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        async with server:
            plain = await connect_tcp("127.0.0.1", port, timeout=5)
            stream = await plain.start_tls(client_ctx, "localhost", timeout=5)
            assert stream.get_extra_info("ssl_object") is not None
            await stream.write(b"world", timeout=5)
            received = b""
            while chunk := await stream.read(100, timeout=5):
                received += chunk
            assert received == b"hello world"
            await stream.aclose()
            # a certificate that does not name the host: refused
            plain = await connect_tcp("127.0.0.1", port, timeout=5)
            with pytest.raises(httpcore.ConnectError):
                await plain.start_tls(client_ctx, "example.org", timeout=5)

    asyncio.run(go())
