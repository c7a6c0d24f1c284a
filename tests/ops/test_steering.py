"""Steering a line from the console: rate and cap, pause and resume, notices, roles and the audit trail."""

from __future__ import annotations

import re
from datetime import date

from tests.conftest import Running
from tests.journey import Person, add_clinic_with_slot, join, person_number, status, verify
from tests.ops.conftest import LINE, SignIn
from tests.pages.conftest import MakeVisitor
from tests.pages.visitor import born
from vaxbook.domain.operators import Role
from vaxbook.domain.steering import LineSteering


async def _waiting_person(running: Running, serial: int) -> Person:
    person = Person(person_number(date(1990, 5, 13), serial), f"device-{serial:04d}-abcdefgh")
    assert (await verify(running.client, person)).status_code == 200
    await join(running.client, person)
    return person


async def test_an_operator_changes_the_rate_and_cap_and_the_audit_keeps_before_and_after(
    running: Running, signed_in: SignIn
) -> None:
    """The new rate and cap are the line's steering, and the audit row says who, what, before and after."""
    browser = await signed_in("alice", Role.OPERATOR)
    answer = await browser.post(f"/ops/lines/{LINE}/rate", {"rate": "12.5", "cap": "300"})
    assert answer.status_code == 303, answer.text
    assert await running.container.steering.current(LINE) == LineSteering(rate=12.5, cap=300)
    entry = (await running.container.operators.audit())[0]
    assert (entry.operator, entry.action, entry.target) == ("alice", "line.rate", f"line:{LINE}")
    assert entry.before is not None and entry.before["rate"] is None
    assert entry.after is not None and entry.after["rate"] == 12.5 and entry.after["cap"] == 300
    console = await browser.get("/ops")
    assert "line.rate" in console.text and "rate=12.5" in console.text
    back = await browser.post(f"/ops/lines/{LINE}/rate", {"rate": "", "cap": ""})
    assert back.status_code == 303
    assert await running.container.steering.current(LINE) == LineSteering()


async def test_a_viewer_cannot_steer_or_issue_keys(running: Running, signed_in: SignIn) -> None:
    """Every steering form answers 403 operator_forbidden to a viewer; nothing is changed or audited."""
    browser = await signed_in("victor", Role.VIEWER)
    console = await browser.get("/ops")
    assert console.status_code == 200 and f"/ops/lines/{LINE}/pause" not in console.text
    for path, form in ((f"/ops/lines/{LINE}/rate", {"rate": "1"}),
                       (f"/ops/lines/{LINE}/pause", {}),
                       (f"/ops/lines/{LINE}/notice", {"notice_ko": "x", "notice_en": "x"}),
                       ("/ops/clinic-keys/issue", {"clinic_id": "C1"})):
        answer = await browser.post(path, form)
        assert answer.status_code == 403, path
        assert 'data-code="operator_forbidden"' in answer.text
    assert await running.container.steering.current(LINE) == LineSteering()
    audited = [e.action for e in await running.container.operators.audit()]
    assert audited == ["session.sign_in", "operator.add"]


async def test_bad_steering_input_is_refused_with_the_field_named(
    running: Running, signed_in: SignIn
) -> None:
    """A rate of letters, a zero cap or an unknown line is a page error with a stable code."""
    browser = await signed_in("alice", Role.OPERATOR)
    letters = await browser.post(f"/ops/lines/{LINE}/rate", {"rate": "fast", "cap": ""})
    assert letters.status_code == 422 and 'data-code="invalid_input"' in letters.text
    zero = await browser.post(f"/ops/lines/{LINE}/rate", {"rate": "", "cap": "0"})
    assert zero.status_code == 422
    unknown = await browser.post("/ops/lines/main-1999-01-01/pause", {})
    assert unknown.status_code == 404 and 'data-code="line_not_found"' in unknown.text
    control = await browser.post(f"/ops/lines/{LINE}/notice", {"notice_ko": "a\u202eb", "notice_en": ""})
    assert control.status_code == 422


