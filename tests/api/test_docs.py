"""The documentation keeps up with the code."""

from __future__ import annotations

from pathlib import Path

from vaxbook.domain.errors import Problem

DOCS = Path(__file__).parents[2] / "docs"


def test_api_doc_lists_every_problem_code() -> None:
    """docs/api.md has a row for every problem code the service can answer."""
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [code for code in Problem if f"| `{code}` |" not in text]
    assert not missing, f"add these codes to docs/api.md: {missing}"
