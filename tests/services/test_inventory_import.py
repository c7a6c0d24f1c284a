"""Importing clinics and slots: every error placed by row and column, all or nothing, idempotent."""

from __future__ import annotations

from datetime import date, time

from tests.services.conftest import admitted, verified
from tests.services.inventory import (
    CLINICS,
    CLINICS_HEADER,
    SLOTS,
    SLOTS_HEADER,
    exported,
    files_of,
    loaded,
)
from vaxbook.bootstrap import Container
from vaxbook.domain.csv_text import MAX_ERRORS
from vaxbook.domain.inventory import slot_number_of, split_quota

BAD_CLINICS = CLINICS_HEADER + (
    "C1,좋은의원,서울특별시,종로구,서울 종로구 1,02-123-4567\r\n"
    "C2,좋은의원,서울시,종로구,서울 종로구 2,02-123-4567\r\n"  # not a province
    "C3,좋은의원,부산광역시,종로구,부산 3,02-123-4567\r\n"  # not a district of Busan
    "C1,좋은의원,서울특별시,중구,서울 중구 4,02-123-4567\r\n"  # C1 again
    "C 5,,서울특별시,중구,서울 중구 5,12345\r\n"  # bad id, no name, bad phone
)


async def test_every_clinic_error_is_named_by_row_and_column(services: Container) -> None:
    """Bad province, district, duplicate id, bad id, empty name and bad phone: all listed, none written."""
    report = await files_of(services).import_clinics(BAD_CLINICS.encode(), "clinics.csv")
    assert not report.accepted
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (3, "sido", "unknown_province"),
        (4, "sigungu", "unknown_district"),
        (5, "clinic_id", "duplicate_clinic_id"),
        (6, "clinic_id", "invalid_clinic_id"),
        (6, "name", "missing_value"),
        (6, "phone", "invalid_phone"),
    ]
    assert report.lines()[0] == "clinics.csv: row 3 column sido: '서울시' is not one of the 17 provinces" \
        " [unknown_province]"
    assert "row 5 column clinic_id: C1 is already on row 2" in report.lines()[2]
    assert await services.ledger.clinic("C1") is None  # the good row was not written either


async def test_every_slot_error_is_named_by_row_and_column(services: Container) -> None:
    """Bad date, bad time, negative capacity, unknown vaccine and a duplicate slot: all listed."""
    await files_of(services).import_clinics(CLINICS.encode(), "clinics.csv")
    bad = SLOTS_HEADER + (
        "C1,2021-08-26,09:00,10:00,pfizer,10,0\r\n"
        "C1,2021-02-30,09:00,10:00,pfizer,10,0\r\n"  # no such day
        "C1,2021-08-27,9시,10:00,pfizer,10,0\r\n"
        "C1,2021-08-27,11:00,12:00,pfizer,-5,0\r\n"
        "C1,2021-08-27,13:00,12:00,sputnik,10,x\r\n"
        "C1,2021-08-26,09:00,10:30,pfizer,12,0\r\n"  # the slot of row 2 again
    )
    report = await files_of(services).import_slots(bad.encode(), "slots.csv")
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (3, "date", "invalid_date"),
        (4, "start", "invalid_time"),
        (5, "first_capacity", "negative_capacity"),
        (6, "end", "end_not_after_start"),
        (6, "vaccine", "unknown_vaccine"),
        (6, "second_capacity", "invalid_number"),
        (7, "start", "duplicate_slot"),
    ]
    assert not [s async for batch in services.ledger.export_slots() for s in batch]


async def test_unknown_clinic_refuses_the_whole_file(services: Container) -> None:
    """A slot of a clinic the ledger does not know is an error, and the file's other slots stay out."""
    await files_of(services).import_clinics(CLINICS.encode(), "clinics.csv")
    report = await files_of(services).import_slots((SLOTS + "C9,2021-08-26,09:00,10:00,pfizer,5,0\r\n")
                                                   .encode(), "slots.csv")
    assert [(e.row, e.column, e.code) for e in report.errors] == [(6, "clinic_id", "unknown_clinic")]
    assert report.summary.created == 0
    assert (await exported(files_of(services)))[1] == SLOTS_HEADER


async def test_cp949_and_utf8_with_bom_are_read(services: Container) -> None:
    """A CP949 file (Korean Excel) and a UTF-8 file with a byte-order mark load the same clinics."""
    files = files_of(services)
    first = await files.import_clinics(CLINICS.encode("cp949"), "cp949.csv")
    assert (first.encoding, first.summary.created) == ("cp949", 2)
    again = await files.import_clinics(b"\xef\xbb\xbf" + CLINICS.encode(), "bom.csv")
    assert (again.encoding, again.summary.unchanged) == ("utf-8", 2)
    clinic = await services.ledger.clinic("C1")
    assert clinic is not None and clinic.sido == "서울특별시"


