"""Role-based navigation. New areas add their entries here."""
from __future__ import annotations

from flask import current_app, request

MENUS = {
    "company": [("main.index", "Forside"), ("openings.index", "Opslag"), ("placements.index", "Forløb"),
                ("hotline.index", "Hotline"), ("stories.index", "Gode historier"),
                ("partners.report_page", "Code of Care-rapport"), ("webhooks.index", "Webhooks")],
    "consultant": [("main.index", "Forside"), ("candidates.index", "Opslag og kandidater"),
                   ("citizens.index", "Borgere"), ("placements.followups", "Forløb"),
                   ("hotline.index", "Hotline"), ("dashboard.index", "Mål"), ("stories.index", "Gode historier"),
                   ("partners.staff_index", "Code of Care")],
    "admin": [("main.index", "Forside"), ("candidates.index", "Opslag og kandidater"),
              ("citizens.index", "Borgere"), ("placements.followups", "Forløb"), ("hotline.index", "Hotline"),
              ("dashboard.index", "Mål"), ("stories.index", "Gode historier"),
              ("admin.users", "Brugere"), ("admin.teams", "Teams"),
              ("admin.companies", "Virksomheder"), ("partners.staff_index", "Code of Care"),
              ("admin.eligibility_rules", "Regler"),
              ("admin.indexer", "Matchingindeks"), ("api_pages.admin_tokens", "Alle API-nøgler"),
              ("webhooks.index", "Webhooks"), ("imports.index", "Import"), ("admin.audit_log", "Adgangslog")],
}

# Company entries only Code of Care partners get (the page tells other companies why not).
PARTNERS_ONLY = {"stories.index", "partners.report_page"}


def _allowed(user, endpoint: str) -> bool:
    return endpoint not in PARTNERS_ONLY or user.role != "company" or bool(user.is_code_of_care)


def entries_for(user) -> list[tuple[str, str, bool]]:
    """(endpoint, label, current) for entries whose endpoint exists in this app.

    The current entry is the exact endpoint, else the entry of the request's area
    (e.g. an opening's edit page highlights "Opslag").
    """
    menu = [(e, label) for e, label in MENUS.get(user.role, [])
            if e in current_app.view_functions and _allowed(user, e)]
    endpoints = [e for e, _ in menu]
    current = request.endpoint if request.endpoint in endpoints else None
    if current is None and request.blueprint not in (None, "main", "admin"):
        current = next((e for e in endpoints if e.split(".")[0] == request.blueprint), None)
    return [(e, label, e == current) for e, label in menu]
