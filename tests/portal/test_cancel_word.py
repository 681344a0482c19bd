"""One word for "cancel" on every page (review AT 8): »Fortryd«, as most forms said, not
»Annullér« on some (DKFDS content guidance: one consistent term)."""
from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_page_says_annuller_for_cancel():
    saying = {str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
              if "Annullér" in path.read_text(encoding="utf-8")}
    assert not saying, sorted(saying)


def test_the_company_pages_named_in_the_review_say_fortryd():
    for name in ("openings/close.html", "webhooks/form.html", "webhooks/delete.html"):
        assert '">Fortryd</a>' in (TEMPLATES / name).read_text(encoding="utf-8"), name


def test_the_job_goal_page_and_its_message_say_fortryd():
    page = (TEMPLATES / "citizens/job_goals.html").read_text(encoding="utf-8")
    assert page.count('">Fortryd</a>') == 2
    routes = (TEMPLATES.parent / "portal/citizens/routes_goals.py").read_text(encoding="utf-8")
    assert "»Annullér«" not in routes and "eller »Fortryd« for " in routes
