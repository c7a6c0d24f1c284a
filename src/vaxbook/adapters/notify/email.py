"""Messages sent as e-mail over SMTP (aiosmtplib), to people who gave an address."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from vaxbook.domain.messages import Letter
from vaxbook.ports import NotificationFailed


class EmailNotifier:
    def __init__(
        self, host: str, port: int, sender: str, *, username: str | None = None,
        password: str | None = None, starttls: bool = False, timeout_seconds: float = 10.0,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password = username, password
        self._starttls = starttls
        self._timeout = timeout_seconds

    async def send(self, letter: Letter) -> None:
        if not letter.email:
            return  # no address given: this channel has nothing to do for this person
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = letter.email
        message["Subject"] = letter.text.subject
        message["Message-ID"] = f"<{letter.idempotency_key}@vaxbook>"  # a repeat is recognisable
        message.set_content(letter.text.body)
        try:
            await aiosmtplib.send(
                message, hostname=self._host, port=self._port, username=self._username,
                password=self._password, start_tls=self._starttls, timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as problem:
            raise NotificationFailed(f"smtp: {type(problem).__name__}") from None
