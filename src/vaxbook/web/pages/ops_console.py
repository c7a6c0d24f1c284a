"""The live console (/ops): the page, the figures its script fetches, and the SVG charts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.services.console import CHARTS, chart_series
from vaxbook.web.pages.base import Page, page
from vaxbook.web.pages.charts import line_chart
from vaxbook.web.pages.ops_session import operator_of
from vaxbook.web.pages.ops_view import answer_rows, audit_rows, cells_of, layout_of
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
AUDIT_ROWS = 20
REFRESH_SECONDS = 3


@router.get("/ops")
async def console(p: Page = Depends(page)) -> Response:
    try:
        who = await operator_of(p)
    except VaxbookError:
        return p.redirect("/ops/login")
    snapshot = await p.container.console.snapshot()
    audit = await p.container.operators.audit(AUDIT_ROWS)
    return p.render("ops_console.html", who=who, snap=snapshot, cells=cells_of(p.text, snapshot),
                    layout=layout_of(snapshot), answers=answer_rows(snapshot),
                    audit=audit_rows(p.text, audit), charts=CHARTS, refresh=REFRESH_SECONDS)


@router.get("/ops/figures.json")
async def figures(p: Page = Depends(page)) -> Response:
    """Every cell's text, the rows of the answers and audit tables, and the layout's fingerprint."""
    try:
        await operator_of(p)
    except VaxbookError as refused:
        return p.finish(JSONResponse({"state": "signed_out", "next": "/ops/login"}, status_code=401,
                                     headers={"X-Problem": refused.code.value}))
    snapshot = await p.container.console.snapshot()
    audit = await p.container.operators.audit(AUDIT_ROWS)
    return p.finish(JSONResponse({
        "state": "ok", "layout": layout_of(snapshot), "cells": cells_of(p.text, snapshot),
        "tables": {"answers-body": answer_rows(snapshot), "audit-body": audit_rows(p.text, audit)},
    }))


@router.get("/ops/charts/{name}.svg")
async def chart(name: str, p: Page = Depends(page)) -> Response:
    await operator_of(p)
    if name not in CHARTS:
        raise VaxbookError(Problem.NOT_FOUND)
    container, text = p.container, p.text
    series = await chart_series(container.console, container.gate, name, container.clock.now().timestamp())
    svg = line_chart(text.t(f"ops.chart_{name}"), series, start_label=text.t("ops.chart_start"),
                     end_label=text.t("ops.chart_end"))
    return p.finish(Response(svg, media_type="image/svg+xml"))
