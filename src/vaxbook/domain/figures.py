"""Public figures and the daily allocation digest: pure arithmetic and hashing, no I/O.

Figures are first-dose places (the fair split's subject) per group and per province. A
digest is one day's allocation, per group, province and vaccination day, written as
canonical JSON; its hash covers the previous digest's hash, so the digests form a chain
and a changed figure in any stored digest breaks the chain at that day.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

GROUPS = range(10)
GENESIS = "0" * 64  # the previous hash of the first digest


@dataclass(frozen=True)
class AllocationCount:
    """First-dose places of one group, in one province, on one vaccination day."""

    group: int
    sido: str
    day: date
    offered: int
    booked: int


@dataclass(frozen=True)
class Tally:
    """Places offered and booked under one key (a group number or a province name)."""

    key: int | str
    offered: int
    booked: int

    @property
    def free(self) -> int:
        return self.offered - self.booked


def _tally(key: int | str, counts: Iterable[AllocationCount]) -> Tally:
    offered = booked = 0
    for count in counts:
        offered += count.offered
        booked += count.booked
    return Tally(key, offered, booked)


def totals(counts: Sequence[AllocationCount]) -> Tally:
    return _tally("all", counts)


def by_group(counts: Sequence[AllocationCount]) -> list[Tally]:
    """Every group 0..9, even one with no places yet."""
    return [_tally(group, (c for c in counts if c.group == group)) for group in GROUPS]


def by_province(counts: Sequence[AllocationCount]) -> list[Tally]:
    """The provinces that have places, by name."""
    return [_tally(sido, (c for c in counts if c.sido == sido)) for sido in sorted({c.sido for c in counts})]


@dataclass(frozen=True)
class DigestHead:
    """What identifies a published digest: its day and the chain's hashes."""

    day: date
    made_at: datetime
    previous_sha256: str
    sha256: str


@dataclass(frozen=True)
class Digest(DigestHead):
    body: str  # canonical JSON; the hash is computed over exactly these characters


class DigestOutOfOrder(ValueError):
    """A digest may only be appended for a day after the last one's."""


class DigestConflict(RuntimeError):
    """Another digest was appended for that day, or after the same previous one, meanwhile."""


def digest_body(day: date, made_at: datetime, counts: Iterable[AllocationCount]) -> str:
    """The canonical text of a day's digest: sorted rows, no spaces, ASCII escapes."""
    rows = sorted([c.group, c.sido, c.day.isoformat(), c.offered, c.booked] for c in counts)
    document = {"day": day.isoformat(), "made_at": made_at.isoformat(), "rows": rows,
                "columns": ["group", "sido", "vaccination_day", "offered", "booked"]}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def chain_hash(previous_sha256: str, body: str) -> str:
    return hashlib.sha256(f"{previous_sha256}\n{body}".encode()).hexdigest()


def next_digest(
    last: DigestHead | None, day: date, made_at: datetime, counts: Iterable[AllocationCount]
) -> Digest:
    """The digest of `day`, chained to the last one; refuses a day at or before the last's."""
    if last is not None and day <= last.day:
        raise DigestOutOfOrder(f"the last digest is of {last.day}; a new one must be of a later day")
    previous = last.sha256 if last is not None else GENESIS
    body = digest_body(day, made_at, counts)
    return Digest(day, made_at, previous, chain_hash(previous, body), body)


@dataclass(frozen=True)
class ChainBreak:
    day: date
    reason: str


def first_break(digests: Sequence[Digest]) -> ChainBreak | None:
    """Where the chain of stored digests (oldest first) stops holding, or None if it holds."""
    expected_previous = GENESIS
    for digest in digests:
        if digest.previous_sha256 != expected_previous:
            return ChainBreak(digest.day, "its previous_sha256 is not the hash of the digest before it")
        if chain_hash(digest.previous_sha256, digest.body) != digest.sha256:
            return ChainBreak(digest.day, "its content does not match its sha256 (changed after publication)")
        if json.loads(digest.body).get("day") != digest.day.isoformat():
            return ChainBreak(digest.day, "its content names another day")
        expected_previous = digest.sha256
    return None