async def test_neither_utf8_nor_cp949_is_refused(services: Container) -> None:
    """Bytes that are neither encoding are one error on row 1."""
    report = await files_of(services).import_clinics(CLINICS.encode() + b"\xff\xff", "odd.csv")
    assert [(e.row, e.code) for e in report.errors] == [(1, "unknown_encoding")]


async def test_wrong_header_is_refused(services: Container) -> None:
    """A file whose header lacks the phone column is refused with one error naming the header."""
    text = "clinic_id,name,sido,sigungu,address\r\nC1,a,서울특별시,종로구,b\r\n"
    report = await files_of(services).import_clinics(text.encode(), "old.csv")
    assert [(e.row, e.code) for e in report.errors] == [(1, "wrong_header")]


async def test_errors_are_bounded_but_counted(services: Container) -> None:
    """A file with 150 bad rows lists the first MAX_ERRORS and counts the rest."""
    text = CLINICS_HEADER + "".join(f"C{n},a,서울,종로구,b,\r\n" for n in range(150))
    report = await files_of(services).import_clinics(text.encode(), "many.csv")
    assert (len(report.errors), report.total_errors) == (MAX_ERRORS, 150)
    assert report.lines()[-1] == "many.csv: ... and 50 more errors"


async def test_reimport_changes_nothing(services: Container) -> None:
    """Importing the same files again creates and changes nothing."""
    files = await loaded(services)
    before = await exported(files)
    clinics = await files.import_clinics(CLINICS.encode(), "clinics.csv")
    slots = await files.import_slots(SLOTS.encode(), "slots.csv")
    assert (clinics.summary.created, clinics.summary.changed, clinics.summary.unchanged) == (0, 0, 2)
    assert (slots.summary.created, slots.summary.changed, slots.summary.unchanged) == (0, 0, 4)
    assert await exported(files) == before


async def test_dry_run_writes_nothing(services: Container) -> None:
    """A dry run reports what it would create and change, and the ledger stays as it was."""
    files = files_of(services)
    dry = await files.import_clinics(CLINICS.encode(), "clinics.csv", dry_run=True)
    assert dry.accepted and dry.summary.created == 2
    assert await services.ledger.clinic("C1") is None
    await loaded(services)
    before = await exported(files)
    changed = SLOTS.replace("pfizer,23,0", "pfizer,30,0")
    slots = await files.import_slots(changed.encode(), "slots.csv", dry_run=True)
    assert (slots.summary.changed, slots.summary.unchanged) == (1, 3)
    assert await exported(files) == before


async def test_export_then_import_round_trip(services: Container) -> None:
    """What export writes imports back unchanged, phone numbers included."""
    files = await loaded(services)
    clinics, slots = await exported(files)
    assert "02-123-4567" in clinics and "C1,2021-08-26,09:00,10:00,pfizer,23,0" in slots
    assert (await files.import_clinics(clinics.encode(), "c.csv")).summary.unchanged == 2
    assert (await files.import_slots(slots.encode(), "s.csv")).summary.unchanged == 4


async def test_new_slots_are_split_among_the_groups(services: Container) -> None:
    """Each group's share of an imported slot is split_quota's, remainder places included."""
    await loaded(services)
    expected = split_quota(23, slot_number_of("C1", date(2021, 8, 26), time(9), "pfizer"))
    found = [(await services.ledger.slots("C1", (g,), date(2021, 8, 1)))[0].free_first for g in range(10)]
    assert found == expected and sum(found) == 23


async def test_capacity_is_never_lowered_below_booked(services: Container) -> None:
    """Lowering a booked slot to under its bookings is a row error; to just above, it is re-split."""
    files = await loaded(services)
    who = await verified(services)
    slot = (await services.ledger.slots("C1", (3,), date(2021, 8, 1)))[0].slot
    await services.booking.book(await admitted(services, who), slot.id, "key-1")
    under = SLOTS.replace("pfizer,23,0", "pfizer,0,0").replace("pfizer,0,23", "pfizer,0,0")
    report = await files.import_slots(under.encode(), "slots.csv")
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "first_capacity", "capacity_below_booked"), (3, "second_capacity", "capacity_below_booked"),
    ]
    assert "0 is below the 1 places already booked" in report.errors[0].reason
    assert (await services.ledger.slot(slot.id)) == slot  # nothing half-written
    lowered = await files.import_slots(SLOTS.replace("pfizer,23,0", "pfizer,1,0").encode(), "slots.csv")
    assert lowered.accepted and lowered.summary.changed == 1
    free = [(await services.ledger.slots("C1", (g,), date(2021, 8, 1))) for g in range(10)]
    assert [f[0].free_first if f else 0 for f in free] == [0] * 10  # group 3 keeps its one place
