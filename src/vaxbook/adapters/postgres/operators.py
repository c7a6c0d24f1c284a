"""The cluster ledger's operators, sessions, clinic keys, audit trail and console figures."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from vaxbook.domain.operators import AuditEntry, Operator, OperatorSession, Role
from vaxbook.ports import PlaceFigure

T = TypeVar("T")


class PostgresOperators:
    """Mixed into PostgresLedger, which provides the pool helpers."""

    if TYPE_CHECKING:  # provided by PostgresLedger, which mixes this in
        async def _fetch(self, query: str, *args: Any) -> list[Any]: ...
        async def _transaction(
            self, work: Callable[[Any], Awaitable[T]], *, replay_safe: bool = True
        ) -> T: ...

    async def _execute(self, query: str, *args: Any, replay_safe: bool = True) -> str:
        async def run(db: Any) -> str:
            return str(await db.execute(query, *args))

        return await self._transaction(run, replay_safe=replay_safe)

    async def add_operator(self, operator: Operator) -> bool:
        status = await self._execute(
            "INSERT INTO operators (name, role, password_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            operator.name, operator.role.value, operator.password_hash,
        )
        return status.endswith(" 1")

    async def remove_operator(self, name: str) -> bool:
        # Its sessions go with it (ON DELETE CASCADE).
        return (await self._execute("DELETE FROM operators WHERE name = $1", name)).endswith(" 1")

    async def operator(self, name: str) -> Operator | None:
        rows = await self._fetch("SELECT name, role, password_hash FROM operators WHERE name = $1", name)
        return Operator(rows[0][0], Role(rows[0][1]), rows[0][2]) if rows else None

    async def add_session(self, session_hash: str, name: str, expires_at: float) -> None:
        async def add(db: Any) -> None:
            await db.execute("DELETE FROM operator_sessions WHERE expires_at < $1", expires_at - 86400 * 7)
            await db.execute("INSERT INTO operator_sessions (id_hash, name, expires_at) VALUES ($1, $2, $3)",
                             session_hash, name, expires_at)

        await self._transaction(add)

    async def session(self, session_hash: str, now: float) -> OperatorSession | None:
        rows = await self._fetch(
            "SELECT o.name, o.role, s.expires_at FROM operator_sessions s JOIN operators o ON o.name = s.name"
            " WHERE s.id_hash = $1 AND s.expires_at > $2", session_hash, now,
        )
        return OperatorSession(rows[0][0], Role(rows[0][1]), float(rows[0][2])) if rows else None

    async def end_session(self, session_hash: str) -> None:
        await self._execute("DELETE FROM operator_sessions WHERE id_hash = $1", session_hash)

    async def set_clinic_key_hash(self, clinic_id: str, key_hash: str) -> bool:
        status = await self._execute("UPDATE clinics SET key_hash = $2 WHERE id = $1", clinic_id, key_hash)
        return status.endswith(" 1")

    async def record_audit(self, entry: AuditEntry) -> None:
        await self._execute(
            "INSERT INTO audit (at, operator, action, target, before, after)"
            " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)",
            entry.at, entry.operator, entry.action, entry.target, _json(entry.before), _json(entry.after),
            replay_safe=False,  # a retry after a lost COMMIT could write the entry twice
        )

    async def audit_log(self, limit: int, target: str | None = None) -> list[AuditEntry]:
        where = "WHERE target = $2" if target else "WHERE $2::text IS NULL"
        rows = await self._fetch(
            "SELECT id, at, operator, action, target, before::text, after::text FROM audit"
            f" {where} ORDER BY id DESC LIMIT $1", limit, target,
        )
        return [AuditEntry(at, who, action, aim, _load(before), _load(after), id=int(ident))
                for ident, at, who, action, aim, before, after in rows]

    async def first_dose_figures(self, since: date) -> list[PlaceFigure]:
        rows = await self._fetch(
            "SELECT sh.grp, c.sido, SUM(sh.capacity)::bigint, SUM(sh.booked)::bigint FROM shares sh"
            " JOIN slots s ON s.id = sh.slot_id JOIN clinics c ON c.id = s.clinic_id"
            " WHERE s.day >= $1 GROUP BY sh.grp, c.sido ORDER BY sh.grp, c.sido", since,
        )
        return [PlaceFigure(int(g), str(sido), int(cap), int(booked)) for g, sido, cap, booked in rows]


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _load(text: str | None) -> dict[str, Any] | None:
    return None if text is None else dict(json.loads(text))
