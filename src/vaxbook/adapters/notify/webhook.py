"""Messages POSTed as JSON to a webhook (a text-message gateway, say), signed with HMAC-SHA256.

The receiver checks `X-Vaxbook-Signature: sha256=<hex>` over the exact body with the
shared secret, and drops a repeat by `idempotency_key` (also `Idempotency-Key`). Each
delivery has a timeout and a few quick tries; after that the outbox retries with backoff.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import httpx

from vaxbook.domain.messages import Letter
from vaxbook.ports import NotificationFailed

SIGNATURE_HEADER = "X-Vaxbook-Signature"


def signature(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def letter_json(letter: Letter) -> dict[str, Any]:
    return {
        "idempotency_key": letter.idempotency_key, "kind": letter.kind.value,
        "booking_id": letter.booking_id, "offer_id": letter.offer_id, "language": letter.language,
        "phone": letter.phone, "email": letter.email,
        "subject": letter.text.subject, "text": letter.text.body,
    }


class WebhookNotifier:
    def __init__(self, url: str, secret: str, *, timeout_seconds: float, tries: int,
                 pause_seconds: float = 0.2) -> None:
        self._url = url
        self._secret = secret.encode()
        self._timeout = httpx.Timeout(timeout_seconds)
        self._tries = tries
        self._pause = pause_seconds

    async def send(self, letter: Letter) -> None:
        body = json.dumps(letter_json(letter), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json", SIGNATURE_HEADER: signature(self._secret, body),
            "Idempotency-Key": letter.idempotency_key,
        }
        last = "no try made"
        async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
            for attempt in range(self._tries):
                if attempt:
                    await asyncio.sleep(self._pause * 2 ** (attempt - 1))
                try:
                    answer = await client.post(self._url, content=body, headers=headers)
                except httpx.HTTPError as problem:
                    last = f"{type(problem).__name__}"
                    continue
                if answer.is_success:
                    return
                last = f"HTTP {answer.status_code}"
                if answer.status_code < 500 and answer.status_code not in (408, 429):
                    break  # the receiver refuses this message: trying again now will not help
        raise NotificationFailed(f"webhook: {last}")
