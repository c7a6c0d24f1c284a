"""/docs: Swagger UI served from the app itself, no script or style from a third party.

FastAPI's default page loads Swagger UI from a CDN: whoever controls that CDN runs script on
our origin. The `swagger-ui-bundle` package ships the same files; ReDoc (CDN only) is off.
"""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from vaxbook.domain.errors import Problem, VaxbookError

ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "favicon-32x32.png": "image/png"}
# The page's one inline script configures Swagger UI; everything else comes from this origin.
DOCS_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'")


def install_docs(app: FastAPI) -> None:
    """Mount /docs and its assets; create the app with docs_url=None and redoc_url=None."""

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js", swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get("/docs/assets/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        if name not in ASSETS:
            raise VaxbookError(Problem.NOT_FOUND)
        return FileResponse(f"{swagger_ui_path}/{name}", media_type=ASSETS[name],
                            headers={"Cache-Control": "public, max-age=3600"})
