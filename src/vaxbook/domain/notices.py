"""What the outbox holds and when: notices of a booking's life, reminders, offers, and retry timing.

A notice is written in the same ledger transaction as the change it announces, so it
exists exactly when that change committed. Delivery is later, by a dispatcher.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

REMINDER_TIME = time(10)  # the day before each dose, campaign-local


class NoticeKind(StrEnum):
    BOOKED = "booked"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    REMINDER = "reminder"
    OFFER = "offer"


class NoticeState(StrEnum):
    PENDING = "pending"  # waiting for its due time or its next try
    SENT = "sent"
    DEAD = "dead"  # gave up after the last try: an operator looks at it
    VOID = "void"  # no longer true (a reminder of a booking since changed or cancelled)


@dataclass(frozen=True)
class Notice:
    """A message to write with a booking change: its kind, when it is due, and which dose."""

    kind: NoticeKind
    due_at: datetime
    dose: int | None = None


@dataclass(frozen=True)
class OutboxMessage:
    """A claimed message: enough to render it and to say which try this is."""

    id: int
    kind: NoticeKind
    person_key: str
    booking_id: str | None
    offer_id: str | None
    dose: int | None
    due_at: datetime
    attempts: int  # including this one
    claim: str  # the claimer's token: only it may settle the message

    @property
    def idempotency_key(self) -> str:
        """Stable across every try of this message: receivers drop a second delivery."""
        return f"vaxbook-{self.kind}-{self.id}"


@dataclass(frozen=True)
class Settlement:
    """How one try of a claimed message ended: sent, dead, or pending again from `retry_at`."""

    message: OutboxMessage
    state: NoticeState
    retry_at: datetime | None = None  # the next try, when state is pending
    error: str | None = None  # the last error, kept for an operator


def reminder_due(dose_day: date, timezone: ZoneInfo) -> datetime:
    """10:00 campaign-local on the day before the dose."""
    return datetime.combine(dose_day - timedelta(days=1), REMINDER_TIME, timezone)


def booking_notices(
    kind: NoticeKind, first_day: date, second_day: date | None, timezone: ZoneInfo, now: datetime
) -> tuple[Notice, ...]:
    """The message announcing a booking or change now, and a reminder before each dose to come."""
    notices = [Notice(kind, now)]
    for dose, day in ((1, first_day), (2, second_day)):
        if day is not None and reminder_due(day, timezone) > now:
            notices.append(Notice(NoticeKind.REMINDER, reminder_due(day, timezone), dose))
    return tuple(notices)


def retry_delay(attempts: int, base_seconds: float, cap_seconds: float) -> float:
    """Exponential backoff: base, 2*base, 4*base ... after the 1st, 2nd, 3rd failed try; capped."""
    return float(min(base_seconds * 2 ** max(attempts - 1, 0), cap_seconds))
