"""The hot routes' once-per-object JSON of cached reads (web/api/hot_wire.encoded)."""

from __future__ import annotations

from typing import Any

from vaxbook.web.api.hot_wire import encoded


def test_one_object_is_encoded_once_per_builder() -> None:
    """The same cached object is built once; a second route's builder on it gets its own body."""
    calls: list[str] = []

    def as_slots(value: list[Any]) -> dict[str, Any]:
        calls.append("slots")
        return {"slots": value}

    def as_clinics(value: list[Any]) -> dict[str, Any]:
        calls.append("clinics")
        return {"clinics": value}

    shared: list[Any] = []  # an empty list two services might both hand back
    assert encoded(shared, as_slots) == b'{"slots":[]}'
    assert encoded(shared, as_slots) == b'{"slots":[]}'
    assert encoded(shared, as_clinics) == b'{"clinics":[]}'
    assert calls == ["slots", "clinics"]


def test_a_new_object_is_encoded_again() -> None:
    """A new cache entry (another object, even equal) is encoded afresh, not served stale."""
    def wrap(value: list[int]) -> dict[str, Any]:
        return {"v": value}

    first = [1]
    assert encoded(first, wrap) == b'{"v":[1]}'
    second = [2]
    assert encoded(second, wrap) == b'{"v":[2]}'
