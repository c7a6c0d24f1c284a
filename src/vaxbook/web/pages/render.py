"""The Jinja environment of the citizen pages: templates beside this module, HTML autoescaped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["todatetime"] = lambda timestamp: datetime.fromtimestamp(timestamp, UTC)
