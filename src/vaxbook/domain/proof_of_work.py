"""Proof of work for starting a verification: a bot pays CPU per attempt, a person waits a moment.

Off by default (difficulty 0). When on, the client asks for a challenge, finds a
`solution` such that SHA-256(challenge ":" solution) starts with `difficulty` zero bits
(2**difficulty hashes on average), and sends both with its verification start. The
challenge is stateless: its difficulty, expiry and salt are signed with the server's key
and bound to the device, so any worker checks it without a lookup. Within its short life
a solved challenge could be sent again from the same device; the per-device throttle
bounds that, as it bounds everything else a device repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass

from vaxbook.domain.errors import Problem, VaxbookError

CHALLENGE_SECONDS = 120
MAX_SOLUTION_LENGTH = 32
MAX_DIFFICULTY = 32  # 4 billion hashes on average: far beyond any sensible setting


@dataclass(frozen=True)
class Challenge:
    text: str
    difficulty: int
    expires_at: int


def issue_challenge(key: bytes, device: str, difficulty: int, now: float) -> Challenge:
    """A fresh challenge for `device`, valid for CHALLENGE_SECONDS."""
    expires_at = int(now) + CHALLENGE_SECONDS
    body = f"{difficulty}.{expires_at}.{secrets.token_hex(8)}"
    return Challenge(f"{body}.{_mac(key, body, device)}", difficulty, expires_at)


def check_solution(
    key: bytes, challenge: str, solution: str, *, device: str, required: int, now: float
) -> None:
    """Accept a solved challenge of this device, signed here, unexpired, hard enough; else refuse."""
    parts = challenge.split(".")
    if len(parts) != 4 or not all(p.isascii() and p.isalnum() for p in parts):
        raise _refused("The challenge is not one of ours.", "확인 문제가 올바르지 않습니다.")
    difficulty, expires_at, _, mac = parts
    body = challenge.rpartition(".")[0]
    if not hmac.compare_digest(mac, _mac(key, body, device)):
        raise _refused("The challenge is not one of ours.", "확인 문제가 올바르지 않습니다.")
    if not difficulty.isdigit() or int(difficulty) < required:
        raise _refused("The challenge is too easy; ask for a new one.", "새 확인 문제를 받아 주세요.")
    if not expires_at.isdigit() or int(expires_at) <= now:
        raise _refused("The challenge has expired; ask for a new one.", "확인 문제가 만료되었습니다.")
    if not (0 < len(solution) <= MAX_SOLUTION_LENGTH and solution.isascii()):
        raise _refused("The solution is missing or malformed.", "확인 답이 없거나 올바르지 않습니다.")
    if leading_zero_bits(_digest(challenge, solution)) < int(difficulty):
        raise _refused("The solution does not solve the challenge.", "확인 답이 맞지 않습니다.")


def solve(challenge: str, difficulty: int) -> str:
    """The reference solver (tests, benchmarks); the pages run the same search in a Web Worker."""
    for counter in itertools.count():
        if leading_zero_bits(_digest(challenge, str(counter))) >= difficulty:
            return str(counter)
    raise AssertionError("unreachable")  # pragma: no cover


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def _digest(challenge: str, solution: str) -> bytes:
    return hashlib.sha256(f"{challenge}:{solution}".encode()).digest()


def _mac(key: bytes, body: str, device: str) -> str:
    return hmac.new(key, f"pow:{body}:{device}".encode(), hashlib.sha256).hexdigest()[:32]


def _refused(en: str, ko: str) -> VaxbookError:
    return VaxbookError(Problem.PROOF_OF_WORK_INVALID, field="proof_of_work", detail_en=en, detail_ko=ko)
