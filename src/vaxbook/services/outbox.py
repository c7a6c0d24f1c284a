"""The dispatcher: claims due messages from the outbox, renders them, sends them on every channel.

Delivery is at least once per channel, made harmless by the idempotency key each message
carries: a crash after sending and before settling sends the message again with the same
key. Failures are retried with exponential backoff; after the last try a message is dead
(kept, with its last error, for an operator). docs/notifications.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from vaxbook.domain.campaign import Campaign
from vaxbook.domain.contact import Contact
from vaxbook.domain.messages import Letter, Text, booking_text, offer_text
from vaxbook.domain.notices import NoticeKind, NoticeState, OutboxMessage, retry_delay
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

    async def run_once(self) -> int:
        """Claim the messages due now and deliver each; the number claimed."""
        s = self._settings
        if self._sweep is not None:
            await self._sweep(self._clock.now())
        claimed = await self._outbox.claim(self._clock.now(), s.lease_seconds, s.batch)
        for message in claimed:
            await self._deliver(message)
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

    async def _deliver(self, message: OutboxMessage) -> None:
        try:
            letter = await self._letter(message)
            for channel in self._channels:
                await channel.send(letter)
        except Undeliverable as reason:
            await self._outbox.settle(message, NoticeState.DEAD, None, str(reason))
            log.warning("message %s is undeliverable: %s", message.idempotency_key, reason)
            return
        except (NotificationFailed, OSError) as failure:
            await self._failed(message, str(failure) or type(failure).__name__)
            return
        except Exception as failure:  # noqa: BLE001  # a channel's bug must not stop the dispatcher
            await self._failed(message, f"unexpected {type(failure).__name__}")
            return
        await self._outbox.settle(message, NoticeState.SENT, None, None)

    async def _failed(self, message: OutboxMessage, error: str) -> None:
        s = self._settings
        if message.attempts >= s.max_attempts:
            await self._outbox.settle(message, NoticeState.DEAD, None, error)
            log.warning("message %s dead after %d tries: %s",
                        message.idempotency_key, message.attempts, error)
            return
        delay = retry_delay(message.attempts, s.backoff_seconds, s.backoff_cap_seconds)
        await self._outbox.settle(
            message, NoticeState.PENDING, self._clock.now() + timedelta(seconds=delay), error
        )

    async def _letter(self, message: OutboxMessage) -> Letter:
        contact = await self._contact(message.person_key)
        language = contact.language if contact else "ko"
        return Letter(
            idempotency_key=message.idempotency_key, kind=message.kind, booking_id=message.booking_id,
            offer_id=message.offer_id, language=language,
            phone=contact.phone if contact else None, email=contact.email if contact else None,
            text=await self._text(message, language),
        )

    async def _text(self, message: OutboxMessage, language: str) -> Text:
        if message.kind is NoticeKind.OFFER:
            offer = await self._offer_of(message.offer_id) if self._offer_of and message.offer_id else None
            if offer is None:
                raise Undeliverable("offer not found")
            return offer_text(offer, language, offer.expires_at.astimezone(self._campaign.timezone))
        booking = await self._ledger.booking_by_id(message.booking_id) if message.booking_id else None
        if booking is None:
            raise Undeliverable("booking not found")
        return booking_text(message.kind, booking, language, message.dose)

    async def _contact(self, person_key: str) -> Contact | None:
        sealed = await self._outbox.contact_of(person_key)
        if not sealed or self._sealer is None:
            return None
        try:
            return self._sealer.open(person_key, sealed)
        except ValueError:
            log.warning("a kept contact does not open (its key was removed?); sent without it")
            return None
