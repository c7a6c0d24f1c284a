"""The citizen pages, one router per page flow, mounted by create_app as one.

Pages call the same services as the JSON API and hold no business rule.
"""

from __future__ import annotations

from fastapi import APIRouter

from vaxbook.web.pages import (
    booking,
    clinic,
    figures,
    landing,
    line,
    mine,
    ops_console,
    ops_login,
    ops_steer,
    standby,
    verify,
)
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
for flow in (landing, verify, line, booking, mine, standby, figures, clinic):
    router.include_router(flow.router)
for flow in (ops_login, ops_console, ops_steer):  # the operators' console, docs/operators.md
    router.include_router(flow.router)
