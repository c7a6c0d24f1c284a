"""Proof of work: a solved challenge of this device passes; anything else is refused with its reason."""

from __future__ import annotations

import hashlib

import pytest

from vaxbook.domain.errors import VaxbookError
from vaxbook.domain.proof_of_work import (
    CHALLENGE_SECONDS,
    check_solution,
    issue_challenge,
    leading_zero_bits,
    solve,
)

KEY, NOW = b"k" * 32, 1_700_000_000.0


def _refused(challenge: str, solution: str, *, device: str = "d1", required: int = 8,
             now: float = NOW, key: bytes = KEY) -> str:
    with pytest.raises(VaxbookError) as refused:
        check_solution(key, challenge, solution, device=device, required=required, now=now)
    assert refused.value.code == "proof_of_work_invalid" and refused.value.field == "proof_of_work"
    return refused.value.detail_en or ""


def test_a_solved_challenge_passes() -> None:
    """The reference solver's answer has the leading zero bits the challenge asks for."""
    challenge = issue_challenge(KEY, "d1", 8, NOW)
    check_solution(KEY, challenge.text, solve(challenge.text, 8), device="d1", required=8, now=NOW)


def test_leading_zero_bits_counts_bits_not_bytes() -> None:
    """0x00 0x1f... starts with 11 zero bits."""
    assert leading_zero_bits(bytes([0, 0x1F, 0xFF])) == 11
    assert leading_zero_bits(bytes([0x80])) == 0 and leading_zero_bits(bytes(4)) == 32


def test_every_way_round_it_is_refused() -> None:
    """Another device, another key, an expired or weakened challenge, a wrong or missing solution."""
    challenge = issue_challenge(KEY, "d1", 8, NOW)
    solution = solve(challenge.text, 8)
    assert "not one of ours" in _refused(challenge.text, solution, device="d2")
    assert "not one of ours" in _refused(challenge.text, solution, key=b"x" * 32)
    assert "expired" in _refused(challenge.text, solution, now=NOW + CHALLENGE_SECONDS + 1)
    assert "too easy" in _refused(challenge.text, solution, required=9)
    weakened = "0" + challenge.text[1:]  # difficulty 8 -> 0 breaks the signature
    assert "not one of ours" in _refused(weakened, solution)
    wrong = next(str(n) for n in range(10_000)
                 if leading_zero_bits(hashlib.sha256(f"{challenge.text}:{n}".encode()).digest()) < 8)
    assert "does not solve" in _refused(challenge.text, wrong)
    assert "missing" in _refused(challenge.text, "")
    assert "missing" in _refused(challenge.text, "１" * 3)
    assert "not one of ours" in _refused("garbage", solution)
    assert "not one of ours" in _refused("", "")
