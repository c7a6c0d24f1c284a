"""Refusals are typed: a problem code is a Problem member, written out as its plain string."""

from __future__ import annotations

import json

import pytest

from vaxbook.domain.errors import Problem, VaxbookError


def test_a_problem_code_is_written_as_its_string() -> None:
    """A StrEnum member serialises to the same JSON string the API has always sent."""
    assert json.dumps({"code": Problem.SLOT_FULL}) == '{"code": "slot_full"}'


def test_a_bare_string_is_refused() -> None:
    """A string where a Problem belongs fails at once (mypy refuses it before that)."""
    with pytest.raises(TypeError):
        VaxbookError("slot_full")  # type: ignore[arg-type]  # the point of the test
