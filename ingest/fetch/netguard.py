"""SSRF guard: refuse connections to non-public addresses unless the user allowed them.

The check sits where the connection is made (an httpcore network backend), after DNS
resolution, so it covers every redirect hop and every DNS answer, and the socket is
opened to the very address that was checked (no second lookup to rebind).
Anchor: miniflux fetcher/request_builder.go (check in the dialer's Control callback).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Iterable, Sequence

import httpcore
from httpcore._backends.auto import AutoBackend

from ingest.core.errors import BlockedAddressError
from ingest.fetch.stream import connect_tcp

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# IPv6 prefixes that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052, well-
# known and local-use), IPv4-compatible (deprecated, RFC 4291) and IPv4-translated (SIIT,
# RFC 2765). Python's is_global judges the IPv6 form alone (64:ff9b::/96 is "global"), so
# 64:ff9b::a9fe:a9fe would reach 169.254.169.254 through a NAT64 gateway unchecked.
_EMBEDS_IPV4_LAST_32 = tuple(
    ipaddress.ip_network(net)
    for net in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96")
)


def ipv4_forms(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to: mapped, 6to4, Teredo, NAT64 and the
    other embeddings above. Each must pass the policy as well as the IPv6 form."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    forms: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        forms.append(ip.ipv4_mapped)  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.sixtofour is not None:
        forms.append(ip.sixtofour)  # 2002:7f00:1::/48 routes to 127.0.0.1
    if ip.teredo is not None:
        forms.extend(ip.teredo)  # (server, client)
    # :: and ::1 are in ::/96 too; they are judged as what they are (unspecified, loopback)
    if int(ip) > 1 and any(ip in net for net in _EMBEDS_IPV4_LAST_32):
        forms.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return forms


def is_allowed(ip: IPAddress, allow: Iterable[Network] = ()) -> bool:
    """Public unicast addresses pass; anything else only when listed in `allow`."""
    forms: list[IPAddress] = [ip, *ipv4_forms(ip)]
    if any(form in net for form in forms for net in allow if net.version == form.version):
        return True
    return all(_public(form) for form in forms)


def _public(ip: IPAddress) -> bool:
    # fec0::/10 (site-local, deprecated by RFC 3879) is still routed inside some networks
    # and Python does not count it private.
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    return ip.is_global and not ip.is_multicast and not site_local


def describe(ip: IPAddress) -> str:
    # link-local before private: Python counts 169.254/16 as private too, and "link-local"
    # is what tells the user it is the cloud metadata range.
    for attr in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{attr}"):
            return attr.replace("_", "-")
    return "non-public"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, check every address against the policy, connect to an allowed one."""

    def __init__(self, allow: Sequence[Network]) -> None:
        self._allow = tuple(allow)
        self._inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
        addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
        allowed = [ip for ip in addresses if is_allowed(ip, self._allow)]
        if not allowed:
            ip = addresses[0]
            raise BlockedAddressError(
                f"refused: {host} resolves to {ip}, a {describe(ip)} address "
                "(add it to allow_addresses in feeds.yaml to permit it)"
            )
        # on asyncio's transport, not anyio's stream (stream.py says why)
        return await connect_tcp(str(allowed[0]), port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
