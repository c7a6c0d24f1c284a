"""The words of every notification, in Korean and English (pure: no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vaxbook.domain.booking import Booking, Clinic, Slot
from vaxbook.domain.notices import NoticeKind
from vaxbook.domain.standby import Offer

_SUBJECTS: dict[NoticeKind, tuple[str, str]] = {
    NoticeKind.BOOKED: ("[백신 예약] 예약이 완료되었습니다", "[Vaccination] Your booking is confirmed"),
    NoticeKind.CHANGED: ("[백신 예약] 예약이 변경되었습니다", "[Vaccination] Your booking was changed"),
    NoticeKind.CANCELLED: ("[백신 예약] 예약이 취소되었습니다", "[Vaccination] Your booking was cancelled"),
    NoticeKind.REMINDER: ("[백신 예약] 내일 접종 안내", "[Vaccination] Your vaccination is tomorrow"),
    NoticeKind.OFFER: ("[백신 예약] 예비 명단 접종 기회", "[Vaccination] A place for you from standby"),
}


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _when(slot: Slot, language: str) -> str:
    # Numbers formatted directly, not six strftime calls (a booking's message names both doses):
    # 13.3 -> 6.6 us per booked message, written for every booking during the rush. Month names
    # in English whatever the process's locale (%b would follow it).
    day, start, end = slot.day, slot.start, slot.end
    hours = f"{start.hour:02d}:{start.minute:02d}", f"{end.hour:02d}:{end.minute:02d}"
    if language == "ko":
        return f"{day.year:04d}년 {day.month:02d}월 {day.day:02d}일 {hours[0]}~{hours[1]}"
    return f"{day.day:02d} {_MONTHS_EN[day.month - 1]} {day.year:04d} {hours[0]}-{hours[1]}"


def _place(clinic: Clinic, language: str) -> str:
    label = ("장소", "주소") if language == "ko" else ("Clinic", "Address")
    return f"{label[0]}: {clinic.name}\n{label[1]}: {clinic.address}"


def booking_text(kind: NoticeKind, booking: Booking, language: str, dose: int | None = None) -> Text:
    """Booked, changed, cancelled or a reminder: both doses' dates and times, clinic and address."""
    ko = language == "ko"
    subject = _SUBJECTS[kind][0 if ko else 1]
    lines = [f"{'예약번호' if ko else 'Booking'}: {booking.id}"]
    if kind is NoticeKind.REMINDER:
        slot = booking.second if dose == 2 and booking.second is not None else booking.first
        number = 2 if slot is booking.second else 1
        lines.append(f"{number}차 접종: {_when(slot, language)}" if ko
                     else f"Dose {number}: {_when(slot, language)}")
        lines.append("신분증을 지참해 주세요." if ko else "Please bring an identity card.")
    else:
        lines.append(f"1차 접종: {_when(booking.first, language)}" if ko
                     else f"First dose: {_when(booking.first, language)}")
        if booking.second is not None:
            lines.append(f"2차 접종: {_when(booking.second, language)}" if ko
                         else f"Second dose: {_when(booking.second, language)}")
        if kind is NoticeKind.CANCELLED:
            lines.append("위 예약은 취소되었습니다." if ko else "This booking has been cancelled.")
    lines.append(_place(booking.clinic, language))
    return Text(subject, "\n".join(lines))


def offer_text(offer: Offer, language: str, local_expiry: datetime) -> Text:
    """A standby offer: the place, the hold, and how to answer."""
    ko = language == "ko"
    subject = _SUBJECTS[NoticeKind.OFFER][0 if ko else 1]
    if ko:
        lines = [f"대기 중이던 지역에 접종 자리가 났습니다: {_when(offer.slot, language)}",
                 _place(offer.clinic, language),
                 f"{local_expiry:%H:%M}까지 본인인증 후 수락하지 않으면 다음 분께 넘어갑니다.",
                 f"제안번호: {offer.id}"]
    else:
        lines = [f"A place is free in a district you wait for: {_when(offer.slot, language)}",
                 _place(offer.clinic, language),
                 f"It is held for you until {local_expiry:%H:%M}; verify and accept before then,"
                 " or it passes to the next person.",
                 f"Offer: {offer.id}"]
    return Text(subject, "\n".join(lines))


@dataclass(frozen=True)
class Letter:
    """One message ready for a channel: who, what, and the key that makes a resend harmless."""

    idempotency_key: str
    kind: NoticeKind
    booking_id: str | None
    offer_id: str | None
    language: str
    phone: str | None
    email: str | None
    text: Text

    def __repr__(self) -> str:  # never print a phone or an address in a log or traceback
        return f"Letter({self.idempotency_key!r}, booking={self.booking_id!r})"
