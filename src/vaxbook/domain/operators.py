"""Operators of the health agency: names, roles, what each role may do, and the audit trail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from vaxbook.domain.errors import Problem, VaxbookError

_NAME = re.compile(r"[a-z][a-z0-9._-]{1,31}", re.ASCII)
PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024  # argon2 hashes anything; a megabyte password is only a way to burn CPU


class Role(StrEnum):
    """viewer watches the console; operator also steers lines and issues clinic keys."""

    VIEWER = "viewer"
    OPERATOR = "operator"


@dataclass(frozen=True)
class Operator:
    name: str
    role: Role
    password_hash: str


@dataclass(frozen=True)
class OperatorSession:
    """A signed-in operator, as a session row names them."""

    name: str
    role: Role
    expires_at: float

    @property
    def may_steer(self) -> bool:
        return self.role is Role.OPERATOR


@dataclass(frozen=True)
class AuditEntry:
    """One operator action, as the ledger keeps it for ever: who, what, on what, before, after, when."""

    at: datetime
    operator: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    id: int = 0  # given by the ledger


def check_operator_name(name: str) -> str:
    """2-32 characters: lowercase ASCII letters, digits, '.', '_' or '-', starting with a letter."""
    if not _NAME.fullmatch(name):
        raise VaxbookError(
            Problem.INVALID_INPUT, field="name",
            detail_en="name: 2-32 lowercase ASCII letters, digits, '.', '_' or '-', starting with a letter.",
            detail_ko="name: 영문 소문자로 시작하는 영문 소문자·숫자·'.'·'_'·'-' 2~32자입니다.",
        )
    return name


def check_new_password(password: str) -> str:
    """A new operator password: 12 to 1024 characters."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise VaxbookError(
            Problem.INVALID_INPUT, field="password",
            detail_en=f"password: {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters.",
            detail_ko=f"password: {PASSWORD_MIN_LENGTH}~{PASSWORD_MAX_LENGTH}자여야 합니다.",
        )
    return password


def require_steering(session: OperatorSession) -> None:
    """Only the operator role changes anything; a viewer watches."""
    if not session.may_steer:
        raise VaxbookError(Problem.OPERATOR_FORBIDDEN)
