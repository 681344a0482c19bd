"""The company is addressed as »I/jeres« about its work (review AT 7): the hours pages and the
openings said »du/dine« beside »Jeres« on the same screen. »du« stays for a user's own account
matters (password, own notices and their e-mail settings: templates/notifications)."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
COMPANY_WORK = ["placements/hours_month.html", "placements/detail.html",
                *(str(p.relative_to(TEMPLATES)) for p in (TEMPLATES / "openings").glob("*.html"))]
DU = re.compile(r"\b(du|dig|din|dit|dine)\b", re.IGNORECASE)


def _text(name: str) -> str:
    """The template's words: no Jinja comments or tags (a variable named ``you`` is not text)."""
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", "", source, flags=re.S)
    return source


def test_the_company_pages_about_its_work_say_i_not_du():
    saying = {name: DU.findall(_text(name)) for name in COMPANY_WORK}
    assert not {name: words for name, words in saying.items() if words}


def test_the_hours_pages_say_jeres_tal():
    """The page itself is tested in test_hours_month_pages (»gemmes kun, når I trykker«)."""
    source = (TEMPLATES / "placements/hours_month.html").read_text(encoding="utf-8")
    assert "før I går til en anden side" in source
    assert source.count("Intet er gemt endnu; jeres tal står der stadig.") == 2
    assert "før I gemmer" in (TEMPLATES / "placements/detail.html").read_text(encoding="utf-8")
