"""Operator sign-in, lockout, sign-out and CSRF on the console pages, on every backend."""

from __future__ import annotations

from tests.conftest import Running
from tests.ops.conftest import LINE, PASSWORD, SignIn
from tests.pages.conftest import MakeVisitor
from vaxbook.domain.operators import Role


async def test_signing_in_sets_a_strict_http_only_session_cookie_for_ops_only(
    running: Running, visitor: MakeVisitor
) -> None:
    """A right password leads to the console with an HttpOnly, SameSite=Strict cookie scoped to /ops."""
    await running.container.operators.add("alice", Role.OPERATOR, PASSWORD, "test")
    browser = await visitor()
    await browser.get("/ops/login")
    answer = await browser.post("/ops/login", {"name": "alice", "password": PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/ops"
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("vb_ops="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/ops" in cookie
    assert "Secure" not in cookie  # plain HTTP in the tests; over HTTPS it is Secure
    console = await browser.get("/ops")
    assert console.status_code == 200 and 'data-testid="who"' in console.text
    assert "Content-Security-Policy" in console.headers and "script-src 'self'" in console.headers[
        "Content-Security-Policy"]


async def test_the_cookie_is_secure_over_https(running: Running, visitor: MakeVisitor) -> None:
    """Over HTTPS the session cookie carries Secure."""
    await running.container.operators.add("alice", Role.OPERATOR, PASSWORD, "test")
    browser = await visitor("https://vaxbook.test")
    await browser.get("/ops/login")
    answer = await browser.post("/ops/login", {"name": "alice", "password": PASSWORD})
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and v.startswith("vb_ops="))
    assert "Secure" in cookie


async def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(
    running: Running, visitor: MakeVisitor
) -> None:
    """Both are 401 operator_login_failed in Korean (or English), so names cannot be probed."""
    await running.container.operators.add("alice", Role.OPERATOR, PASSWORD, "test")
    browser = await visitor()
    wrong = await browser.post("/ops/login", {"name": "alice", "password": "not the password"})
    unknown = await browser.post("/ops/login", {"name": "mallory", "password": PASSWORD})
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert 'data-code="operator_login_failed"' in answer.text
        assert "이름 또는 비밀번호가 올바르지 않습니다." in answer.text
        assert not any(v.startswith("vb_ops=") for k, v in answer.headers.multi_items() if k == "set-cookie")
    await browser.get("/lang/en")
    english = await browser.post("/ops/login", {"name": "alice", "password": "still not it"})
    assert "The name or the password is not right." in english.text


async def test_repeated_failures_lock_the_name_even_for_the_right_password(
    running: Running, visitor: MakeVisitor
) -> None:
    """After five failures the name is locked: 429 operator_locked with Retry-After, right password or not."""
    await running.container.operators.add("alice", Role.OPERATOR, PASSWORD, "test")
    browser = await visitor()
    for _ in range(5):
        assert (await browser.post("/ops/login", {"name": "alice", "password": "guess"})).status_code == 401
    locked = await browser.post("/ops/login", {"name": "alice", "password": PASSWORD})
    assert locked.status_code == 429
    assert 'data-code="operator_locked"' in locked.text
    assert int(locked.headers["retry-after"]) > 0
    running.clock.advance(minutes=15)
    assert (await browser.post("/ops/login", {"name": "alice", "password": PASSWORD})).status_code == 303


async def test_a_right_password_does_not_count_towards_the_lockout(
    running: Running, visitor: MakeVisitor
) -> None:
    """Signing in ten times in a row is never locked: a success is given back."""
    await running.container.operators.add("alice", Role.OPERATOR, PASSWORD, "test")
    browser = await visitor()
    for _ in range(10):
        assert (await browser.post("/ops/login", {"name": "alice", "password": PASSWORD})).status_code == 303


async def test_signing_out_ends_the_session_everywhere(running: Running, signed_in: SignIn) -> None:
    """After sign-out the same cookie, replayed, no longer opens the console."""
    browser = await signed_in("alice", Role.VIEWER)
    session = browser.client.cookies.get("vb_ops")
    assert session
    answer = await browser.post("/ops/logout")
    assert answer.status_code == 303 and answer.headers["location"] == "/ops/login"
    browser.client.cookies.set("vb_ops", session, path="/ops")
    assert (await browser.get("/ops")).headers["location"] == "/ops/login"
    figures = await browser.get("/ops/figures.json")
    assert figures.status_code == 401 and figures.json()["next"] == "/ops/login"


async def test_removing_an_operator_ends_their_session(running: Running, signed_in: SignIn) -> None:
    """An operator removed by the command is signed out at once."""
    browser = await signed_in("alice", Role.OPERATOR)
    await running.container.operators.remove("alice", "test")
    assert (await browser.get("/ops")).headers["location"] == "/ops/login"


async def test_the_console_without_a_session_goes_to_sign_in(visitor: MakeVisitor) -> None:
    """A stranger asking for the console, its figures or a chart is sent to sign in."""
    stranger = await visitor()
    assert (await stranger.get("/ops")).headers["location"] == "/ops/login"
    assert (await stranger.get("/ops/figures.json")).status_code == 401
    chart = await stranger.get("/ops/charts/waiting.svg")
    assert chart.status_code == 401 and 'data-code="operator_session_required"' in chart.text


async def test_every_console_form_needs_the_csrf_token(running: Running, signed_in: SignIn) -> None:
    """Sign-in, sign-out and steering forms sent without the CSRF token are refused with 403."""
    browser = await signed_in("alice", Role.OPERATOR)
    for path in ("/ops/login", "/ops/logout", f"/ops/lines/{LINE}/pause", "/ops/clinic-keys/issue"):
        answer = await browser.client.post(path, data={"name": "alice", "password": PASSWORD})
        assert answer.status_code == 403, path
        assert 'data-code="csrf_failed"' in answer.text
    assert not (await running.container.steering.current(LINE)).paused
    audited = [e.action for e in await running.container.operators.audit()]
    assert audited == ["session.sign_in", "operator.add"]
