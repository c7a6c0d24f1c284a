"""Signed, short-lived credentials that any worker checks locally, with no lookup (PyJWT).

- identity token: EdDSA (Ed25519), signed by the verification service with its private key
  and checked with the public key, so verification can run on machines of its own: a node
  given only public keys checks identity tokens but cannot issue them;
- verification request, queue ticket and admission pass: HMAC, issued and checked here.
Every token names the key that signed it (`kid`), so keys can rotate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from vaxbook.domain.credentials import AdmissionPass, Credential, Identity, PendingVerification, Ticket
from vaxbook.domain.errors import Input, Problem, VaxbookError
from vaxbook.keys import IdentityKeys, KeyRing, SecretsError

C = TypeVar("C", PendingVerification, Identity, Ticket, AdmissionPass)

_KINDS: dict[type[Any], tuple[str, Problem]] = {
    # credential type -> (audience, problem code when invalid)
    PendingVerification: ("verification", Problem.VERIFICATION_NOT_FOUND),
    Identity: ("identity", Problem.IDENTITY_INVALID),
    Ticket: ("ticket", Problem.TICKET_INVALID),
    AdmissionPass: ("admission", Problem.ADMISSION_INVALID),
}
_MISSING: dict[type[Any], Problem] = {
    Identity: Problem.IDENTITY_REQUIRED, AdmissionPass: Problem.ADMISSION_REQUIRED,
}


def derived_identity_key(secret: bytes) -> Ed25519PrivateKey:
    """The Ed25519 key a signing key stands for when no key pair is given (one node does all)."""
    seed = hashlib.sha256(b"vaxbook-identity-ed25519:" + secret).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


class JwtSigner:
    """Signs and reads credentials; expiry is judged by the injected clock, not the system's.

    Tokens of any key still in a ring stay valid until they expire. Identity tokens use the
    given Ed25519 key pair (`identity`), else a pair derived from each signing key.
    """

    def __init__(self, keys: KeyRing, now: Callable[[], float], identity: IdentityKeys | None = None) -> None:
        self._now = now
        self._current = keys.current.id
        self._hmac_keys = {
            key.id: hashlib.sha256(b"vaxbook-hmac:" + key.secret).digest() for key in keys.keys
        }
        self._identity_private: tuple[str, Ed25519PrivateKey] | None
        if identity is None:
            derived = {key.id: derived_identity_key(key.secret) for key in keys.keys}
            self._identity_private = (self._current, derived[self._current])
            self._public_keys = {kid: private.public_key() for kid, private in derived.items()}
        else:
            self._identity_private, self._public_keys = _identity_pair(identity)

    @property
    def issues_identities(self) -> bool:
        """Whether this node holds an identity private key (a verification node)."""
        return self._identity_private is not None

    def sign(self, credential: Credential) -> str:
        audience, _ = _KINDS[type(credential)]
        claims = {**asdict(credential), "aud": audience}
        if isinstance(credential, Identity):
            if self._identity_private is None:
                raise VaxbookError(Problem.VERIFICATION_ELSEWHERE)
            kid, private = self._identity_private
            return jwt.encode(claims, private, algorithm="EdDSA", headers={"kid": kid})
        return jwt.encode(claims, self._hmac_keys[self._current], algorithm="HS256",
                          headers={"kid": self._current})

    def read(self, kind: type[C], token: str | None, *, device: str | None) -> C:
        """Check signature, expiry and audience, and that the caller's device is the bound one."""
        audience, code = _KINDS[kind]
        if not token:
            raise VaxbookError(_MISSING.get(kind, code))
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
        if device is not None and credential.device != device:
            raise VaxbookError(Problem.DEVICE_MISMATCH, field=Input.DEVICE_ID)
        return credential


def _identity_pair(
    identity: IdentityKeys,
) -> tuple[tuple[str, Ed25519PrivateKey] | None, dict[str, Ed25519PublicKey]]:
    """The given private key (if any) and every public key that identity tokens are checked with."""
    private: tuple[str, Ed25519PrivateKey] | None = None
    public: dict[str, Ed25519PublicKey] = {}
    if identity.private is not None:
        kid, pem = identity.private
        key = load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SecretsError(f"identity private key {kid!r} is not an Ed25519 key")
        private = (kid, key)
        public[kid] = key.public_key()
    for kid, pem in identity.public:
        found = load_pem_public_key(pem)
        if not isinstance(found, Ed25519PublicKey):
            raise SecretsError(f"identity public key {kid!r} is not an Ed25519 key")
        public[kid] = found
    return private, public
