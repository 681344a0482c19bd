"""Names in the Danish genitive (review AY 3: »se Simon Lund Friiss skånehensyn«)."""
from __future__ import annotations

from html import unescape

import pytest

from portal.i18n import genitive


@pytest.mark.parametrize("name, expected", [
    ("Anna Holm", "Anna Holms"), ("Simon Lund Friis", "Simon Lund Friis'"), ("Max", "Max'"),
    ("Inez Ruiz", "Inez Ruiz'"), ("Lars JENSENS", "Lars JENSENS'"), ("Åse Ærø", "Åse Ærøs"), ("", ""), (None, ""),
])
def test_genitive(name, expected):
    assert genitive(name) == expected


def test_the_approval_note_writes_the_name_in_the_genitive(app):
    """The skånehensyn note's link, as the card and the proposal page render it."""
    with app.test_request_context():
        macro = app.jinja_env.get_template("candidates/_limitations.html").module.limitations_note
        opening = type("Opening", (), {"accommodations": ""})()
        for told in ("ask", "has"):
            html = unescape(str(macro(7, "Simon Lund Friis", opening, told)))  # the apostrophe is escaped
            assert "se Simon Lund Friis' skånehensyn" in html and "Friiss" not in html, told
