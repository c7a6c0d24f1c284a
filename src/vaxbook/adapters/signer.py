"""Signed, short-lived credentials that any worker checks locally, with no lookup.

- identity token: EdDSA (Ed25519), signed by the verification service with its private key
  and checked with the public key, so verification can run on machines of its own: a node
  given only public keys checks identity tokens but cannot issue them;
- verification request, queue ticket and admission pass: HMAC-SHA256, issued and checked here.
Every token names the key that signed it (`kid`), so keys can rotate.

The tokens are standard JWS compact JWTs (PyJWT reads and writes the same bytes, a test
proves it), but they are made and checked here with `hmac` and libsodium (PyNaCl) directly:
PyJWT re-parses the header and walks its options on every call, about 80 us of CPU for an
HS256 check against 9 us for the HMAC and JSON that make it up (docs/benchmarks.md). The
header is not parsed at all: each (algorithm, kid) has one header text, and a token whose
header text is not one of ours is refused, so no token can choose its own algorithm.
A checked token's claims are kept per worker (an LRU keyed by the token string): an
identity token's Ed25519 signature is checked once per worker, not on every request; expiry
and device binding are still judged on every read. Keys are read (PEM) with `cryptography`;
signing and checking are libsodium's (PyNaCl), cheaper than OpenSSL's through `cryptography`
on these machines (76 against 132 us a check, 30 against 41 a signature:
benchmarks/credential_cost.py), and Ed25519 signatures are deterministic, so the tokens are
the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

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
_BY_AUDIENCE: dict[str, type[Credential]] = {audience: kind for kind, (audience, _) in _KINDS.items()}
_MISSING: dict[type[Any], Problem] = {
    Identity: Problem.IDENTITY_REQUIRED, AdmissionPass: Problem.ADMISSION_REQUIRED,
}
# Checked tokens kept per worker: a person holds a handful at a time for ten minutes, so this
# covers tens of thousands of people per worker in at most a few tens of megabytes.
CHECKED_TOKENS_KEPT = 32_768
_SIGNATURE_BYTES = {"HS256": 32, "EdDSA": 64}


class _Rejected(Exception):
    """The token is not one this node signed, or not of the kind asked for."""


def derived_identity_key(secret: bytes) -> Ed25519PrivateKey:
    """The Ed25519 key a signing key stands for when no key pair is given (one node does all)."""
    seed = hashlib.sha256(b"vaxbook-identity-ed25519:" + secret).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    # Strict: a character outside the alphabet is refused, not skipped.
    padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
    return binascii.a2b_base64(padded.encode("ascii"), strict_mode=True)


def _header(algorithm: str, kid: str) -> str:
    """The header text PyJWT writes for this algorithm and key id (sorted keys, no spaces)."""
    return _b64(orjson.dumps({"alg": algorithm, "kid": kid, "typ": "JWT"}, option=orjson.OPT_SORT_KEYS))


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
        private: tuple[str, Ed25519PrivateKey] | None
        if identity is None:
            derived = {key.id: derived_identity_key(key.secret) for key in keys.keys}
            private = (self._current, derived[self._current])
            public_keys = {kid: key.public_key() for kid, key in derived.items()}
        else:
            private, public_keys = _identity_pair(identity)
        self._identity_private = (private[0], SigningKey(private[1].private_bytes_raw())) if private else None
        # header text -> (algorithm, key): the only headers accepted, one per algorithm and key.
        self._hmac_headers = {_header("HS256", kid): key for kid, key in self._hmac_keys.items()}
        self._eddsa_headers = {_header("EdDSA", kid): VerifyKey(key.public_bytes_raw())
                               for kid, key in public_keys.items()}
        self._signing_header = _header("HS256", self._current)
        self._checked = lru_cache(maxsize=CHECKED_TOKENS_KEPT)(self._check)

    @property
    def issues_identities(self) -> bool:
        """Whether this node holds an identity private key (a verification node)."""
        return self._identity_private is not None

    def sign(self, credential: Credential) -> str:
        audience, _ = _KINDS[type(credential)]
        # vars(), not dataclasses.asdict: the claims are flat (a list at most, which orjson
        # encodes as it is), and asdict's deep copy took 12 us of a 20 us signature.
        payload = _b64(orjson.dumps({**vars(credential), "aud": audience}))
        if isinstance(credential, Identity):
            if self._identity_private is None:
                raise VaxbookError(Problem.VERIFICATION_ELSEWHERE)
            kid, private = self._identity_private
            message = f"{_header('EdDSA', kid)}.{payload}"
            return f"{message}.{_b64(private.sign(message.encode('ascii')).signature)}"
        message = f"{self._signing_header}.{payload}"
        key = self._hmac_keys[self._current]
        return f"{message}.{_b64(hmac.digest(key, message.encode('ascii'), 'sha256'))}"

    def read(self, kind: type[C], token: str | None, *, device: str | None) -> C:
        """Check signature, expiry and audience, and that the caller's device is the bound one."""
        audience, code = _KINDS[kind]
        if not token:
            raise VaxbookError(_MISSING.get(kind, code))
        try:
            credential = self._checked(audience, token)
        except _Rejected:
            raise VaxbookError(code) from None
        if not isinstance(credential, kind) or credential.exp <= self._now():
            raise VaxbookError(code)
        if device is not None and credential.device != device:
            raise VaxbookError(Problem.DEVICE_MISMATCH, field=Input.DEVICE_ID)
        return credential

    def _check(self, audience: str, token: str) -> Credential:
        """The credential a token carries if its signature is ours (cached: raise, never None)."""
        header, payload, signature = _segments(token)
        message = f"{header}.{payload}".encode("ascii")
        if audience == "identity":
            public = self._eddsa_headers.get(header)
            if public is None:
                raise _Rejected
            try:
                public.verify(message, _signature(signature, "EdDSA"))
            except BadSignatureError:
                raise _Rejected from None
        else:
            key = self._hmac_headers.get(header)
            if key is None or not hmac.compare_digest(
                _b64(hmac.digest(key, message, "sha256")), signature
            ):
                raise _Rejected
        return _credential(audience, payload)


def _segments(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3 or not token.isascii():
        raise _Rejected
    return parts[0], parts[1], parts[2]


def _signature(text: str, algorithm: str) -> bytes:
    try:
        raw = _unb64(text)
    except (binascii.Error, ValueError):
        raise _Rejected from None
    if len(raw) != _SIGNATURE_BYTES[algorithm] or _b64(raw) != text:  # one spelling per signature
        raise _Rejected
    return raw


def _credential(audience: str, payload: str) -> Credential:
    kind = _BY_AUDIENCE[audience]
    try:
        claims = orjson.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        raise _Rejected from None
    if not isinstance(claims, dict) or claims.pop("aud", None) != audience:
        raise _Rejected
    expiry = claims.get("exp")
    if isinstance(expiry, bool) or not isinstance(expiry, int | float):
        raise _Rejected
    try:
        credential: Credential = kind(**claims)
    except TypeError:
        raise _Rejected from None
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
