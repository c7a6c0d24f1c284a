"""A claimed batch is read once and settled once, on every backend, and each message stays its own."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tests.conftest import ManualClock
from tests.journey import add_clinic_with_slot
from tests.notify.kit import RecordingChannel, book_many, clinic_with_room, dispatcher
from tests.services.conftest import admitted, verified
from vaxbook.bootstrap import Container
from vaxbook.domain.messages import Letter
from vaxbook.domain.notices import NoticeState, Settlement
from vaxbook.ports import NotificationFailed
from vaxbook.services.outbox import Dispatcher, DispatchSettings


@dataclass
class RefusingFor:
    """A channel that refuses the letters of the named bookings and records the rest."""

    refused: set[str]
    letters: list[Letter] = field(default_factory=list)

    async def send(self, letter: Letter) -> None:
        if letter.booking_id in self.refused:
            raise NotificationFailed("refused by the test")
        self.letters.append(letter)


@dataclass
class SlowChannel:
    """A channel that takes `seconds` per letter and notes how many messages were sent when each began."""

    services: Container
    seconds: float
    sent_before: list[int] = field(default_factory=list)

    async def send(self, letter: Letter) -> None:
        self.sent_before.append((await self.services.outbox.counts()).get(NoticeState.SENT, 0))
        await asyncio.sleep(self.seconds)


async def test_a_batch_reaches_each_person_with_their_own_contact_and_booking(services: Container) -> None:
    """Four people at two clinics, one batch: each letter carries its own phone, booking and clinic."""
    await add_clinic_with_slot(services.clinics)  # slots 1 and 2
    await add_clinic_with_slot(services.clinics, clinic_id="C2")  # slots 3 and 4
    bookings = {}
    for n in range(1, 5):
        who = await verified(services, device=f"device-{n:04}", serial=n)
        booking = await services.booking.book(await admitted(services, who), 1 if n % 2 else 3, f"key-{n}")
        assert booking.clinic.id == ("C1" if n % 2 else "C2")
        bookings[booking.id] = (f"0101234{n:04}", booking)
    channel = RecordingChannel()
    assert await dispatcher(services, [channel]).run_once() == 4  # the reminders are not due yet
    assert {letter.booking_id for letter in channel.letters} == set(bookings)
    for letter in channel.letters:
        assert letter.booking_id is not None
        phone, booking = bookings[letter.booking_id]
        assert letter.phone == phone
        assert booking.id in letter.text.body and booking.clinic.name in letter.text.body
    assert await services.outbox.counts() == {NoticeState.SENT: 4, NoticeState.PENDING: 8}


async def test_a_failing_message_leaves_the_rest_of_its_batch_sent(services: Container) -> None:
    """One refused letter in a batch of five is pending again with its error; the other four are sent."""
    await clinic_with_room(services)
    ids = await book_many(services, 5)
    channel = RefusingFor({ids[2]})
    assert await dispatcher(services, [channel], backoff_seconds=10).run_once() == 5
    assert [letter.booking_id for letter in channel.letters] == ids[:2] + ids[3:]
    assert await services.outbox.counts() == {NoticeState.SENT: 4, NoticeState.PENDING: 11}


async def test_a_settle_batch_with_one_lost_claim_settles_the_others_only(
    services: Container, clock: ManualClock
) -> None:
    """Of three settlements, the one whose lease lapsed (claimed again) is ignored and not reported."""
    await clinic_with_room(services)
    await book_many(services, 3)
    (lapsed,) = await services.outbox.claim(clock.now(), 60, 1)
    clock.advance(seconds=30)
    kept = await services.outbox.claim(clock.now(), 60, 2)
    clock.advance(seconds=31)  # the first lease has lapsed, the second has not
    (retaken,) = await services.outbox.claim(clock.now(), 60, 10)
    assert retaken.id == lapsed.id
    settled = await services.outbox.settle([Settlement(m, NoticeState.SENT) for m in (lapsed, *kept)])
    assert settled == {m.id for m in kept}
    assert (await services.outbox.counts())[NoticeState.SENT] == 2
    assert await services.outbox.settle([Settlement(retaken, NoticeState.SENT)]) == {retaken.id}
    assert (await services.outbox.counts())[NoticeState.SENT] == 3


async def test_once_half_the_lease_has_passed_each_delivery_is_settled_at_once(services: Container) -> None:
    """Slow channel (0.4 s a letter, lease 1.2 s): the first two are settled together, the rest one by one."""
    await clinic_with_room(services)
    await book_many(services, 4)
    channel = SlowChannel(services, seconds=0.4)
    assert await dispatcher(services, [channel], lease_seconds=1.2).run_once() == 4
    # Half the lease (0.6 s) passes during the second letter: the first two are settled after it.
    assert channel.sent_before == [0, 0, 2, 3]
    assert (await services.outbox.counts())[NoticeState.SENT] == 4


async def test_a_busy_dispatcher_sweeps_standby_offers_once_per_poll_not_per_batch(
    services: Container, clock: ManualClock
) -> None:
    """Batch after batch within one poll interval sweeps lapsed standby offers once; the next
    interval's first batch sweeps again (the sweep is a transaction of its own)."""
    await add_clinic_with_slot(services.clinics)
    await book_many(services, 6)
    swept: list[object] = []

    async def sweep(now: object) -> int:
        swept.append(now)
        return await services.standby.sweep(now)  # type: ignore[arg-type]  # a datetime

    busy = Dispatcher(services.campaign, services.ledger, services.outbox, services.sealer,
                      [RecordingChannel()], services.clock, DispatchSettings(batch=2, poll_seconds=2.0),
                      sweep=sweep)
    assert [await busy.run_once() for _ in range(3)] == [2, 2, 2]
    assert len(swept) == 1
    clock.advance(seconds=2)
    await busy.run_once()
    assert len(swept) == 2
