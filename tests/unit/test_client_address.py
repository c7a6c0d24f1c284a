"""The client address the limits count by: X-Forwarded-For only from a trusted proxy."""

from __future__ import annotations

from ipaddress import ip_network

from vaxbook.web.client_address import forwarded_client

PROXIES = (ip_network("10.0.0.0/8"),)


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    """By default a forwarded header is the client's own claim and is ignored."""
    assert forwarded_client("203.0.113.9", ["1.2.3.4"], ()) == "203.0.113.9"


def test_an_untrusted_peer_cannot_choose_its_address() -> None:
    """A peer outside the trusted list is counted as itself, whatever it forwards."""
    assert forwarded_client("203.0.113.9", ["1.2.3.4"], PROXIES) == "203.0.113.9"


def test_the_right_most_untrusted_hop_is_the_client() -> None:
    """Entries the client wrote itself (left of what the proxies appended) are not believed."""
    assert forwarded_client("10.0.0.2", ["6.6.6.6, 198.51.100.7", "10.0.0.1"], PROXIES) == "198.51.100.7"
    assert forwarded_client("10.0.0.2", [], PROXIES) == "10.0.0.2"
    assert forwarded_client("10.0.0.2", ["10.0.0.5"], PROXIES) == "10.0.0.5"
