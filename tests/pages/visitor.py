"""A citizen's browser, in process: its own cookie jar (device), CSRF tokens read from the pages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from tests.journey import person_number

CSRF = re.compile(r'name="csrf" value="([0-9A-Za-z_.-]+)"')
DEV_CODE = re.compile(r'id="dev-code">[^<]*?(\d{4,10})<')


class Visitor:
    def __init__(self, app: FastAPI, base_url: str = "http://vaxbook.test") -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(transport=transport, base_url=base_url)
        self.csrf = ""

    async def close(self) -> None:
        await self.client.aclose()

    async def get(self, path: str, **params: Any) -> httpx.Response:
        answer = await self.client.get(path, params=params or None)
        found = CSRF.search(answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    async def post(self, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        if not self.csrf:
            await self.get("/verify")  # any page with a form
        answer = await self.client.post(path, data={"csrf": self.csrf, **(data or {})})
        found = CSRF.search(answer.text)
        if found:
            self.csrf = found.group(1)
        return answer

    async def verify(self, number: str, purpose: str = "book") -> httpx.Response:
        """Both steps through the pages, then the waiting room; answers with the code step's response."""
        await self.get("/verify", next=purpose)
        step_one = await self.post("/verify", {"name": "홍길동", "resident_number": number,
                                               "phone": "010-1234-5678", "method": "kakao",
                                               "purpose": purpose})
        code = DEV_CODE.search(step_one.text)
        assert code, step_one.text
        answer = await self.post("/verify/code", {"code": code.group(1), "purpose": purpose})
        if answer.headers.get("location") == "/line":
            await self.get("/line")  # as a browser would: the line page hands out the pass
        return answer


def born(day: int, serial: int = 1) -> str:
    return person_number(date(1990, 5, day), serial)
