"""Strict types for the API's ids and names: what the network may send, documented in OpenAPI.

FastAPI refuses anything else with 422 invalid_input naming the field, before a route runs;
the services check the same rules again (vaxbook.domain.canonical) for the pages and the CLI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field, Strict

from vaxbook.domain.canonical import CLINIC_ID_PATTERN, MAX_ID, REGION_NAME_MAX_LENGTH

# A JSON integer only: `true`, `"1"` and `1.0` are refused, and so is anything past a bigint.
LedgerId = Annotated[int, Strict(), Field(ge=1, le=MAX_ID, examples=[1])]
ClinicId = Annotated[str, Path(pattern=CLINIC_ID_PATTERN, examples=["C00001"])]
Sido = Annotated[str, Query(min_length=1, max_length=REGION_NAME_MAX_LENGTH, examples=["서울특별시"])]
Sigungu = Annotated[str, Query(min_length=1, max_length=REGION_NAME_MAX_LENGTH, examples=["종로구"])]
SidoPath = Annotated[str, Path(min_length=1, max_length=REGION_NAME_MAX_LENGTH, examples=["서울특별시"])]
