"""Secrets: key rings with ids, files made once with mode 0600, and refusals that say why."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from vaxbook.adapters.signer import JwtSigner
from vaxbook.domain.credentials import AdmissionPass
from vaxbook.domain.errors import VaxbookError
from vaxbook.keys import KeyRing, SecretsError, load_pepper, load_ring, parse_ring, pepper_fingerprint
from vaxbook.web.pages.csrf import csrf_token, csrf_valid


def _pass(signer: JwtSigner) -> str:
    return signer.sign(AdmissionPass(person="p", device="d", line="l", groups=[3], birth="1990-05-13",
                                     name="홍*동", exp=time.time() + 60))


def test_the_first_key_signs_and_every_listed_key_is_accepted() -> None:
    """A token of the old key stays valid while the old key is listed after the new one."""
    old = JwtSigner(parse_ring("k1:old-secret-0123456789", "test"), time.time)
    token = _pass(old)
    rotated = JwtSigner(parse_ring("k2:new-secret-0123456789,k1:old-secret-0123456789", "test"), time.time)
    assert rotated.read(AdmissionPass, token, device="d").person == "p"
    retired = JwtSigner(parse_ring("k2:new-secret-0123456789", "test"), time.time)
    with pytest.raises(VaxbookError) as refused:
        retired.read(AdmissionPass, token, device="d")
    assert refused.value.code == "admission_invalid"


def test_a_key_id_with_another_secret_is_refused() -> None:
    """Knowing a key id is not enough: the same id with another secret does not verify."""
    token = _pass(JwtSigner(KeyRing.single("k1", b"attacker-secret-0123"), time.time))
    with pytest.raises(VaxbookError):
        server = JwtSigner(KeyRing.single("k1", b"server-secret-012345"), time.time)
        server.read(AdmissionPass, token, device="d")


@pytest.mark.parametrize(
    "text", ["", "no-colon-here-0123456789", "k1:short", "k1:a-long-secret-000,k1:b-long-secret-000"]
)
def test_malformed_rings_are_refused(text: str) -> None:
    """Empty rings, entries without an id, short secrets and repeated ids are refused."""
    with pytest.raises(SecretsError):
        parse_ring(text, "VAXBOOK_SIGNING_KEYS")


def test_a_key_file_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    """The first start writes the file readable by its owner only; later starts read the same key."""
    path = tmp_path / "keys" / "signing"
    first = load_ring(None, path, "signing_keys")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_ring(None, path, "signing_keys") == first


def test_a_secret_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    """A pepper file that others can read stops the start, with the chmod that fixes it."""
    path = tmp_path / "pepper"
    path.write_text("p1:a-pepper-of-enough-length\n")
    path.chmod(0o644)
    with pytest.raises(SecretsError, match="chmod 600"):
        load_pepper(None, path)


def test_the_pepper_is_one_key() -> None:
    """A pepper ring of two keys is refused: person keys cannot rotate."""
    with pytest.raises(SecretsError, match="never rotates"):
        load_pepper("p1:first-pepper-0123456789,p2:second-pepper-012345", Path("unused"))


def test_the_fingerprint_tells_peppers_apart_and_hides_them() -> None:
    """Two peppers give two fingerprints, and the fingerprint does not contain the pepper."""
    one = load_pepper("p1:first-pepper-0123456789", Path("unused"))
    two = load_pepper("p1:second-pepper-012345678", Path("unused"))
    assert pepper_fingerprint(one) != pepper_fingerprint(two)
    assert "first-pepper" not in pepper_fingerprint(one)


def test_csrf_tokens_of_a_listed_key_are_accepted_after_rotation() -> None:
    """A form made before a CSRF key rotation is accepted while its key is listed; not after."""
    before = parse_ring("c1:csrf-secret-one-0123", "test")
    sent = csrf_token(before.current, "device-1")
    assert csrf_valid(parse_ring("c2:csrf-secret-two-0123,c1:csrf-secret-one-0123", "t"), "device-1", sent)
    assert not csrf_valid(parse_ring("c2:csrf-secret-two-0123", "t"), "device-1", sent)
    assert not csrf_valid(before, "device-2", sent)
