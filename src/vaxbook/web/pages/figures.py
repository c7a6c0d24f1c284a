"""The public figures page (/figures): the same figures as /api/figures, in Korean or English.

Public and cacheable for a minute, so it sets no cookie (not even the device cookie other
pages set): the language comes from ?lang= or the language cookie, and the answer varies by it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from vaxbook.web.caching import cacheable
from vaxbook.web.container import container
from vaxbook.web.i18n.text import LANGUAGES, Text
from vaxbook.web.pages.base import LANG
from vaxbook.web.pages.headers import SECURITY_HEADERS
from vaxbook.web.pages.problem_page import PageRoute
from vaxbook.web.pages.render import TEMPLATES

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/figures")
async def figures_page(request: Request, lang: str = "") -> Response:
    built = container(request)
    chosen = lang if lang in LANGUAGES else request.cookies.get(LANG, "ko")
    chosen = chosen if chosen in LANGUAGES else "ko"
    figures = await built.figures.current()
    text = Text(chosen, built.campaign.timezone, built.clock.now())
    html = TEMPLATES.get_template("figures.html").render(
        t=text.t, fmt=text, lang=chosen, languages=LANGUAGES, csrf="", path=request.url.path,
        query=request.url.query, campaign=built.campaign, dev_mode=built.settings.dev_mode,
        figures=figures,
    )
    return cacheable(request, html.encode(), "text/html; charset=utf-8", figures.refresh_seconds,
                     {**SECURITY_HEADERS, "Vary": "Cookie"})
