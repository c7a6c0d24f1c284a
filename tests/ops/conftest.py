"""Operators for the console tests: an operator and a viewer, each with a signed-in visitor."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from tests.conftest import Running
from tests.pages.conftest import MakeVisitor, visitor
from tests.pages.visitor import Visitor
from vaxbook.domain.operators import Role

PASSWORD = "a long enough password"
LINE = "main-2021-08-13"  # group 3's line, open at the tests' clock
SignIn = Callable[[str, Role], Awaitable[Visitor]]
__all__ = ["visitor"]  # the pages' fixture, shared


@pytest.fixture
async def signed_in(running: Running, visitor: MakeVisitor) -> SignIn:
    """Makes an operator of the given name and role, and a visitor signed in as them."""

    async def make(name: str, role: Role) -> Visitor:
        await running.container.operators.add(name, role, PASSWORD, "test")
        browser = await visitor()
        await browser.get("/ops/login")
        answer = await browser.post("/ops/login", {"name": name, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        return browser

    return make
