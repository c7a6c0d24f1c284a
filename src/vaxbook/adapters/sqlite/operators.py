"""The embedded ledger's operators, sessions, clinic keys, audit trail and console figures."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from vaxbook.adapters.sqlite.transaction import transaction
from vaxbook.domain.operators import AuditEntry, Operator, OperatorSession, Role
from vaxbook.ports import PlaceFigure


class SqliteOperators:
    """Mixed into SqliteLedger, which provides the connection."""

    if TYPE_CHECKING:  # provided by SqliteLedger, which mixes this in
        @property
        def _conn(self) -> sqlite3.Connection: ...

    async def add_operator(self, operator: Operator) -> bool:
        with transaction(self._conn) as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO operators (name, role, password_hash) VALUES (?, ?, ?)",
                (operator.name, operator.role.value, operator.password_hash),
            )
            return cursor.rowcount == 1

    async def remove_operator(self, name: str) -> bool:
        with transaction(self._conn) as db:
            db.execute("DELETE FROM operator_sessions WHERE name = ?", (name,))
            return db.execute("DELETE FROM operators WHERE name = ?", (name,)).rowcount == 1

    async def operator(self, name: str) -> Operator | None:
        row = self._conn.execute(
            "SELECT name, role, password_hash FROM operators WHERE name = ?", (name,)
        ).fetchone()
        return Operator(row[0], Role(row[1]), row[2]) if row else None

    async def add_session(self, session_hash: str, name: str, expires_at: float) -> None:
        with transaction(self._conn) as db:
            # Expired sessions go when a new one comes: the table stays as small as the shift.
            db.execute("DELETE FROM operator_sessions WHERE expires_at < ?", (expires_at - 86400 * 7,))
            db.execute("INSERT INTO operator_sessions (id_hash, name, expires_at) VALUES (?, ?, ?)",
                       (session_hash, name, expires_at))

    async def session(self, session_hash: str, now: float) -> OperatorSession | None:
        row = self._conn.execute(
            "SELECT o.name, o.role, s.expires_at FROM operator_sessions s JOIN operators o ON o.name = s.name"
            " WHERE s.id_hash = ? AND s.expires_at > ?", (session_hash, now),
        ).fetchone()
        return OperatorSession(row[0], Role(row[1]), float(row[2])) if row else None

    async def end_session(self, session_hash: str) -> None:
        with transaction(self._conn) as db:
            db.execute("DELETE FROM operator_sessions WHERE id_hash = ?", (session_hash,))

    async def set_clinic_key_hash(self, clinic_id: str, key_hash: str) -> bool:
        with transaction(self._conn) as db:
            return db.execute("UPDATE clinics SET key_hash = ? WHERE id = ?",
                              (key_hash, clinic_id)).rowcount == 1

    async def record_audit(self, entry: AuditEntry) -> None:
        with transaction(self._conn) as db:
            db.execute(
                "INSERT INTO audit (at, operator, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?)",
                (entry.at.isoformat(), entry.operator, entry.action, entry.target,
                 _json(entry.before), _json(entry.after)),
            )

    async def audit_log(self, limit: int, target: str | None = None) -> list[AuditEntry]:
        where, args = ("WHERE target = ?", (target, limit)) if target else ("", (limit,))
        rows = self._conn.execute(
            f"SELECT id, at, operator, action, target, before, after FROM audit {where}"
            " ORDER BY id DESC LIMIT ?", args,
        ).fetchall()
        return [AuditEntry(datetime.fromisoformat(at), who, action, aim, _load(before), _load(after),
                           id=ident)
                for ident, at, who, action, aim, before, after in rows]

    async def first_dose_figures(self, since: date) -> list[PlaceFigure]:
        rows = self._conn.execute(
            "SELECT sh.grp, c.sido, SUM(sh.capacity), SUM(sh.booked) FROM shares sh"
            " JOIN slots s ON s.id = sh.slot_id JOIN clinics c ON c.id = s.clinic_id"
            " WHERE s.day >= ? GROUP BY sh.grp, c.sido ORDER BY sh.grp, c.sido", (since.isoformat(),),
        ).fetchall()
        return [PlaceFigure(int(g), str(sido), int(cap), int(booked)) for g, sido, cap, booked in rows]


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))


