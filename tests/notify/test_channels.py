"""The real channels: a signed webhook against a local HTTP receiver that fails some calls, and SMTP."""

from __future__ import annotations

import asyncio
import email
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from tests.conftest import ManualClock
from tests.journey import add_clinic_with_slot, person_number
from tests.notify.kit import dispatcher
from tests.services.conftest import GROUP_3_BIRTH, admitted
from vaxbook.adapters.notify.email import EmailNotifier
from vaxbook.adapters.notify.webhook import SIGNATURE_HEADER, WebhookNotifier
from vaxbook.bootstrap import Container
from vaxbook.domain.credentials import Identity
from vaxbook.domain.messages import Letter, Text
from vaxbook.domain.notices import NoticeKind, NoticeState
from vaxbook.ports import NotificationFailed

SECRET = "webhook-secret-0123456789"


@dataclass
class Receiver:
    """A local HTTP receiver: refuses the first `failures` calls with 503, then keeps what it gets."""

    failures: int = 0
    delay: float = 0.0
    calls: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        body = await request.read()
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, ""), expected):
            return web.Response(status=401)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=503)
        self.received.append(json.loads(body))
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # aiohttp names no port
    found.url = f"http://127.0.0.1:{port}/hook"
    yield found
    await runner.cleanup()


def letter(key: str = "vaxbook-booked-1") -> Letter:
    return Letter(key, NoticeKind.BOOKED, "VB1", None, "ko", "01012345678", None, Text("제목", "본문"))


async def test_the_webhook_retries_a_failing_receiver_within_one_delivery(receiver: Receiver) -> None:
    """Two 503s then a 204: one send succeeds on its third try, signed, with the booking id."""
    receiver.failures = 2
    await WebhookNotifier(receiver.url, SECRET, timeout_seconds=2, tries=3, pause_seconds=0.01).send(letter())
    assert receiver.calls == 3
    (body,) = receiver.received
    assert body["booking_id"] == "VB1" and body["idempotency_key"] == "vaxbook-booked-1"


async def test_the_webhook_gives_up_on_a_slow_receiver(receiver: Receiver) -> None:
    """A receiver slower than the timeout is a failed delivery, left to the outbox to retry."""
    receiver.delay = 1.0
    with pytest.raises(NotificationFailed):
        channel = WebhookNotifier(receiver.url, SECRET, timeout_seconds=0.2, tries=2, pause_seconds=0.01)
        await channel.send(letter())


async def test_a_wrong_secret_is_refused_and_not_retried_at_once(receiver: Receiver) -> None:
    """The receiver refuses a bad signature (401); the channel does not hammer it with the same body."""
    with pytest.raises(NotificationFailed):
        channel = WebhookNotifier(receiver.url, "another-secret-012345", timeout_seconds=2, tries=3)
        await channel.send(letter())
    assert receiver.calls == 1


async def verified_with(services: Container, email_address: str | None, language: str) -> Identity:
    started = await services.auth.start(
        name="홍길동", resident_number=person_number(GROUP_3_BIRTH), phone="010-1234-0001",
        method="kakao", device_id="device-0001", client="192.0.2.1", email=email_address, language=language,
    )
    done = await services.auth.verify(request_token=started.request_token, code=started.dev_code or "",
                                      device_id="device-0001")
    return done.identity


async def test_a_booking_reaches_the_webhook_through_the_outbox(
    services: Container, receiver: Receiver, clock: ManualClock
) -> None:
    """The receiver fails the first delivery; the outbox retries later with the same key; it gets one."""
    await add_clinic_with_slot(services.clinics)
    who = await verified_with(services, None, "en")
    booking = await services.booking.book(await admitted(services, who), 1, "key-1")
    receiver.failures = 1
    channel = WebhookNotifier(receiver.url, SECRET, timeout_seconds=2, tries=1)
    run = dispatcher(services, [channel], backoff_seconds=30)
    await run.run_once()
    assert receiver.received == [] and (await services.outbox.counts())[NoticeState.PENDING] == 3
    clock.advance(seconds=30)
    await run.run_once()
    (body,) = receiver.received
    assert body["booking_id"] == booking.id and body["phone"] == "01012340001"
    assert body["language"] == "en" and "First dose: 20 Aug 2021 09:00-10:00" in body["text"]
    assert "Second dose: 01 Oct 2021 09:00-10:00" in body["text"] and "C1 의원" in body["text"]


@dataclass
class Mailbox:
    messages: list[email.message.Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


async def test_a_booking_reaches_the_address_given_at_verification_by_smtp(
    services: Container, unused_tcp_port: int
) -> None:
    """With an e-mail given at verification, a real SMTP server receives the confirmation in English."""
    mailbox = Mailbox()
    server = Controller(mailbox, hostname="127.0.0.1", port=unused_tcp_port)
    server.start()
    try:
        await add_clinic_with_slot(services.clinics)
        who = await verified_with(services, "hong@example.org", "en")
        booking = await services.booking.book(await admitted(services, who), 1, "key-1")
        channel = EmailNotifier("127.0.0.1", unused_tcp_port, "vaxbook@example.org", timeout_seconds=5)
        await dispatcher(services, [channel]).run_once()
    finally:
        server.stop()
    (message,) = mailbox.messages
    assert message["To"] == "hong@example.org"
    assert message["Subject"] == "[Vaccination] Your booking is confirmed"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes) and booking.id in body.decode()


async def test_an_unreachable_smtp_server_is_a_failed_delivery(unused_tcp_port: int) -> None:
    """No server listening: the e-mail channel raises NotificationFailed, so the outbox retries."""
    with_email = Letter("k", NoticeKind.BOOKED, "VB1", None, "en", None, "a@example.org", Text("s", "b"))
    with pytest.raises(NotificationFailed):
        await EmailNotifier("127.0.0.1", unused_tcp_port, "v@example.org", timeout_seconds=2).send(with_email)
