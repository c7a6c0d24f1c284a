"""The composition root's Container, as both entry points reach it from a request."""

from __future__ import annotations

from fastapi import Request

from vaxbook.bootstrap import Container


def container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]  # set in create_app's lifespan
