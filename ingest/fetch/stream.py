"""httpcore's network stream on asyncio's own transport (the guarded backend's connections).

httpcore reaches the network through anyio. On asyncio, anyio's socket stream resumes and
pauses the transport's reading around every read (two changes to the event loop's
selector, each a system call), puts a cancel scope around every operation and yields an
extra loop turn after every write: about a tenth of the CPU of a not-modified poll. This
stream keeps its transport reading into a buffer, paused above HIGH_WATER bytes so that a
body is never read far ahead of the size cap that fetch/client.py enforces, and writes
without the extra turn. TLS is asyncio's own (`loop.start_tls`). Timeouts and errors are
httpcore's exceptions, as anyio's stream raised them: a read at the end of the stream
returns b"", a reset connection is a ReadError or WriteError.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import typing
from collections.abc import Iterable

import httpcore
from httpcore._utils import is_socket_readable

# Bytes read ahead of the reader before the transport stops reading (and reads again once
# a quarter of it is left): a response's body waits in the kernel beyond this.
HIGH_WATER = 256 * 1024


class _Protocol(asyncio.Protocol):
    """What the transport delivered, and the waiters of the stream's read and write."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: Exception | None = None
        self.reading_paused = False
        self.writing_paused = False
        self.waiter: asyncio.Future[None] | None = None  # a read waiting for data
        self.drained: asyncio.Future[None] | None = None  # a write waiting for room

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > HIGH_WATER and not self.reading_paused and self.transport:
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self.waiter)

    def eof_received(self) -> None:
        self.eof = True
        _wake(self.waiter)

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        _wake(self.waiter)
        _wake(self.drained)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        _wake(self.drained)


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


async def connect_tcp(
    host: str,
    port: int,
    timeout: float | None = None,
    local_address: str | None = None,
    socket_options: Iterable[typing.Any] | None = None,
) -> AsyncioStream:
    """A connection to `host` (an IP address: the guard resolved and checked it, and an
    address is connected to as it is, without a lookup)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            transport, protocol = await loop.create_connection(
                _Protocol, host, port, local_addr=(local_address, 0) if local_address else None
            )
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"no connection to {host}:{port} within {timeout}s") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    sock = transport.get_extra_info("socket")
    for option in socket_options or ():  # asyncio sets TCP_NODELAY itself
        sock.setsockopt(*option)
    return AsyncioStream(transport, protocol, sock)


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(
        self, transport: asyncio.Transport, protocol: _Protocol, sock: socket.socket
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._socket = sock  # the TCP socket, under TLS too
        self._closed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if self._closed:
            raise httpcore.ReadError("the connection is closed")
        if not protocol.buffer and not protocol.eof:
            protocol.waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await protocol.waiter
            except TimeoutError:
                raise httpcore.ReadTimeout(f"no data within {timeout}s") from None
            finally:
                protocol.waiter = None
        if protocol.buffer:
            data = bytes(protocol.buffer[:max_bytes])
            del protocol.buffer[:max_bytes]
            if protocol.reading_paused and len(protocol.buffer) <= HIGH_WATER // 4:
                protocol.reading_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise httpcore.ReadError(str(protocol.error)) from protocol.error
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if self._closed or self._transport.is_closing():
            raise httpcore.WriteError(str(protocol.error or "the connection is closed"))
        self._transport.write(buffer)
        if protocol.writing_paused:
            protocol.drained = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await protocol.drained
            except TimeoutError:
                raise httpcore.WriteTimeout(f"could not write within {timeout}s") from None
            finally:
                protocol.drained = None
            if protocol.writing_paused:  # woken by the connection's loss
                raise httpcore.WriteError(str(protocol.error or "the connection is closed"))

    async def aclose(self) -> None:
        self._closed = True
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport,
                    self._protocol,
                    ssl_context,
                    server_hostname=server_hostname,
                )
        except TimeoutError:
            await self.aclose()
            raise httpcore.ConnectTimeout(f"no TLS handshake within {timeout}s") from None
        except OSError as exc:  # ssl.SSLError included
            await self.aclose()
            raise httpcore.ConnectError(str(exc)) from exc
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol, self._socket)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            # Idle, a connection has nothing to read unless the server closed it (or is
            # about to): what was delivered, or what waits in the kernel.
            protocol = self._protocol
            return protocol.eof or bool(protocol.buffer) or is_socket_readable(self._socket)
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._socket
        return None
