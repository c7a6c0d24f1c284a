"""Headers every answer gets, and the host names the service answers to.

- `X-Content-Type-Options: nosniff` on every answer;
- `Cache-Control: no-store` on every /api answer that sets no caching of its own (they carry
  identity tokens, tickets, passes and request tokens; the one that sets its own, a waiting
  ticket's line status, carries no new credential);
- `Strict-Transport-Security` when the request came over HTTPS: the scope's scheme, which
  uvicorn takes from `X-Forwarded-Proto` only when the peer is a trusted proxy
  (`--forwarded-allow-ips`, default 127.0.0.1);
- a Host outside `allowed_hosts` is refused (400 `invalid_host`), so no absolute URL the
  framework builds (the trailing-slash redirect) can point at an attacker's host.

Written by hand rather than with starlette's TrustedHostMiddleware so that its refusal is
application/problem+json like every other one; the matching rules are the same. Plain
functions the edge (web/edge.py) calls, so no answer pays for a middleware layer of its own.
"""

from __future__ import annotations

from starlette.types import Scope

Headers = list[tuple[bytes, bytes]]
NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """The host check and the headers to add, worked out once: the edge (web/edge.py) calls them."""

    def __init__(self, allowed_hosts: list[str], hsts_seconds: int) -> None:
        self.allowed_hosts = [host.lower() for host in allowed_hosts]
        hsts = (b"strict-transport-security", f"max-age={hsts_seconds}; includeSubDomains".encode("latin-1"))
        # The headers an answer may get, by (under /api/, over HTTPS), built once, not per answer.
        self._wanted = {(api, https): tuple(header for header, wanted in (
            (NOSNIFF, True), (NO_STORE, api), (hsts, https and hsts_seconds > 0)) if wanted)
            for api in (False, True) for https in (False, True)}

    def allows(self, scope: Scope) -> bool:
        return host_allowed(_host(scope), self.allowed_hosts)

    def wanted(self, scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
        """The headers this request's answer gets unless the route set them itself."""
        return self._wanted[scope["path"].startswith("/api/"), scope.get("scheme") == "https"]


def completed(headers: Headers, wanted: tuple[tuple[bytes, bytes], ...]) -> Headers:
    """The answer's headers and each wanted one it lacks (a route's own Cache-Control stays)."""
    names = {name.lower() for name, _ in headers}  # plain list work, not MutableHeaders: every answer
    return [*headers, *(header for header in wanted if header[0] not in names)]


def _host(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return bytes(value).decode("latin-1").lower()
    return ""


def host_allowed(host_header: str, allowed: list[str]) -> bool:
    """Host without its port, matched exactly, by `*.suffix`, or by `*` (starlette's rules)."""
    if host_header.startswith("["):  # an IPv6 literal keeps its brackets, loses its port
        host = host_header.partition("]")[0] + "]"
    else:
        host = host_header.partition(":")[0]
    if not host:
        return False
    for pattern in allowed:
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False
