"""Scan page sizing: a page cut by the 1 MB cap shrinks the next Limit, full pages grow it."""

from __future__ import annotations

from cloudexit_ci.migrate_data.dynamodb import next_limit


def test_a_page_cut_by_size_asks_next_for_about_what_fitted() -> None:
    assert next_limit(1000, 80, True, 1000) == 101
    assert next_limit(100, 3, True, 1000) == 4
    assert next_limit(100, 0, True, 1000) == 1


def test_full_pages_double_up_to_the_page_size() -> None:
    assert next_limit(100, 100, True, 1000) == 200
    assert next_limit(800, 800, True, 1000) == 1000
    assert next_limit(7, 7, True, 7) == 7


def test_the_last_page_changes_nothing() -> None:
    assert next_limit(100, 10, False, 1000) == 100
