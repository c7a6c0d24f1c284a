"""Logs as JSON lines and the metrics directory shared by the workers of `vaxbook serve`.

The JSON formatter is a few lines of the standard library rather than python-json-logger:
it writes a fixed allowlist of fields (so no `extra` a caller passes by mistake can carry a
personal value into the log), costs one orjson.dumps per record, and adds no dependency.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

# The id of the request being served, for every record logged while serving it.
REQUEST_ID: ContextVar[str | None] = ContextVar("vaxbook_request_id", default=None)
# Fields a record may add to its line (the request line's); anything else a caller passes is dropped.
FIELDS = ("method", "route", "status", "duration_ms")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# A record's thread, process and process name are looked up for every record (a getpid call
# among them: the access line is one record per answer) and no line of ours writes them.
logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and the allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        fields = {name: record.__dict__.get(name) for name in FIELDS}
        error = self.formatException(record.exc_info) if record.exc_info else None
        return json_line(record.created, record.levelname, record.name, record.getMessage(), fields, error)


def json_line(created: float, level: str, logger: str, message: str, fields: dict[str, Any],
              error: str | None = None) -> str:
    """The JSON line of one record (JsonFormatter's), also written directly by the access line
    (web/observe.py): fields outside FIELDS and fields that are None are left out."""
    line: dict[str, Any] = {
        "time": iso_time(created),
        "level": level,
        "logger": logger,
        "message": message,
    }
    request_id = REQUEST_ID.get()
    if request_id is not None:
        line["request_id"] = request_id
    for name in FIELDS:
        value = fields.get(name)
        if value is not None:
            line[name] = value
    if error is not None:
        line["error"] = error
    # orjson: UTF-8 as json.dumps(ensure_ascii=False), in C; the access line is written on
    # every answer, where json.dumps cost about a fifth of the line (docs/benchmarks.md).
    return orjson.dumps(line, default=str).decode()


_second: tuple[int, str] = (-1, "")  # the last second written, and its text (one object: read whole)


def iso_time(created: float) -> str:
    """`datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")`, the same text, with
    each second's text made once: the access line is written on every answer (about 1 us saved)."""
    global _second  # a one-entry cache, replaced whole
    second = int(created)
    micro = round((created - second) * 1_000_000)  # rounded half to even, as fromtimestamp does
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    kept = _second
    if second != kept[0]:
        kept = _second = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{kept[1]}.{micro // 1000:03d}+00:00"


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """The dictConfig `vaxbook serve` hands uvicorn, so every worker (and uvicorn) logs JSON lines."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "vaxbook.observability.JsonFormatter"}},
        # One write per event-loop turn, not one per line (vaxbook/log_writes.py).
        "handlers": {"stderr": {"class": "vaxbook.log_writes.TurnBufferedHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "vaxbook": {"level": level.upper()},
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},  # the app logs each request itself
        },
    }


def prepare_metrics_dir(configured: Path | None) -> tuple[Path, bool]:
    """The directory the workers' metric files go to, emptied; and whether we made it (remove it after).

    Set in the environment before uvicorn starts the workers, which inherit it: prometheus_client
    reads it when first imported in each worker."""
    existing = configured or (Path(os.environ[MULTIPROC_ENV]) if os.environ.get(MULTIPROC_ENV) else None)
    if existing is None:
        made = Path(tempfile.mkdtemp(prefix="vaxbook-metrics-"))
        os.environ[MULTIPROC_ENV] = str(made)
        return made, True
    existing.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in existing.glob("*.db"):  # counters of a previous run would be added to this one's
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(existing)
    return existing, False


def remove_metrics_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
