"""The JWT signer: each credential comes back as signed, and nothing else is accepted."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.keypairs import write_key_pair
from vaxbook.adapters.signer import JwtSigner, _b64, derived_identity_key
from vaxbook.domain.credentials import AdmissionPass, Identity, PendingVerification, Ticket
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.keys import KeyRing, SecretsError, load_identity_keys

NOW = 1_628_852_400.0
RING = KeyRing.single("s1", b"signing-secret-0123456789")


def now() -> float:
    return NOW


def _identity(device: str = "d1") -> Identity:
    return Identity(person="p1", device=device, birth="1990-05-13", name="홍*동", iat=NOW, exp=NOW + 600)


def _refusal(attempt: Callable[[], object]) -> Problem:
    with pytest.raises(VaxbookError) as refused:
        attempt()
    return refused.value.code


def test_every_kind_of_credential_comes_back_as_signed() -> None:
    """A pending verification, an identity, a ticket and a pass each read back equal to what was signed."""
    signer = JwtSigner(RING, now)
    pending = PendingVerification("p1", "d1", "kakao", "ref", "1990-05-13", "홍*동", NOW + 60)
    ticket = Ticket("p1", "d1", "line-3", 7, "1990-05-13", "홍*동", NOW, NOW + 60)
    admission = AdmissionPass("p1", "d1", "line-3", [3, 8], "1990-05-13", "홍*동", NOW + 60)
    assert signer.read(PendingVerification, signer.sign(pending), device="d1") == pending
    assert signer.read(Identity, signer.sign(_identity()), device="d1") == _identity()
    assert signer.read(Ticket, signer.sign(ticket), device="d1") == ticket
    assert signer.read(AdmissionPass, signer.sign(admission), device="d1") == admission


def test_expired_missing_and_other_kinds_are_refused() -> None:
    """Expiry follows the injected clock; a missing token is *_required; a pass is no identity."""
    later = JwtSigner(RING, lambda: NOW + 601)
    token = JwtSigner(RING, now).sign(_identity())
    assert _refusal(lambda: later.read(Identity, token, device="d1")) is Problem.IDENTITY_INVALID
    assert _refusal(lambda: later.read(Identity, None, device="d1")) is Problem.IDENTITY_REQUIRED
    signer = JwtSigner(RING, now)
    admission = signer.sign(AdmissionPass("p1", "d1", "line-3", [3], "1990-05-13", "홍*동", NOW + 60))
    assert _refusal(lambda: signer.read(Identity, admission, device="d1")) is Problem.IDENTITY_INVALID
    identity = signer.sign(_identity())
    assert _refusal(lambda: signer.read(AdmissionPass, identity, device="d1")) is Problem.ADMISSION_INVALID


def test_a_credential_works_only_on_its_device() -> None:
    """Another device presenting the token is refused with device_mismatch."""
    signer = JwtSigner(RING, now)
    token = signer.sign(_identity())
    assert _refusal(lambda: signer.read(Identity, token, device="d2")) is Problem.DEVICE_MISMATCH


def test_a_node_with_only_the_public_key_checks_but_cannot_issue(tmp_path: Path) -> None:
    """Given PEM keys, the verification node issues identities and a public-key-only node reads them."""
    private_file, public_file = write_key_pair(tmp_path, "identity")
    issuer = JwtSigner(RING, now, load_identity_keys(f"v1:{private_file}", None))
    checker = JwtSigner(RING, now, load_identity_keys(None, f"v1:{public_file}"))
    assert issuer.issues_identities and not checker.issues_identities
    token = issuer.sign(_identity())
    assert checker.read(Identity, token, device="d1") == _identity()
    with pytest.raises(VaxbookError) as refused:
        checker.sign(_identity())
    assert refused.value.code is Problem.VERIFICATION_ELSEWHERE
    # Derived keys no longer count once a key pair is given: an old-style token is refused.
    derived = JwtSigner(RING, now).sign(_identity())
    assert _refusal(lambda: checker.read(Identity, derived, device="d1")) is Problem.IDENTITY_INVALID


def test_a_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    """The private key file must be mode 0600, like every other secret."""
    private_file, _ = write_key_pair(tmp_path, "identity")
    private_file.chmod(0o644)
    with pytest.raises(SecretsError, match="chmod 600"):
        load_identity_keys(f"v1:{private_file}", None)


def test_tokens_are_standard_jwts_that_pyjwt_reads_and_writes() -> None:
    """PyJWT checks a token this signer made, and this signer reads one PyJWT made with the same key id."""
    signer = JwtSigner(RING, now)
    key = hashlib.sha256(b"vaxbook-hmac:" + RING.current.secret).digest()
    ticket = Ticket("p1", "d1", "line-3", 7, "1990-05-13", "홍*동", NOW, NOW + 60)
    claims = jwt.decode(signer.sign(ticket), key, algorithms=["HS256"], audience="ticket",
                        options={"verify_exp": False})
    assert claims["number"] == 7 and claims["name"] == "홍*동"
    made = jwt.encode({**claims, "aud": "ticket"}, key, algorithm="HS256", headers={"kid": "s1"})
    assert signer.read(Ticket, made, device="d1") == ticket


def test_identity_tokens_are_eddsa_jwts_that_openssl_signs_and_checks_the_same() -> None:
    """libsodium's Ed25519 here and OpenSSL's (PyJWT over cryptography) make the same token bytes from
    the same key and claims, and each checks the other's; a token signed by another key is refused."""
    signer = JwtSigner(RING, now)
    private = derived_identity_key(RING.current.secret)
    token = signer.sign(_identity())
    claims = jwt.decode(token, private.public_key(), algorithms=["EdDSA"], audience="identity",
                        options={"verify_exp": False})
    assert claims["person"] == "p1"
    header, payload, _ = token.split(".")
    by_openssl = _b64(private.sign(f"{header}.{payload}".encode()))
    assert token == f"{header}.{payload}.{by_openssl}"  # Ed25519 is deterministic: the same bytes
    made = jwt.encode({**claims}, private, algorithm="EdDSA", headers={"kid": "s1"})
    assert signer.read(Identity, made, device="d1") == _identity()
    stranger = jwt.encode({**claims}, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "s1"})
    assert _refusal(lambda: signer.read(Identity, stranger, device="d1")) is Problem.IDENTITY_INVALID


