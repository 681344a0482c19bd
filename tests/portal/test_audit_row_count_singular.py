"""The access log's purposes say »1 række«, never »1 rækker«: a row count is singular after 1
and plural after any other number (0, 11, 21 too), wherever the code writes ``rows:<n>``."""
from __future__ import annotations

import pytest

from portal.admin.audit_labels import purpose_label

# (action, purpose with the count as {n}, the Danish label with the count's words as {words})
WRITERS = [
    ("export_hours", "company:1 2026-10 xlsx rows:{n}", "virksomhed 1 oktober 2026 Excel-fil {words}"),
    ("export_placements", "company:3 csv rows:{n}", "virksomhed 3 CSV-fil {words}"),
    ("export_candidates", "xlsx rows:{n}", "Excel-fil {words}"),
    ("audit_log_exported", "filter none rows:{n}", "uden filter {words}"),
    ("audit_log_pruned", "rows:{n} before:2021-12-07", "{words} ældre end 07.12.2021"),
]


@pytest.mark.parametrize(("action", "purpose", "label"), WRITERS)
@pytest.mark.parametrize(("n", "words"), [("1", "1 række"), ("0", "0 rækker"), ("2", "2 rækker"),
                                          ("11", "11 rækker"), ("21", "21 rækker"), ("101", "101 rækker")])
def test_a_row_count_is_singular_after_one_only(action, purpose, label, n, words):
    assert purpose_label(action, purpose.format(n=n)) == label.format(words=words)

