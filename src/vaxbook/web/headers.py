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
application/problem+json like every other one; the matching rules are the same.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vaxbook.domain.errors import Problem
from vaxbook.web.limits import send_problem


class SecurityHeaders:
    def __init__(self, app: ASGIApp, allowed_hosts: list[str], hsts_seconds: int) -> None:
        self.app = app
        self.allowed_hosts = [host.lower() for host in allowed_hosts]
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains" if hsts_seconds else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not host_allowed(_host(scope), self.allowed_hosts):
            await send_problem(send, Problem.INVALID_HOST, scope["path"])
            return
        api = scope["path"].startswith("/api/")
        hsts = self.hsts if scope.get("scheme") == "https" else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Plain list work, not MutableHeaders: this runs on every answer (docs/benchmarks.md).
                raw = list(message.get("headers", []))
                names = {bytes(name).lower() for name, _ in raw}
                if b"x-content-type-options" not in names:
                    raw.append((b"x-content-type-options", b"nosniff"))
                if api and b"cache-control" not in names:
                    raw.append((b"cache-control", b"no-store"))
                if hsts and b"strict-transport-security" not in names:
                    raw.append((b"strict-transport-security", hsts.encode("latin-1")))
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
