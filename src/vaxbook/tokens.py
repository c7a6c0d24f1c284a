"""Signed, short-lived credentials that any worker checks locally, with no lookup.

- identity token: EdDSA, signed by the verification service with its private key and
  checked with the public key, so verification can run on separate machines;
- verification request, queue ticket and admission pass: HMAC, issued and checked here.
Every credential is bound to a person key and a device id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, TypeVar

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.keys import KeyRing

C = TypeVar("C")


@dataclass(frozen=True)
class PendingVerification:
    person: str
    device: str
    method: str
    reference: str
    birth: str  # ISO date
    name: str  # masked
    exp: float


@dataclass(frozen=True)
class Identity:
    person: str
    device: str
    birth: str
    name: str
    iat: float
    exp: float

    @property
    def birth_date(self) -> date:
        return date.fromisoformat(self.birth)


@dataclass(frozen=True)
class Ticket:
    person: str
    device: str
    line: str
    number: int | None  # None while in the pre-queue (numbered at opening)
    birth: str
    name: str
    iat: float
    exp: float


@dataclass(frozen=True)
class AdmissionPass:
    person: str
    device: str
    line: str
    groups: list[int]  # the shares this pass may book from
    birth: str
    name: str
    exp: float

    @property
    def birth_date(self) -> date:
        return date.fromisoformat(self.birth)


_KINDS: dict[type[Any], tuple[str, Problem]] = {
    # credential type -> (audience, problem code when invalid)
    PendingVerification: ("verification", Problem.VERIFICATION_NOT_FOUND),
    Identity: ("identity", Problem.IDENTITY_INVALID),
    Ticket: ("ticket", Problem.TICKET_INVALID),
    AdmissionPass: ("admission", Problem.ADMISSION_INVALID),
}


class Signer:
    """Signs and reads credentials; expiry is judged by the injected clock, not the system's.

    Every token names the key that signed it (`kid`), so the signing keys can rotate:
    tokens of any key still in the ring stay valid until they expire.
    """

    def __init__(self, keys: KeyRing, now: Callable[[], float]) -> None:
        self._now = now
        self._current = keys.current.id
        self._hmac_keys = {
            key.id: hashlib.sha256(b"vaxbook-hmac:" + key.secret).digest() for key in keys.keys
        }
        self._private_keys = {
            key.id: Ed25519PrivateKey.from_private_bytes(
                hashlib.sha256(b"vaxbook-identity-ed25519:" + key.secret).digest()
            )
            for key in keys.keys
        }
        self._public_keys = {kid: private.public_key() for kid, private in self._private_keys.items()}

    def sign(self, credential: Any) -> str:
        audience, _ = _KINDS[type(credential)]
        claims = {**asdict(credential), "aud": audience}
        headers = {"kid": self._current}
        if isinstance(credential, Identity):
            return jwt.encode(claims, self._private_keys[self._current], algorithm="EdDSA", headers=headers)
        return jwt.encode(claims, self._hmac_keys[self._current], algorithm="HS256", headers=headers)

    def read(self, kind: type[C], token: str | None, *, device: str | None) -> C:
        """Check signature, expiry and audience, and that the caller's device is the bound one."""
        audience, code = _KINDS[kind]
        if not token:
            missing = {Identity: Problem.IDENTITY_REQUIRED, AdmissionPass: Problem.ADMISSION_REQUIRED}
            raise VaxbookError(missing.get(kind, code))
        keys: dict[str, Any] = self._public_keys if kind is Identity else self._hmac_keys
        algorithm = "EdDSA" if kind is Identity else "HS256"
        try:
            key = keys.get(str(jwt.get_unverified_header(token).get("kid")))
            if key is None:
                raise VaxbookError(code)
            claims = jwt.decode(
                token, key, algorithms=[algorithm], audience=audience,
                options={"require": ["exp", "aud"], "verify_exp": False},
            )
        except (jwt.PyJWTError, TypeError):
            raise VaxbookError(code) from None
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= self._now():
            raise VaxbookError(code)
        claims.pop("aud")
        try:
            credential = kind(**claims)
        except TypeError:
            raise VaxbookError(code) from None
        if device is not None and getattr(credential, "device") != device:  # noqa: B009  # generic C
            raise VaxbookError(Problem.DEVICE_MISMATCH, field=Input.DEVICE_ID)
        return credential
