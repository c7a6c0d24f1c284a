"""The simulated identity provider: a product feature for demos, tests and load rehearsals.

It behaves like the real services in the ways that matter for the rush: each method has
its own latency and a limited number of requests it serves at once; beyond that, callers
queue, and after a while are turned away as congested. Codes are derived from the
reference with a keyed hash, so any worker can confirm a code another worker sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.ports import Challenge


class SimulatedProvider:
    def __init__(
        self,
        method: str,
        secret: bytes,
        *,
        latency_seconds: float,
        capacity: int,
        queue_timeout_seconds: float,
        reveal_codes: bool,
    ) -> None:
        self.method = method
        self.capacity = capacity
        self._key = hashlib.sha256(b"vaxbook-sim-code:" + secret).digest()
        self._latency = latency_seconds
        self._slots = asyncio.Semaphore(capacity)
        self._queue_timeout = queue_timeout_seconds
        self._reveal = reveal_codes

    def _code(self, reference: str) -> str:
        digest = hmac.new(self._key, reference.encode(), hashlib.sha256).digest()
        return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"

    async def send_code(self, phone: str, name: str) -> Challenge:
        try:
            await asyncio.wait_for(self._slots.acquire(), self._queue_timeout)
        except TimeoutError:
            raise VaxbookError(Problem.METHOD_CONGESTED, field="method", retry_after=5) from None
        try:
            await asyncio.sleep(self._latency)
        finally:
            self._slots.release()
        reference = secrets.token_urlsafe(12)
        return Challenge(reference=reference, dev_code=self._code(reference) if self._reveal else None)

    async def confirm(self, reference: str, code: str) -> bool:
        # Nothing is spent: the same right code confirms again, as a lost answer's retry needs.
        code = code.strip()
        # compare_digest refuses non-ASCII text (a TypeError, not a mismatch): such a code is wrong.
        return code.isascii() and hmac.compare_digest(self._code(reference), code)
