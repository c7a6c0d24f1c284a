"""The console's figures as words: one text per cell id, shared by the page and its JSON.

The page renders every cell once; its script (static/ops.js) fetches /ops/figures.json and
sets each cell's text by id, and rebuilds the two tables whose rows come and go.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from vaxbook.domain.operators import AuditEntry
from vaxbook.services.console import Snapshot, wait_at_back
from vaxbook.web.i18n.text import Text


def _rate(value: float) -> str:
    return f"{value:,.1f}"


def line_cells(text: Text, snapshot: Snapshot) -> dict[str, str]:
    cells: dict[str, str] = {}
    for window, figures in snapshot.lines:
        key = f"line-{window.id}"
        counters, steering, admission = figures.counters, figures.steering, figures.admission
        wait = wait_at_back(figures)
        cells[f"{key}-waiting"] = text.count(counters.issued - counters.admitted)
        cells[f"{key}-admitted"] = text.count(counters.admitted)
        cells[f"{key}-admit-rate"] = _rate(figures.admissions_per_second)
        cells[f"{key}-wait"] = "-" if wait is None or math.isinf(wait) else text.wait(wait)
        configured = "" if steering.rate is not None else f" ({text.t('ops.configured')})"
        cells[f"{key}-rate"] = f"{admission.rate:g}{configured}"
        cap = steering.cap if steering.cap is not None else None
        shown_cap = cap if cap is not None else (figures.admission.cap if not admission.paused else None)
        cells[f"{key}-cap"] = text.t("ops.none") if shown_cap is None else text.count(shown_cap)
        cells[f"{key}-state"] = text.t("ops.paused" if admission.paused else "ops.running")
        notice = steering.notice_en if text.lang == "en" else steering.notice_ko
        cells[f"{key}-notice"] = notice or steering.notice_ko or steering.notice_en or "-"
    return cells


def place_cells(text: Text, snapshot: Snapshot) -> dict[str, str]:
    cells: dict[str, str] = {}
    for prefix, rows in (("group", snapshot.groups), ("province", snapshot.provinces)):
        for index, row in enumerate(rows):
            key = f"{prefix}-{index}"
            cells[f"{key}-capacity"] = text.count(row.capacity)
            cells[f"{key}-booked"] = text.count(row.booked)
            cells[f"{key}-free"] = text.count(row.free)
            cells[f"{key}-per-second"] = _rate(row.per_second)
    for method in snapshot.methods:
        key = f"method-{method.method}"
        cells[f"{key}-in-flight"] = f"{text.count(method.in_flight)} / {text.count(method.capacity)}"
        cells[f"{key}-latency"] = f"{method.recent_latency_seconds:.2f} s"
        cells[f"{key}-level"] = text.t(f"level.{method.level}")
    return cells


def cells_of(text: Text, snapshot: Snapshot) -> dict[str, str]:
    return {"updated": text.clock(snapshot.at), **line_cells(text, snapshot), **place_cells(text, snapshot)}


def layout_of(snapshot: Snapshot) -> str:
    """What decides the page's rows: when it changes, the script reloads the page."""
    parts = [w.id for w, _ in snapshot.lines] + [r.name for r in snapshot.groups + snapshot.provinces]
    parts += [m.method for m in snapshot.methods]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def answer_rows(snapshot: Snapshot) -> list[list[str]]:
    return [[code, _rate(rate)] for code, rate in snapshot.answers_per_second.items()]


def audit_rows(text: Text, entries: list[AuditEntry]) -> list[list[str]]:
    return [[text.clock(e.at), e.operator, e.action, e.target, _changes(e.before), _changes(e.after)]
            for e in entries]


def _changes(values: dict[str, Any] | None) -> str:
    if not values:
        return "-"
    return ", ".join(f"{k}={'-' if v is None or v == '' else v}" for k, v in values.items())
