"""The JWT signer: each credential comes back as signed, and nothing else is accepted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.keypairs import write_key_pair
from vaxbook.adapters.signer import JwtSigner
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
