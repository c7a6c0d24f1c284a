"""The answers' JSON shapes written by hand (web/api/serialize.py) keep every field of their dataclass."""

from __future__ import annotations

from dataclasses import asdict

from vaxbook.domain.booking import Clinic
from vaxbook.web.api.serialize import clinic_json


def test_a_clinic_answers_every_field_of_the_dataclass_in_order() -> None:
    """clinic_json is asdict's dict, keys in order: a field added to Clinic fails here, not silently."""
    clinic = Clinic("C00001", "연세내과의원", "서울특별시", "종로구", "종로 1")
    assert list(clinic_json(clinic).items()) == list(asdict(clinic).items())
