"""The credentials a person carries, as plain values: what each one proves and about whom.

Each is signed (adapters/signer.py) and short-lived, and bound to a person key and a
device id, so any worker can check one locally with no lookup:
- a pending verification: a code was sent; it becomes an identity when the code matches;
- an identity: this device verified this person (10 minutes);
- a queue ticket: the person's place in one window's line (until the window closes);
- an admission pass: the ticket's turn came; it lets its holder book (10 minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PendingVerification:
    person: str
    device: str
    method: str
    reference: str
    birth: str  # ISO date
    name: str  # masked
    exp: float
    contact: str = ""  # sealed (AES-GCM): the phone travels to the booking, never in clear


@dataclass(frozen=True)
class Identity:
    person: str
    device: str
    birth: str
    name: str
    iat: float
    exp: float
    contact: str = ""  # sealed, as given at verification

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
    contact: str = ""


@dataclass(frozen=True)
class AdmissionPass:
    person: str
    device: str
    line: str
    groups: list[int]  # the shares this pass may book from
    birth: str
    name: str
    exp: float
    number: int | None = None  # the place it was issued for: with person and line, the pass's id
    contact: str = ""  # sealed: the booking keeps it for its notifications

    @property
    def birth_date(self) -> date:
        return date.fromisoformat(self.birth)


Credential = PendingVerification | Identity | Ticket | AdmissionPass
