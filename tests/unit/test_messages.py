"""Every message kind has Korean and English words naming the days, the clinic and its address."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from vaxbook.domain.booking import Booking, Clinic, Slot
from vaxbook.domain.messages import booking_text, offer_text
from vaxbook.domain.notices import NoticeKind
from vaxbook.domain.standby import Offer, OfferState

CLINIC = Clinic("C1", "행복의원", "서울특별시", "종로구", "종로 1")
FIRST = Slot(1, "C1", date(2021, 8, 20), time(9), time(10), "pfizer", 10, 0)
SECOND = Slot(2, "C1", date(2021, 10, 1), time(9), time(10), "pfizer", 0, 10)
BOOKING = Booking("VB1", "p", "홍*동", date(1990, 5, 13), 3, FIRST, SECOND, CLINIC,
                  datetime(2021, 8, 13, tzinfo=UTC))


@pytest.mark.parametrize("kind", [NoticeKind.BOOKED, NoticeKind.CHANGED, NoticeKind.CANCELLED])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_booking_messages_name_both_doses_and_the_clinic(kind: NoticeKind, language: str) -> None:
    """Booked, changed and cancelled messages carry both doses, clinic name and address."""
    text = booking_text(kind, BOOKING, language)
    korean = language == "ko"
    day_1, day_2 = ("2021년 08월 20일", "2021년 10월 01일") if korean else ("20 Aug 2021", "01 Oct 2021")
    for part in (day_1, day_2, "09:00", "행복의원", "종로 1", "VB1"):
        assert part in text.body
    assert text.subject


def test_a_reminder_names_its_own_dose() -> None:
    """The second dose's reminder names the second dose's day, in either language."""
    assert "2차 접종: 2021년 10월 01일" in booking_text(NoticeKind.REMINDER, BOOKING, "ko", 2).body
    assert "Dose 1: 20 Aug 2021" in booking_text(NoticeKind.REMINDER, BOOKING, "en", 1).body


@pytest.mark.parametrize(("month", "name"), list(enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1)))
def test_a_dose_line_gives_day_and_hours_exactly(month: int, name: str) -> None:
    """A dose's line gives the day and hours exactly: the English month abbreviation from the
    message's own table (not the process's locale, as %b was), zero-padded day and hours, and the
    Korean year, month and day with their units."""
    slot = Slot(3, "C1", date(2021, month, 5), time(9, 5), time(17, 30), "pfizer", 10, 0)
    booking = Booking("VB2", "p", "홍*동", date(1990, 5, 13), 3, slot, None, CLINIC,
                      datetime(2021, 8, 13, tzinfo=UTC))
    english, korean = (booking_text(NoticeKind.BOOKED, booking, language).body for language in ("en", "ko"))
    assert f"First dose: 05 {name} 2021 09:05-17:30\n" in english
    assert f"1차 접종: 2021년 {month:02d}월 05일 09:05~17:30\n" in korean


def test_an_offer_says_until_when_it_is_held() -> None:
    """A standby offer names the place and the local time it lapses."""
    offer = Offer("OF1", "p", FIRST, CLINIC, 3, False, datetime(2021, 8, 13, tzinfo=UTC),
                  datetime(2021, 8, 13, 0, 30, tzinfo=UTC), OfferState.OPEN)
    assert "09:30까지" in offer_text(offer, "ko", datetime(2021, 8, 13, 9, 30)).body
    assert "until 09:30" in offer_text(offer, "en", datetime(2021, 8, 13, 9, 30)).body
