"""The dispatcher: claims due messages from the outbox, renders them, sends them on every channel.

A claimed batch costs a fixed number of ledger statements, whatever its size: one claim,
one read of its people's contacts, one of its bookings, and one write settling it at the
end (offers, rare, are still read one by one). The settlements are also written as soon as
half the lease has passed since the claim, so a slow channel cannot let the lease lapse
with the whole batch delivered and unsettled.

Delivery is at least once per channel, made harmless by the idempotency key each message
carries: a crash after sending and before settling sends the message again with the same
key. Since settling is per batch, a crash re-sends at most one batch (what was delivered
since the last settlement), each message with its key. Failures are retried with
exponential backoff; after the last try a message is dead (kept, with its last error, for
an operator). docs/notifications.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from vaxbook.domain.booking import Booking
from vaxbook.domain.campaign import Campaign
from vaxbook.domain.contact import Contact
from vaxbook.domain.messages import Letter, Text, booking_text, offer_text
from vaxbook.domain.notices import NoticeKind, NoticeState, OutboxMessage, Settlement, retry_delay
from vaxbook.domain.standby import Offer
from vaxbook.ports import (
    BackendUnavailable,
    Clock,
    ContactSealer,
    Ledger,
    NotificationFailed,
    Notifier,
    Outbox,
)

log = logging.getLogger("vaxbook.notify")

OfferLookup = Callable[[str], Awaitable[Offer | None]]
Sweep = Callable[[datetime], Awaitable[int]]


@dataclass(frozen=True)
class DispatchSettings:
    poll_seconds: float = 2.0
    batch: int = 50
    lease_seconds: float = 120.0
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 3600.0


class Undeliverable(Exception):
    """The message can never be rendered (its booking or offer is gone): dead at once."""


class Dispatcher:
    def __init__(
        self, campaign: Campaign, ledger: Ledger, outbox: Outbox, sealer: ContactSealer | None,
        channels: Sequence[Notifier], clock: Clock, settings: DispatchSettings,
        offer_of: OfferLookup | None = None, sweep: Sweep | None = None,
    ) -> None:
        self._campaign = campaign
        self._ledger = ledger
        self._outbox = outbox
        self._sealer = sealer
        self._channels = tuple(channels)
        self._clock = clock
        self._settings = settings
        self._offer_of = offer_of
        self._sweep = sweep  # passes on lapsed standby offers, whose messages this loop then sends
        self._swept_at: datetime | None = None  # by the clock: a sweep at most once per poll

    async def run_once(self) -> int:
        """Claim the messages due now and deliver each; the number claimed."""
        s = self._settings
        now = self._clock.now()
        # While busy this runs back to back, a batch after another: the sweep (a transaction of
        # its own) once per poll_seconds is as often as an idle dispatcher makes it, not once per
        # batch (2.5 % of a worker's CPU in a booking rush; docs/notifications.md).
        if self._sweep is not None and (
            self._swept_at is None or now - self._swept_at >= timedelta(seconds=s.poll_seconds)
            or now < self._swept_at
        ):
            await self._sweep(now)
            self._swept_at = now
        claimed_at = time.monotonic()  # before the claim: its lease runs from no later than this
        claimed = await self._outbox.claim(self._clock.now(), s.lease_seconds, s.batch)
        if not claimed:
            return 0
        batch = await self._read_batch(claimed)
        settle_by = claimed_at + s.lease_seconds / 2
        settlements: list[Settlement] = []
        for message in claimed:
            settlements.append(await self._deliver(message, batch))
            if time.monotonic() >= settle_by:  # the lease is half gone: keep what is done
                await self._settle(settlements)
                settlements = []
        await self._settle(settlements)
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: deliver what is due, and rest `poll_seconds` when nothing was."""
        while not stop.is_set():
            try:
                busy = await self.run_once() == self._settings.batch
            except BackendUnavailable:
                log.warning("outbox: ledger unavailable, trying again shortly")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._settings.poll_seconds)

    async def _read_batch(self, claimed: Sequence[OutboxMessage]) -> _Batch:
        """What the batch's letters need from the ledger: one read of contacts, one of bookings."""
        booking_ids = {m.booking_id for m in claimed if m.booking_id and m.kind is not NoticeKind.OFFER}
        bookings = await self._ledger.bookings_by_id(booking_ids) if booking_ids else {}
        contacts: dict[str, Contact | None] = {}
        if (sealer := self._sealer) is not None:  # without one no contact can be opened: not read
            sealed = await self._outbox.contacts_of({m.person_key for m in claimed})
            contacts = {person: _opened(sealer, person, seal) for person, seal in sealed.items() if seal}
        return _Batch(contacts, bookings)

    async def _settle(self, settlements: Sequence[Settlement]) -> None:
        if not settlements:
            return
        settled = await self._outbox.settle(settlements)
        if len(settled) < len(settlements):
            log.warning("outbox: %d message(s) lost their claim before settling (lease lapsed);"
                        " another dispatcher has them", len(settlements) - len(settled))

    async def _deliver(self, message: OutboxMessage, batch: _Batch) -> Settlement:
        """Send one message on every channel: how its try ended (a failure is its alone)."""
        try:
            letter = await self._letter(message, batch)
            for channel in self._channels:
                await channel.send(letter)
        except Undeliverable as reason:
            log.warning("message %s is undeliverable: %s", message.idempotency_key, reason)
            return Settlement(message, NoticeState.DEAD, None, str(reason))
        except (NotificationFailed, OSError) as failure:
            return self._failed(message, str(failure) or type(failure).__name__)
        except Exception as failure:  # noqa: BLE001  # a channel's bug must not stop the dispatcher
            return self._failed(message, f"unexpected {type(failure).__name__}")
        return Settlement(message, NoticeState.SENT)

    def _failed(self, message: OutboxMessage, error: str) -> Settlement:
        s = self._settings
        if message.attempts >= s.max_attempts:
            log.warning("message %s dead after %d tries: %s",
                        message.idempotency_key, message.attempts, error)
            return Settlement(message, NoticeState.DEAD, None, error)
        delay = retry_delay(message.attempts, s.backoff_seconds, s.backoff_cap_seconds)
        return Settlement(message, NoticeState.PENDING, self._clock.now() + timedelta(seconds=delay), error)

    async def _letter(self, message: OutboxMessage, batch: _Batch) -> Letter:
        contact = batch.contacts.get(message.person_key)
        language = contact.language if contact else "ko"
        return Letter(
            idempotency_key=message.idempotency_key, kind=message.kind, booking_id=message.booking_id,
            offer_id=message.offer_id, language=language,
            phone=contact.phone if contact else None, email=contact.email if contact else None,
            text=await self._text(message, language, batch),
        )

    async def _text(self, message: OutboxMessage, language: str, batch: _Batch) -> Text:
        if message.kind is NoticeKind.OFFER:
            offer = await self._offer_of(message.offer_id) if self._offer_of and message.offer_id else None
            if offer is None:
                raise Undeliverable("offer not found")
            return offer_text(offer, language, offer.expires_at.astimezone(self._campaign.timezone))
        booking = batch.bookings.get(message.booking_id) if message.booking_id else None
        if booking is None:
            raise Undeliverable("booking not found")
        return booking_text(message.kind, booking, language, message.dose)


@dataclass(frozen=True)
class _Batch:
    """What a claimed batch's letters are rendered from, read once for the whole batch."""

    contacts: Mapping[str, Contact | None]  # by person key; absent: none kept (or no sealer)
    bookings: Mapping[str, Booking]  # by booking id; absent: gone


def _opened(sealer: ContactSealer, person_key: str, sealed: str) -> Contact | None:
    try:
        return sealer.open(person_key, sealed)
    except ValueError:
        log.warning("a kept contact does not open (its key was removed?); sent without it")
        return None
