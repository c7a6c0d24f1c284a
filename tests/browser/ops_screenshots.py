"""`make ops-screenshots`: the operators' console (phone and desktop) during a small rush, and the
waiting room showing an operator's notice, into docs/screenshots/ops-*.png.

Usage: python -m tests.browser.ops_screenshots [OUT_DIR]   (default docs/screenshots)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tests.browser import flow
from tests.browser.browser import PHONE, chromium
from tests.browser.console import add_operator, sign_in
from tests.browser.screenshots import crowd, shoot
from tests.browser.server import Server, running_server
from vaxbook.domain.operators import Role

NOTICE_KO = "접속자가 많아 입장 속도를 조절하고 있습니다. 순서는 유지됩니다."
NOTICE_EN = "Many people are connecting: admission is slowed. You keep your place."


def tour(server: Server, out: Path) -> list[str]:
    shots: list[str] = []
    add_operator(server, "night-lead", Role.OPERATOR)
    crowd(server, 30)
    with chromium() as browser:
        console = browser.new_context(viewport=PHONE, locale="ko-KR").new_page()
        sign_in(console, server, "night-lead")
        line_id = console.locator("article.line").first.get_attribute("data-line")
        console.fill(f"#line-{line_id} input[name=rate]", "0.5")
        console.fill(f"#line-{line_id} input[name=cap]", "200")
        console.click(f"#line-{line_id} form[action$='/rate'] button")
        console.fill(f"#line-{line_id}-notice-ko", NOTICE_KO)
        console.fill(f"#line-{line_id}-notice-en", NOTICE_EN)
        console.click(f"#line-{line_id} form[action$='/notice'] button")
        time.sleep(12)  # a sample or two for the charts
        console.reload()
        console.wait_for_timeout(1500)
        shoot(console, out, "ops-01-console")
        shots.append("ops-01-console")
        waiting = browser.new_context(viewport=PHONE).new_page()
        flow.verify(waiting, server.url, server.person())
        waiting.goto(f"{server.url}/line")
        shoot(waiting, out, "ops-02-waiting-room-notice")
        shots.append("ops-02-waiting-room-notice")
        login = browser.new_context(viewport=PHONE).new_page()
        login.goto(f"{server.url}/ops/login")
        shoot(login, out, "ops-00-sign-in")
        shots.append("ops-00-sign-in")
    return shots


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with (tempfile.TemporaryDirectory() as work,
          running_server(Path(work), admission_cap=1, admission_rate=0.5,
                         # the crowd shares one phone and one address
                         limit_starts_per_phone=None, limit_starts_per_client=None) as server):
        shots = tour(server, out)
    print(f"{len(shots) * 2} screenshots in {out}/: " + ", ".join(shots))


if __name__ == "__main__":
    main()
