"""The documentation keeps up with the code."""

from __future__ import annotations

import re
from pathlib import Path

from vaxbook.domain.errors import Problem

DOCS = Path(__file__).parents[2] / "docs"


def test_api_doc_lists_every_problem_code() -> None:
    """docs/api.md has a row for every problem code the service can answer."""
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [code for code in Problem if f"| `{code}` |" not in text]
    assert not missing, f"add these codes to docs/api.md: {missing}"


def test_every_test_named_in_the_security_doc_exists() -> None:
    """docs/security.md names test files and functions that exist, so its proofs cannot go stale."""
    text = (DOCS / "security.md").read_text(encoding="utf-8")
    root = DOCS.parent
    named = re.findall(r"`(tests/[\w/]+\.py)((?:::\w+)?)`|`::(\w+)`", text)
    assert len(named) > 30
    current: Path | None = None
    for path, function, bare in named:
        if path:
            current = root / path
            assert current.exists(), path
        name = (function or "").removeprefix("::") or bare
        if name:
            assert current is not None
            assert re.search(rf"def {name}\b", current.read_text(encoding="utf-8")), f"{current}: {name}"
