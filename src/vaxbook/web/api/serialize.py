"""Domain records as JSON: one shape per record, shared by every endpoint and the pages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, time
from typing import Any

from vaxbook.domain.booking import Booking, Clinic, ClinicFree, ClinicListRow, RegionFree, Slot, SlotFree
from vaxbook.domain.campaign import Campaign
from vaxbook.domain.eligibility import Eligibility
from vaxbook.domain.rotation import Window, all_windows
from vaxbook.services.waiting_room import LineView


def window_json(window: Window | None) -> dict[str, Any] | None:
    if window is None:
        return None
    return {"id": window.id, "group": window.group, "opens_at": window.opens.isoformat(),
            "closes_at": window.closes.isoformat()}


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.id, "name_ko": campaign.name_ko, "name_en": campaign.name_en,
        "timezone": str(campaign.timezone),
        "cohorts": [{"id": c.id, "born_from": c.born_from.isoformat(), "born_to": c.born_to.isoformat()}
                    for c in campaign.cohorts],
        "vaccines": [asdict(v) for v in campaign.vaccines],
        "windows": [window_json(w) for w in all_windows(campaign)],
    }


def eligibility_json(found: Eligibility) -> dict[str, Any]:
    return {"status": found.status.value, "group": found.group, "may_join_line": found.may_join_line,
            "window": window_json(found.window)}


def line_json(view: LineView) -> dict[str, Any]:
    # By hand, not asdict(): this runs on every status answer (asdict copies deeply).
    found: dict[str, Any] = {
        "state": view.state, "ticket": view.ticket, "line": view.line, "number": view.number,
        "ahead": view.ahead,
    }
    for key, value in (("estimated_wait_seconds", view.estimated_wait_seconds),
                       ("poll_after_seconds", view.poll_after_seconds),
                       ("admission_pass", view.admission_pass), ("opens_at", view.opens_at),
                       ("paused", view.paused), ("notice_ko", view.notice_ko), ("notice_en", view.notice_en)):
        if value is not None:
            found[key] = value
    return found


def region_json(region: RegionFree) -> dict[str, Any]:
    return {"name": region.name, "free": region.free}


def clinic_json(clinic: Clinic) -> dict[str, Any]:
    # By hand, not asdict() (its deep copy is 5 us of every booking's answer): asdict's keys, in order.
    return {"id": clinic.id, "name": clinic.name, "sido": clinic.sido, "sigungu": clinic.sigungu,
            "address": clinic.address}


def clinic_free_json(found: ClinicFree) -> dict[str, Any]:
    return {**clinic_json(found.clinic), "free": found.free}


# Slot lists repeat a few days and clock times (a bench clinic's 56 slots: 7 days, 8 starts, 8
# ends), and a list cached for a second is encoded again on nearly every request: each day's and
# time's text is made once per worker (three isoformat calls per slot were most of a list's JSON).
_TEXTS: dict[date | time, str] = {}
_TEXTS_KEPT = 10_000  # a campaign's days and the clock's minutes are far fewer


def _text(value: date | time) -> str:
    text = _TEXTS.get(value)
    if text is None:
        if len(_TEXTS) >= _TEXTS_KEPT:
            _TEXTS.clear()
        text = _TEXTS[value] = value.isoformat() if isinstance(value, date) else value.isoformat("minutes")
    return text


def slot_json(slot: Slot) -> dict[str, Any]:
    return {"id": slot.id, "clinic_id": slot.clinic_id, "date": _text(slot.day),
            "start": _text(slot.start), "end": _text(slot.end), "vaccine_id": slot.vaccine_id}


def slot_free_json(found: SlotFree) -> dict[str, Any]:
    answer = slot_json(found.slot)
    answer["free"] = found.free_first
    return answer


def booking_json(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.id,
        "status": "active" if booking.active else "cancelled",
        "clinic": clinic_json(booking.clinic),
        "first_dose": slot_json(booking.first),
        "second_dose": slot_json(booking.second) if booking.second else None,
        "share_group": booking.share_group,
        "created_at": booking.created_at.isoformat(),
        "cancelled_at": booking.cancelled_at.isoformat() if booking.cancelled_at else None,
    }


CLINIC_LIST_COLUMNS = ("booking_id", "dose", "start", "end", "vaccine_id", "masked_name", "birth_date",
                       "outcome")


def clinic_row_json(row: ClinicListRow) -> dict[str, Any]:
    return {"booking_id": row.booking_id, "dose": row.dose, "start": row.start.isoformat("minutes"),
            "end": row.end.isoformat("minutes"), "vaccine_id": row.vaccine_id,
            "masked_name": row.masked_name, "birth_date": row.birth_date.isoformat(),
            "outcome": row.outcome}
