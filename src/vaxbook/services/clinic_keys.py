"""Clinic keys, issued and revoked by operators: shown once, kept only as a hash, every change audited."""

from __future__ import annotations

import secrets

from vaxbook.domain.canonical import check_clinic_id
from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.operators import AuditEntry
from vaxbook.ports import Clock, Ledger
from vaxbook.services.clinics import hash_clinic_key

# What a revoked clinic's hash is set to: a SHA-256 hex digest never has this shape.
REVOKED = "revoked"


class ClinicKeyService:
    def __init__(self, ledger: Ledger, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock

    async def issue(self, clinic_id: str, by: str) -> str:
        """A new key for the clinic (the old one stops working); the caller shows it once."""
        key = secrets.token_urlsafe(24)
        await self._replace(clinic_id, hash_clinic_key(key), by, "clinic_key.issue")
        return key

    async def revoke(self, clinic_id: str, by: str) -> None:
        """No key opens the clinic's list until a new one is issued."""
        await self._replace(clinic_id, f"{REVOKED}:{secrets.token_hex(8)}", by, "clinic_key.revoke")

    async def _replace(self, clinic_id: str, key_hash: str, by: str, action: str) -> None:
        check_clinic_id(clinic_id)
        if not await self._ledger.set_clinic_key_hash(clinic_id, key_hash):
            raise VaxbookError(Problem.CLINIC_NOT_FOUND, field="clinic_id")
        # Neither the key nor its hash goes into the audit trail: only that it changed.
        await self._ledger.record_audit(AuditEntry(self._clock.now(), by, action, f"clinic:{clinic_id}",
                                                   None, None))
