"""Channels a test can read back, and a quick way to fill the outbox through the real ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tests.journey import add_clinic_with_slot
from vaxbook.bootstrap import Container
from vaxbook.domain.booking import BookingRequest
from vaxbook.domain.messages import Letter
from vaxbook.domain.notices import NoticeKind, booking_notices
from vaxbook.ports import NotificationFailed, Notifier
from vaxbook.services.outbox import Dispatcher, DispatchSettings


@dataclass
class RecordingChannel:
    """A channel that keeps every letter it is given (a real implementation of the port)."""

    letters: list[Letter] = field(default_factory=list)
    fail_first: int = 0  # refuse this many sends first

    async def send(self, letter: Letter) -> None:
        if self.fail_first > 0:
            self.fail_first -= 1
            raise NotificationFailed("refused by the test")
        self.letters.append(letter)


def dispatcher(services: Container, channels: Sequence[Notifier], **settings: Any) -> Dispatcher:
    """A dispatcher on the container's ledger and outbox, through the given channels."""
    return Dispatcher(services.campaign, services.ledger, services.outbox, services.sealer, channels,
                      services.clock, DispatchSettings(**settings))


async def book_many(services: Container, count: int, first_slot: int = 1, second_slot: int = 2) -> list[str]:
    """`count` bookings written straight to the ledger, each with its messages: their ids."""
    ids = []
    now = services.clock.now()
    for n in range(count):
        request = BookingRequest(
            person_key=f"person-{n}", masked_name="홍*동", birth_date=date(1990, 5, 13),
            first_slot_id=first_slot, share_groups=tuple(range(10)), needs_second_dose=True,
            second_slot_ids=(second_slot,), idempotency_key=f"k-{n}", fingerprint=f"book:{first_slot}",
            at=now, notices=booking_notices(NoticeKind.BOOKED, date(2021, 8, 20), date(2021, 10, 1),
                                            services.campaign.timezone, now),
        )
        ids.append((await services.ledger.book(request)).id)
    return ids


async def clinic_with_room(services: Container, capacity: int = 1000) -> None:
    await add_clinic_with_slot(services.clinics, first_capacity=capacity)
