"""The outbox on every backend: messages commit with their booking, are delivered, retried, dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import KST, ManualClock
from tests.journey import add_clinic_with_slot
from tests.notify.kit import RecordingChannel, book_many, clinic_with_room, dispatcher
from tests.services.conftest import admitted, verified
from vaxbook.bootstrap import Container
from vaxbook.domain.errors import VaxbookError
from vaxbook.domain.notices import NoticeKind, NoticeState, Settlement

REMINDER_1 = datetime(2021, 8, 19, 10, 0, tzinfo=UTC) - KST  # the day before 2021-08-20, 10:00 KST


async def test_a_booking_writes_its_message_and_two_reminders(services: Container) -> None:
    """Booking puts the confirmation and one reminder per dose in the outbox, nothing else."""
    await add_clinic_with_slot(services.clinics)
    who = await verified(services)
    await services.booking.book(await admitted(services, who), 1, "key-1")
    await services.booking.book(await admitted(services, who), 1, "key-1")  # a replay writes nothing
    assert await services.outbox.counts() == {NoticeState.PENDING: 3}


async def test_a_refused_booking_writes_no_message(services: Container) -> None:
    """A booking the ledger refuses (no second-dose place) leaves the outbox empty."""
    await add_clinic_with_slot(services.clinics, second_capacity=0)
    await add_clinic_with_slot(services.clinics, clinic_id="C2")
    who = await verified(services)
    with pytest.raises(VaxbookError):
        await services.booking.book(await admitted(services, who), 1, "key-1")
    assert await services.outbox.counts() == {}


async def test_the_confirmation_names_both_doses_clinic_and_address(services: Container) -> None:
    """The dispatcher sends the confirmation now, in Korean, to the phone given at verification."""
    await add_clinic_with_slot(services.clinics)
    who = await verified(services)
    booking = await services.booking.book(await admitted(services, who), 1, "key-1")
    channel = RecordingChannel()
    assert await dispatcher(services, [channel]).run_once() == 1  # the reminders are not due yet
    (letter,) = channel.letters
    assert letter.kind is NoticeKind.BOOKED and letter.booking_id == booking.id
    assert letter.phone == "01012340001" and letter.language == "ko"
    for part in ("2021년 08월 20일 09:00", "2021년 10월 01일 09:00", "C1 의원", "주소 1", booking.id):
        assert part in letter.text.body
    assert await services.outbox.counts() == {NoticeState.SENT: 1, NoticeState.PENDING: 2}


async def test_reminders_go_the_day_before_each_dose_at_ten(services: Container, clock: ManualClock) -> None:
    """Each reminder is due at 10:00 campaign-local on the day before its dose, not a second earlier."""
    await clinic_with_room(services)
    await book_many(services, 1)
    channel = RecordingChannel()
    run = dispatcher(services, [channel])
    await run.run_once()
    clock.set(REMINDER_1 - timedelta(seconds=1))
    assert await run.run_once() == 0
    clock.set(REMINDER_1)
    assert await run.run_once() == 1
    assert channel.letters[-1].kind is NoticeKind.REMINDER and "1차 접종" in channel.letters[-1].text.body
    clock.set(REMINDER_1 + timedelta(days=42))
    assert await run.run_once() == 1
    assert "2차 접종" in channel.letters[-1].text.body


async def test_cancel_voids_the_reminders_and_says_so(services: Container) -> None:
    """A cancel writes its message in its own transaction and the booking's reminders are never sent."""
    await add_clinic_with_slot(services.clinics)
    who = await verified(services)
    await services.booking.book(await admitted(services, who), 1, "key-1")
    await services.booking.cancel(who)
    assert await services.outbox.counts() == {NoticeState.PENDING: 2, NoticeState.VOID: 2}
    channel = RecordingChannel()
    await dispatcher(services, [channel]).run_once()
    assert [letter.kind for letter in channel.letters] == [NoticeKind.BOOKED, NoticeKind.CANCELLED]


async def test_failures_back_off_exponentially_then_dead_letter(
    services: Container, clock: ManualClock
) -> None:
    """A failing channel is retried after 10 s, 20 s, ...; after the last try the message is dead."""
    await clinic_with_room(services)
    await book_many(services, 1)
    channel = RecordingChannel(fail_first=100)
    run = dispatcher(services, [channel], backoff_seconds=10, max_attempts=3)
    assert await run.run_once() == 1
    clock.advance(seconds=9)
    assert await run.run_once() == 0
    clock.advance(seconds=1)
    assert await run.run_once() == 1
    clock.advance(seconds=19)
    assert await run.run_once() == 0
    clock.advance(seconds=1)
    assert await run.run_once() == 1
    assert (await services.outbox.counts())[NoticeState.DEAD] == 1
    clock.advance(days=1)
    assert await run.run_once() == 0


async def test_a_retry_after_a_failure_delivers_with_the_same_key(
    services: Container, clock: ManualClock
) -> None:
    """The message tried again carries the idempotency key of its first try."""
    await clinic_with_room(services)
    await book_many(services, 1)
    channel = RecordingChannel(fail_first=1)
    first = await services.outbox.claim(clock.now(), 60, 10)
    await services.outbox.settle([Settlement(first[0], NoticeState.PENDING, clock.now(), "test")])
    run = dispatcher(services, [channel], backoff_seconds=0)
    await run.run_once()
    await run.run_once()
    assert [letter.idempotency_key for letter in channel.letters] == [first[0].idempotency_key]


async def test_a_claim_is_exclusive_until_its_lease_lapses(services: Container, clock: ManualClock) -> None:
    """A leased message is not claimed again; once it lapses, the first claimer cannot settle it."""
    await clinic_with_room(services)
    await book_many(services, 1)
    (held,) = await services.outbox.claim(clock.now(), 60, 10)
    assert await services.outbox.claim(clock.now(), 60, 10) == []
    clock.advance(seconds=61)
    (again,) = await services.outbox.claim(clock.now(), 60, 10)
    assert again.id == held.id and again.attempts == 2
    assert await services.outbox.settle([Settlement(held, NoticeState.SENT)]) == set()
    assert await services.outbox.settle([Settlement(again, NoticeState.SENT)]) == {again.id}