async def test_pausing_holds_the_line_and_resuming_lets_it_move(running: Running, signed_in: SignIn) -> None:
    """While paused nobody is admitted and the status says so without an estimate; after resuming they are."""
    await add_clinic_with_slot(running.container.clinics)
    browser = await signed_in("alice", Role.OPERATOR)
    assert (await browser.post(f"/ops/lines/{LINE}/pause", {})).status_code == 303
    person = await _waiting_person(running, 1)
    running.clock.advance(seconds=5)
    held = await status(running.client, person)
    assert held["state"] == "waiting" and held["paused"] is True and "estimated_wait_seconds" not in held
    assert (await browser.post(f"/ops/lines/{LINE}/resume", {})).status_code == 303
    running.clock.advance(seconds=1)
    assert (await status(running.client, person))["state"] == "admitted"
    actions = [e.action for e in await running.container.operators.audit()]
    assert actions[:2] == ["line.resume", "line.pause"]


async def test_a_notice_reaches_everyone_waiting_in_both_languages(
    running: Running, signed_in: SignIn, visitor: MakeVisitor
) -> None:
    """The notice is in /api/line/status answers and on the waiting-room page, in the page's language."""
    await add_clinic_with_slot(running.container.clinics)
    browser = await signed_in("alice", Role.OPERATOR)
    await browser.post(f"/ops/lines/{LINE}/pause", {})
    answer = await browser.post(f"/ops/lines/{LINE}/notice", {
        "notice_ko": "20시 30분에 입장을 재개합니다.", "notice_en": "Admission resumes at 20:30."})
    assert answer.status_code == 303
    person = await _waiting_person(running, 2)
    body = await status(running.client, person)
    assert body["notice_ko"] == "20시 30분에 입장을 재개합니다."
    assert body["notice_en"] == "Admission resumes at 20:30."
    citizen = await visitor()
    await citizen.verify(born(13, 3))
    page = await citizen.get("/line")
    assert re.search(r'id="line-notice"[^>]*>20시 30분에 입장을 재개합니다.<', page.text), page.text
    assert "입장이 잠시 멈춰 있습니다" in page.text
    await citizen.get("/lang/en")
    polled = (await citizen.get("/line/status.json")).json()
    assert polled["notice"] == "Admission resumes at 20:30."
    await browser.post(f"/ops/lines/{LINE}/notice", {"notice_ko": "", "notice_en": ""})
    assert "notice_ko" not in await status(running.client, person)


async def test_a_gate_that_lost_the_steering_gets_it_back_from_the_audit_trail(
    running: Running, signed_in: SignIn
) -> None:
    """The newest audit row of a line is the durable copy: a gate emptied (a restart) is refilled from it."""
    browser = await signed_in("alice", Role.OPERATOR)
    await browser.post(f"/ops/lines/{LINE}/rate", {"rate": "7", "cap": ""})
    container = running.container
    await container.gate.steer_line(LINE, LineSteering())  # as if forgotten ...
    gate_forgot = getattr(container.gate, "_steering", None)
    if isinstance(gate_forgot, dict):
        gate_forgot.clear()  # ... the in-process gate's table emptied
    else:
        import redis.asyncio as redis  # noqa: PLC0415  # only the cluster backend needs it

        client = redis.Redis.from_url(container.settings.redis_url or "")
        await client.delete(f"{container.settings.redis_prefix}line:{{{LINE}}}:steering")
        await client.aclose()
    assert await container.gate.line_steering(LINE) is None
    container.steering._cache.clear()  # another worker, or a restarted one
    assert (await container.steering.current(LINE)).rate == 7.0
    assert await container.gate.line_steering(LINE) == LineSteering(rate=7.0)


async def test_the_console_shows_lines_places_methods_answers_and_charts(
    running: Running, signed_in: SignIn
) -> None:
    """The page, its JSON and each SVG chart answer with the figures of the rush."""
    await add_clinic_with_slot(running.container.clinics)
    await _waiting_person(running, 4)
    browser = await signed_in("alice", Role.OPERATOR)
    await running.container.console.record({200: 30, 429: 2})
    page = await browser.get("/ops")
    assert f'id="line-{LINE}-waiting"' in page.text and 'src="/static/ops.js"' in page.text
    assert "<script>" not in page.text
    figures = (await browser.get("/ops/figures.json")).json()
    assert figures["cells"][f"line-{LINE}-admitted"] in ("0", "1")
    assert figures["cells"]["group-3-capacity"] == "10"
    assert "method-kakao-level" in figures["cells"]
    assert figures["tables"]["audit-body"][0][2] == "session.sign_in"
    for name in ("waiting", "admissions", "bookings", "answers"):
        chart = await browser.get(f"/ops/charts/{name}.svg")
        assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
        assert chart.text.startswith("<svg") and "<script" not in chart.text
    assert (await browser.get("/ops/charts/nope.svg")).status_code == 404
