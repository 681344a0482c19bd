"""The README's "Exports" paragraph states the placement files' columns as the code writes them."""
from __future__ import annotations

from pathlib import Path

from portal.placements import payroll

README = Path(__file__).resolve().parents[2] / "README.md"


def _exports_paragraph() -> str:
    text = README.read_text(encoding="utf-8")
    return " ".join(text.split("**Exports.**", 1)[1].split("\n\n", 1)[0].split())


def test_the_readme_lists_the_placement_columns_in_order():
    paragraph = _exports_paragraph()
    assert ", ".join(payroll.HEADER) in paragraph
    assert "/forloeb/eksport.xlsx|csv" in paragraph and "/forloeb/timer/eksport.xlsx|csv" in paragraph
    assert "header is the first line" in paragraph and "month is a column" in paragraph
    assert "Navn stays empty until the citizen's name is released" in paragraph
