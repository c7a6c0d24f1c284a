"""Messages written to the log: the default channel, for development and as an audit trail.

Only the kind, the booking or offer id and the idempotency key go to the log: never a
name, phone, e-mail address or resident number, and never the text (it names the clinic
and the day, which with a booking id is more than a log needs).
"""

from __future__ import annotations

import logging

from vaxbook.domain.messages import Letter

log = logging.getLogger("vaxbook.notify")


class LogNotifier:
    async def send(self, letter: Letter) -> None:
        log.info("message %s (%s) for booking %s offer %s delivered to the log",
                 letter.idempotency_key, letter.kind.value, letter.booking_id, letter.offer_id)
