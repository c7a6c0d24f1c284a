"""The landing page (one's own booking day), the language switch and the pages' static files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import FileResponse

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.identity import group_for_birth_date
from vaxbook.domain.rotation import all_windows, windows_for_group
from vaxbook.web.pages.base import LANG, YEAR, Page, page
from vaxbook.web.pages.problem_page import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"app.css": "text/css", "icon.svg": "image/svg+xml", "line.js": "text/javascript",
                "methods.js": "text/javascript", "pow.js": "text/javascript",
                "pow-worker.js": "text/javascript", "ops.js": "text/javascript", "ops.css": "text/css"}


@router.get("/static/{name}")
async def static(name: str) -> Response:
    if name not in STATIC_FILES:
        raise VaxbookError(Problem.NOT_FOUND)
    return FileResponse(STATIC / name, media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})


@router.get("/lang/{lang}")
async def switch_language(lang: str, p: Page = Depends(page), next: str = "/") -> Response:
    """The language switch: kept in a cookie, then back to the same page."""
    if lang in ("ko", "en"):
        p.keep(LANG, lang, YEAR)
    safe = next if next.startswith("/") and not next.startswith("//") and "\\" not in next else "/"
    return p.redirect(safe)


@router.get("/")
async def landing(p: Page = Depends(page), birth: str = "") -> Response:
    campaign, now = p.container.campaign, p.container.clock.now()
    my_day: dict[str, Any] | None = None
    if birth:
        try:
            born = date.fromisoformat(birth)
        except ValueError:
            my_day = {"invalid": True}
        else:
            group = group_for_birth_date(born)
            my_day = {"group": group, "in_cohort": campaign.in_cohort(born),
                      "windows": windows_for_group(campaign, group)}
    return p.render(
        "landing.html", windows=all_windows(campaign), now=now, my_day=my_day, birth=birth,
        interval_days=max(v.interval_days for v in campaign.vaccines),
    )
