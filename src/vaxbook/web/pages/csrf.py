"""CSRF tokens of the page forms: derived from the device cookie with the current CSRF key."""

from __future__ import annotations

import hashlib
import hmac

from vaxbook.keys import Key, KeyRing


class CsrfFailed(Exception):
    """A form came without a valid CSRF token of this device (a refusal only the pages make)."""


def csrf_token(key: Key, device: str) -> str:
    """`kid.mac`: the key id lets a form made before a CSRF key rotation still be sent."""
    mac = hmac.new(key.secret, b"vaxbook-pages-csrf:" + device.encode(), hashlib.sha256)
    return f"{key.id}.{mac.hexdigest()}"


def csrf_valid(ring: KeyRing, device: str, sent: str) -> bool:
    key = ring.find(sent.partition(".")[0])
    return key is not None and hmac.compare_digest(csrf_token(key, device).encode(), sent.encode())
