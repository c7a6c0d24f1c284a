"""Booking notices written to the log; a text-message gateway would implement the same port.

Only the booking id goes to the log: never a name, phone or resident number.
"""

from __future__ import annotations

import logging

from vaxbook.domain.booking import Booking

log = logging.getLogger("vaxbook.notify")


class LogNotifier:
    async def booking_confirmed(self, booking: Booking) -> None:
        log.info("booking %s confirmed for %s", booking.id, booking.first.day.isoformat())

    async def booking_cancelled(self, booking: Booking) -> None:
        log.info("booking %s cancelled", booking.id)
