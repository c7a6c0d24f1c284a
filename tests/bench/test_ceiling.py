"""The pgbench scripts behind the database ceiling."""

from __future__ import annotations

from pathlib import Path

from vaxbook_bench.ceiling import SCRIPT, batched_script


def test_the_script_books_through_the_ledgers_function() -> None:
    """The single-booking script calls vaxbook_book once, as the ledger's book() does."""
    text = SCRIPT.read_text(encoding="utf-8")
    assert text.count("SELECT * FROM vaxbook_book(") == 1


def test_a_batched_script_books_n_times_in_one_transaction(tmp_path: Path) -> None:
    """Four bookings share one BEGIN/COMMIT, each with its own person, slot and second-dose day."""
    text = batched_script(4, tmp_path).read_text(encoding="utf-8")
    assert text.count("BEGIN;") == 1 and text.count("COMMIT;") == 1
    assert text.count("SELECT * FROM vaxbook_book(") == 4
    for i in range(4):
        assert f"\\set k{i} random(1, :slots)" in text and f":n{i}::text" in text
        assert f"AS slot{i}, second_day AS day2{i}, clinic_id AS clinic{i}" in text
        assert f":slot{i}, ARRAY[:grp]" in text and f":day2{i}, :clinic{i}, :vaccine{i}, :near{i}," in text
    assert text.index("\\gset") < text.index("BEGIN;")  # slot picks happen before the transaction
