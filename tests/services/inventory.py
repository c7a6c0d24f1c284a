"""Small CSV files for the import tests, written the way a spreadsheet would save them."""

from __future__ import annotations

import io

from vaxbook.bootstrap import Container
from vaxbook.services.inventory_files import InventoryFiles

CLINICS_HEADER = "clinic_id,name,sido,sigungu,address,phone\r\n"
SLOTS_HEADER = "clinic_id,date,start,end,vaccine,first_capacity,second_capacity\r\n"
CLINICS = CLINICS_HEADER + (
    "C1,종로 연세내과의원,서울특별시,종로구,서울특별시 종로구 중앙로 1,02-123-4567\r\n"
    "C2,해운대 하나의원,부산광역시,해운대구,부산광역시 해운대구 해변로 2,051-765-4321\r\n"
)
SLOTS = SLOTS_HEADER + (
    "C1,2021-08-26,09:00,10:00,pfizer,23,0\r\n"
    "C1,2021-10-07,09:00,10:00,pfizer,0,23\r\n"
    "C2,2021-08-26,14:00,15:00,moderna,10,0\r\n"
    "C2,2021-10-07,14:00,15:00,moderna,0,10\r\n"
)


def files_of(services: Container) -> InventoryFiles:
    """The import service over the test's ledger, knowing the campaign's vaccines."""
    return InventoryFiles(services.ledger, {v.id for v in services.campaign.vaccines})


async def loaded(services: Container) -> InventoryFiles:
    """The two clinics and their slots above, imported."""
    files = files_of(services)
    assert (await files.import_clinics(CLINICS.encode(), "clinics.csv")).accepted
    assert (await files.import_slots(SLOTS.encode(), "slots.csv")).accepted
    return files


async def exported(files: InventoryFiles) -> tuple[str, str]:
    """What `clinics export` and `slots export` write now."""
    clinics, slots = io.StringIO(), io.StringIO()
    await files.export_clinics(clinics)
    await files.export_slots(slots)
    return clinics.getvalue(), slots.getvalue()