def test_altered_and_algorithm_swapped_tokens_are_refused() -> None:
    """A changed claim, a re-spelled signature, an unsigned or HS256-for-identity header are all refused."""
    signer = JwtSigner(RING, now)
    token = signer.sign(_identity())
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claims, "person": "p2"}).encode()).rstrip(b"=").decode()
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","kid":"s1","typ":"JWT"}').rstrip(b"=").decode()
    bad: str
    for bad in (f"{header}.{forged}.{signature}", f"{header}.{payload}.{signature}=",
                f"{header}.{payload}.{signature[:-2]}!{signature[-1]}", f"{none_header}.{payload}.",
                f"{header}.{payload}", token + ".x"):
        with pytest.raises(VaxbookError) as refused:
            signer.read(Identity, bad, device="d1")
        assert refused.value.code is Problem.IDENTITY_INVALID
    # An HMAC token of the identity's claims, keyed with a signing key, is no identity.
    hs = signer.sign(Ticket("p1", "d1", "l", 1, "1990-05-13", "x", NOW, NOW + 60))
    assert _refusal(lambda: signer.read(Identity, hs, device="d1")) is Problem.IDENTITY_INVALID


def test_a_cached_identity_still_expires_and_stays_bound_to_its_device() -> None:
    """A token read once is kept, yet a later read after expiry or from another device is refused."""
    clock = [NOW]
    signer = JwtSigner(RING, lambda: clock[0])
    token = signer.sign(_identity())
    assert signer.read(Identity, token, device="d1") == _identity()
    assert _refusal(lambda: signer.read(Identity, token, device="d2")) is Problem.DEVICE_MISMATCH
    clock[0] = NOW + 601
    assert _refusal(lambda: signer.read(Identity, token, device="d1")) is Problem.IDENTITY_INVALID
