"""Who is asking: the client address the limits count by.

The peer of the connection, unless it is one of the configured trusted proxies: then the
right-most address in X-Forwarded-For that is not a trusted proxy (every proxy appends
the address it saw, so the entries to its left are whatever the client chose to send).
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address

from fastapi import Request

from vaxbook.web.container import container

MAX_ADDRESS = 64  # an address longer than any IPv6 text is not an address


def client_address(request: Request) -> str:
    trusted = container(request).settings.trusted_proxies
    peer = request.client.host if request.client else ""
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), trusted)


def forwarded_client(
    peer: str, forwarded_for: list[str], trusted: tuple[IPv4Network | IPv6Network, ...]
) -> str:
    if not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop[:MAX_ADDRESS]
    return hops[0][:MAX_ADDRESS] if hops else peer


def _trusted(address: str, trusted: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    if not trusted:
        return False
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)
