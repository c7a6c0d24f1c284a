"""The pages' catalog: every word in Korean and English, and every key the pages use exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from vaxbook.config import METHODS
from vaxbook.web.i18n.words import WORDS

WEB = Path(__file__).parents[2] / "src" / "vaxbook" / "web"
PAGES = WEB / "pages"
USED = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_]+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_word_is_in_both_languages_with_the_same_placeholders() -> None:
    """No entry is empty in either language, and both fill in the same values."""
    for key, (ko, en) in WORDS.items():
        assert ko.strip() and en.strip(), key
        assert _placeholders(ko) == _placeholders(en), key


def test_every_key_the_pages_use_is_in_the_catalog() -> None:
    """Keys written in templates and page code, and the per-method and per-level ones, all exist."""
    sources = [*PAGES.glob("templates/*.html"), *PAGES.glob("*.py"), *WEB.glob("i18n/*.py")]
    used = {key for source in sources for key in USED.findall(source.read_text(encoding="utf-8"))}
    used |= {f"method.{m}" for m in METHODS} | {f"level.{lv}" for lv in ("smooth", "busy", "congested")}
    assert len(used) > 50
    assert sorted(used - WORDS.keys()) == []


def test_templates_hold_no_hard_coded_hangul_outside_the_catalog() -> None:
    """Korean text lives only in the catalog, so the English pages cannot show a stray Korean word."""
    hangul = re.compile(r"[\uac00-\ud7a3]")
    for template in PAGES.glob("templates/*.html"):
        assert not hangul.search(template.read_text(encoding="utf-8")), template.name
