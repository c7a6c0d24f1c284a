"""Rate limits as GCRA (the generic cell rate algorithm): one number per key, no log of events.

A limit of `count` per `seconds` lets a burst of `count` through, then one more every
`seconds / count`. The only state is the key's theoretical arrival time (TAT): the moment
its bucket would be empty again. Both gates run this rule (the Redis gate as a Lua copy,
adapters/redis/lua/hit.lua, tested against this function), so a key costs O(1) time and
memory, and a key whose TAT has passed is the same as a key never seen: it can be forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """At most `count` events per `seconds`, as a burst of `count` refilled evenly."""

    count: int
    seconds: float

    def __post_init__(self) -> None:
        if self.count < 1 or self.seconds <= 0:
            raise ValueError("a rate is a count of 1 or more per a positive number of seconds")

    @property
    def interval(self) -> float:
        """Seconds one event occupies: the refill step."""
        return self.seconds / self.count

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """`5/600` is 5 per 600 seconds; `off` is no limit."""
        text = text.strip().lower()
        if text in ("off", "none", ""):
            return None
        count, slash, seconds = text.partition("/")
        if not slash:
            raise ValueError(f"a rate is COUNT/SECONDS or off, not {text!r}")
        return cls(int(count), float(seconds))

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}"


def gcra(
    tat: float | None, now: float, limit: int, period: float, cost: int = 1
) -> tuple[float, float | None]:
    """The key's new TAT and None if the event is allowed, or its TAT unchanged and the seconds to wait.

    `tat=None` is a key never seen. A negative `cost` gives events back (a refund: the
    code turned out right), never below `now`, and is never refused.
    """
    interval = period / limit
    base = now if tat is None else max(tat, now)
    if cost <= 0:
        return max((now if tat is None else tat) + cost * interval, now), None
    new_tat = base + cost * interval
    allowed_at = new_tat - period  # the event fits when the bucket's fill stays within `period`
    if allowed_at > now:
        return (now if tat is None else tat), allowed_at - now
    return new_tat, None
