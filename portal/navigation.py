"""Role-based navigation. New areas add their entries here."""
from __future__ import annotations

from flask import current_app

MENUS = {
    "company": [("main.index", "Forside"), ("openings.index", "Opslag")],
    "consultant": [("main.index", "Forside"), ("candidates.index", "Opslag og kandidater"),
                   ("citizens.index", "Borgere")],
    "admin": [("main.index", "Forside"), ("candidates.index", "Opslag og kandidater"),
              ("citizens.index", "Borgere"), ("admin.users", "Brugere"),
              ("admin.companies", "Virksomheder"), ("admin.eligibility_rules", "Regler"),
              ("admin.indexer", "Matchingindeks")],
}


def entries_for(user) -> list[tuple[str, str]]:
    """Entries whose endpoint exists in this app (areas can be switched off)."""
    menu = list(MENUS.get(user.role, []))
    return [(endpoint, label) for endpoint, label in menu if endpoint in current_app.view_functions]
