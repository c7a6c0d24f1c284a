"""Limits on what a stranger can repeat, counted in the gate, each refusal a 429 with Retry-After.

Everything counted is named by a keyed hash (`private_label`): the gate never holds a
phone number or an address in plain text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vaxbook.domain.errors import Problem, VaxbookError
from vaxbook.domain.throttle import Rate
from vaxbook.keys import Key, private_label
from vaxbook.ports import Clock, Gate


@dataclass(frozen=True)
class Limits:
    """Every limit; None is no limit. Defaults and reasons: config.Settings and docs/api.md."""

    starts_per_person: Rate | None = None
    starts_per_phone: Rate | None = None
    starts_per_device: Rate | None = None
    starts_per_client: Rate | None = None
    wrong_codes_per_person: Rate | None = None
    wrong_clinic_keys_per_clinic: Rate | None = None
    wrong_clinic_keys_per_client: Rate | None = None
    method_share_per_client: float = 1.0
    operator_logins_per_name: Rate | None = None
    operator_logins_per_client: Rate | None = None


@dataclass(frozen=True)
class Counted:
    """One thing counted against one limit: what `take` hit, so `give_back` can refund it."""

    key: str
    rate: Rate


class Throttle:
    def __init__(self, gate: Gate, clock: Clock, pepper: Key, limits: Limits) -> None:
        self._gate = gate
        self._clock = clock
        self._pepper = pepper
        self.limits = limits

    def label(self, kind: str, value: str) -> str:
        return private_label(self._pepper, kind, value)

    async def take(self, *checks: tuple[str, str, Rate | None]) -> list[Counted]:
        """Count one event against each (kind, value, rate) in order; the first refusal raises.

        Cheap-to-change names (a person, a phone, a device) come after the client address
        in the callers' order, so a flood from one address stops before it spends the
        allowance of the people and phones it names: the limits are asked in one round trip
        (Gate.hits), and those counted after the first refusal are given back at once.
        """
        counted = self.counting(*checks)
        if not counted:
            return []
        waits = await self._gate.hits(asked(counted), self._clock.now().timestamp())
        return await self.settle(counted, waits)

    def counting(self, *checks: tuple[str, str, Rate | None]) -> list[Counted]:
        """What `take` counts for these checks (those with a rate), for a caller that asks the
        gate itself in a round trip with other calls, then hands the answers to `settle`."""
        return [Counted(f"{kind}:{self.label(kind, value)}", rate)
                for kind, value, rate in checks if rate is not None]

    async def settle(self, counted: list[Counted], waits: list[float | None]) -> list[Counted]:
        """`take`'s verdict on the gate's answers to `asked(counted)`."""
        refused = next((i for i, wait in enumerate(waits) if wait is not None), None)
        if refused is None:
            return counted
        await self.give_back(allowed(counted[refused + 1:], waits[refused + 1:]))
        wait = waits[refused]
        assert wait is not None
        raise too_many_requests(wait)

    async def give_back(self, counted: list[Counted]) -> None:
        """Refund events that turned out harmless (the code or key was right)."""
        now = self._clock.now().timestamp()
        for item in counted:
            await self._gate.hit(item.key, item.rate.count, item.rate.seconds, now, cost=-1)

    def method_share(self, capacity: int) -> int:
        """How many calls one client may have in flight with a method of this capacity."""
        return max(1, math.floor(capacity * self.limits.method_share_per_client))


def asked(counted: list[Counted]) -> list[tuple[str, int, float]]:
    """The gate's (key, limit, period) of each counted limit."""
    return [(item.key, item.rate.count, item.rate.seconds) for item in counted]


def allowed(counted: list[Counted], waits: list[float | None]) -> list[Counted]:
    """Those the gate counted: its answer to each (`asked(counted)`) was None."""
    return [item for item, wait in zip(counted, waits, strict=True) if wait is None]


def too_many_requests(wait_seconds: float) -> VaxbookError:
    return VaxbookError(Problem.TOO_MANY_REQUESTS, retry_after=max(math.ceil(wait_seconds), 1))
