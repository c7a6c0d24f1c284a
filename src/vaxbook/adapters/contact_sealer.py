"""Contact data sealed with AES-GCM (cryptography), under a key kept outside the database.

A seal is `kid.nonce.ciphertext` (base64url): the key id lets keys rotate (the first key
of VAXBOOK_CONTACT_KEYS seals, every listed key opens), and the person key is the
associated data, so a seal copied onto another person's row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vaxbook.domain.contact import Contact
from vaxbook.keys import KeyRing


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AesGcmContactSealer:
    def __init__(self, ring: KeyRing) -> None:
        self._current = ring.current.id
        # A 256-bit AES key per ring entry, whatever the length of the configured secret.
        self._keys = {
            key.id: AESGCM(hashlib.sha256(b"vaxbook-contact:" + key.secret).digest()) for key in ring.keys
        }

    def seal(self, person_key: str, contact: Contact) -> str:
        plain = json.dumps(
            {"p": contact.phone, "e": contact.email, "l": contact.language}, separators=(",", ":")
        ).encode()
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plain, person_key.encode())
        return f"{self._current}.{_b64(nonce)}.{_b64(sealed)}"

    def open(self, person_key: str, sealed: str) -> Contact:
        try:
            kid, nonce, data = sealed.rsplit(".", 2)
            key = self._keys.get(kid)
            if key is None:
                raise ValueError("the key that sealed this contact is no longer configured")
            fields = json.loads(key.decrypt(_unb64(nonce), _unb64(data), person_key.encode()))
            return Contact(phone=str(fields["p"]), email=fields.get("e"), language=str(fields.get("l", "ko")))
        except (InvalidTag, ValueError, KeyError, TypeError) as problem:
            raise ValueError("contact seal does not open") from problem
