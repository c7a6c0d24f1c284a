"""Operator accounts: add and remove, sign in with a lockout, server-side sessions, sign out.

Passwords are hashed with argon2id (argon2-cffi's defaults, the RFC 9106 low-memory
profile); a session cookie holds a random id, and the ledger keeps only its SHA-256, so
neither a copy of the database nor a log line signs anyone in.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.operators import (
    PASSWORD_MAX_LENGTH,
    AuditEntry,
    Operator,
    OperatorSession,
    Role,
    check_new_password,
    check_operator_name,
)
from vaxbook.ports import Clock, Ledger
from vaxbook.services.throttle import Throttle

SESSION_ID_BYTES = 32
MAX_SESSION_ID_LENGTH = 64


def session_hash(session_id: str) -> str:
    return hashlib.sha256(b"vaxbook-operator-session:" + session_id.encode()).hexdigest()


class OperatorService:
    def __init__(self, ledger: Ledger, clock: Clock, throttle: Throttle | None, session_seconds: int,
                 hasher: PasswordHasher | None = None) -> None:
        self._ledger = ledger
        self._clock = clock
        self._throttle = throttle
        self._session_seconds = session_seconds
        self._hasher = hasher or PasswordHasher()
        # Unknown names are checked against this, so they cost what a wrong password costs.
        self._decoy = self._hasher.hash(secrets.token_hex(16))

    async def add(self, name: str, role: Role, password: str, by: str) -> None:
        """A new operator; refused if the name is taken."""
        check_operator_name(name)
        hashed = await asyncio.to_thread(self._hasher.hash, check_new_password(password))
        if not await self._ledger.add_operator(Operator(name, role, hashed)):
            raise VaxbookError(Problem.OPERATOR_EXISTS, field="name")
        await self._audit(by, "operator.add", f"operator:{name}", None, {"role": role.value})

    async def remove(self, name: str, by: str) -> None:
        """Remove an operator; their sessions end at once."""
        found = await self._ledger.operator(name)
        if found is None or not await self._ledger.remove_operator(name):
            raise VaxbookError(Problem.OPERATOR_NOT_FOUND, field="name")
        await self._audit(by, "operator.remove", f"operator:{name}", {"role": found.role.value}, None)

    async def sign_in(self, name: str, password: str, client: str) -> tuple[str, OperatorSession]:
        """A new session id (for the cookie) and its session; every try counts towards a lockout,
        per name and per client address, before the password is checked; a success is given back."""
        counted = []
        if self._throttle is not None:
            limits = self._throttle.limits
            try:
                counted = await self._throttle.take(
                    ("operator-login-client", client, limits.operator_logins_per_client),
                    ("operator-login-name", name[:64], limits.operator_logins_per_name),
                )
            except VaxbookError as refused:
                raise VaxbookError(Problem.OPERATOR_LOCKED, retry_after=refused.retry_after) from None
        found = await self._ledger.operator(name) if len(password) <= PASSWORD_MAX_LENGTH else None
        hashed = found.password_hash if found else self._decoy
        if not await asyncio.to_thread(self._matches, hashed, password) or found is None:
            raise VaxbookError(Problem.OPERATOR_LOGIN_FAILED)
        if self._throttle is not None:
            await self._throttle.give_back(counted)
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        expires = self._clock.now().timestamp() + self._session_seconds
        await self._ledger.add_session(session_hash(session_id), found.name, expires)
        await self._audit(found.name, "session.sign_in", "console", None, None)
        return session_id, OperatorSession(found.name, found.role, expires)

    async def session(self, session_id: str | None) -> OperatorSession:
        """The signed-in operator, with the role they hold now, or operator_session_required."""
        if not session_id or len(session_id) > MAX_SESSION_ID_LENGTH:
            raise VaxbookError(Problem.OPERATOR_SESSION_REQUIRED)
        found = await self._ledger.session(session_hash(session_id), self._clock.now().timestamp())
        if found is None:
            raise VaxbookError(Problem.OPERATOR_SESSION_REQUIRED)
        return found

    async def sign_out(self, session_id: str | None) -> None:
        """End the session (nothing to do if there is none)."""
        try:
            who = await self.session(session_id)
        except VaxbookError:
            return
        assert session_id is not None
        await self._ledger.end_session(session_hash(session_id))
        await self._audit(who.name, "session.sign_out", "console", None, None)

    async def audit(self, limit: int = 50) -> list[AuditEntry]:
        """The newest operator actions first."""
        return await self._ledger.audit_log(limit)

    def _matches(self, hashed: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(hashed, password))
        except (VerificationError, InvalidHashError):
            return False

    async def _audit(self, who: str, action: str, target: str, before: dict[str, str] | None,
                     after: dict[str, str] | None) -> None:
        await self._ledger.record_audit(AuditEntry(self._now(), who, action, target, before, after))

    def _now(self) -> datetime:
        return self._clock.now()
