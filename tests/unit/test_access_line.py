"""The access line written straight to `vaxbook serve`'s handler (web/observe.py) is logging's line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import random
from datetime import UTC, datetime
from typing import Any

from vaxbook.log_writes import TurnBufferedHandler
from vaxbook.observability import JsonFormatter, iso_time, logging_config
from vaxbook.web.observe import Observer, direct_writer


def served_access() -> tuple[logging.Logger, io.StringIO]:
    """A logger of its own with `vaxbook serve`'s handler (class and formatter, writing to a string).

    Made in the test's body: pytest attaches its capturing handler to every logger that does not
    propagate when the test starts, and the access line is written directly only to a lone handler."""
    stream = io.StringIO()
    served = logging_config("INFO")["handlers"]["stderr"]
    assert served["class"] == "vaxbook.log_writes.TurnBufferedHandler"
    handler = TurnBufferedHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(f"test.access.{id(stream)}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)
    return logger, stream


def _answer(observer: Observer, status: int) -> None:
    async def record() -> None:
        observer.record({"method": "GET", "path": "/api/line/status"}, status, 0.00123)
        await asyncio.sleep(0)  # the turn ends and its lines leave
        await asyncio.sleep(0)

    asyncio.run(record())


def _without_time(line: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in line.items() if key != "time"}


def test_the_line_written_directly_is_the_line_a_log_record_makes() -> None:
    """With serve's one JSON handler, the access line skips the LogRecord and is the same line; with
    another handler listening (a test's, an operator's), the record goes through logging as before."""
    logger, stream = served_access()
    assert direct_writer(logger) is not None
    _answer(Observer(access_log=True, logger=logger), 200)
    direct = json.loads(stream.getvalue())

    captured = io.StringIO()
    listener = logging.StreamHandler(captured)
    listener.setFormatter(JsonFormatter())
    logger.addHandler(listener)
    assert direct_writer(logger) is None
    _answer(Observer(access_log=True, logger=logger), 200)
    through_logging = json.loads(captured.getvalue())

    assert _without_time(direct) == _without_time(through_logging) == {
        "level": "INFO", "logger": logger.name, "message": "GET <unmatched> 200",
        "method": "GET", "route": "<unmatched>", "status": 200, "duration_ms": 1.23,
    }
    assert direct["time"].endswith("+00:00") and len(direct["time"]) == len(through_logging["time"])


def test_no_access_line_when_the_setting_or_the_level_says_so() -> None:
    """VAXBOOK_ACCESS_LOG=false, or the logger above INFO, write no access line."""
    logger, stream = served_access()
    _answer(Observer(access_log=False, logger=logger), 200)
    logger.setLevel(logging.WARNING)
    _answer(Observer(access_log=True, logger=logger), 500)
    assert stream.getvalue() == ""


def test_a_lines_time_is_the_text_datetime_writes() -> None:
    """The time text made once per second is datetime's ISO text to the millisecond, at second
    boundaries and half-microsecond roundings too."""
    rng = random.Random(3)
    times = [rng.uniform(1.6e9, 1.9e9) for _ in range(20_000)]
    times += [second + frac for second in (1_700_000_000, 1_700_000_001)
              for frac in (0.0, 0.0000004, 0.0000005, 0.0005, 0.9994999, 0.9995, 0.9999994, 0.9999996)]
    for created in times:
        assert iso_time(created) == datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
