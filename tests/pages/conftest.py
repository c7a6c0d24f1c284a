"""Visitors (in-process browsers without script) for the page tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tests.conftest import Running
from tests.pages.visitor import Visitor

MakeVisitor = Callable[..., Awaitable[Visitor]]


@pytest.fixture
async def visitor(running: Running) -> AsyncIterator[MakeVisitor]:
    """Makes visitors, each a separate device with its own cookies; all closed at the end."""
    made: list[Visitor] = []

    async def make(base_url: str = "http://vaxbook.test") -> Visitor:
        made.append(Visitor(running.app, base_url))
        return made[-1]

    yield make
    for one in made:
        await one.close()
