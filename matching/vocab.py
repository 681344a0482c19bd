"""The shared vocabulary, defined once: benefit groups, opening kinds, readiness groups.

ASCII keys are what the database stores and the matcher checks; the Danish labels are what
users see. This is the lowest layer, so the ranking (:mod:`matching.domain`), the database
enums (``store.models.vocab``) and the portal's dashboard all read the same answer.
"""
from __future__ import annotations

BENEFIT_GROUPS: dict[str, str] = {
    "dagpenge": "Dagpenge",
    "kontanthjaelp": "Kontanthjælp",
    "uddannelseshjaelp": "Uddannelseshjælp",
    "integrationsydelse": "Integrationsydelse",
    "sygedagpenge": "Sygedagpenge",
    "jobafklaring": "Jobafklaringsforløb",
    "ressourceforloeb": "Ressourceforløb",
    "ledighedsydelse": "Ledighedsydelse",
}

OPENING_KINDS: dict[str, str] = {
    "smaajob": "Småjob",
    "virksomhedspraktik": "Virksomhedspraktik",
    "loentilskud": "Løntilskud",
    "ordinaert": "Ordinært job",
    "fleksjob": "Fleksjob",
}

READINESS_GROUPS: dict[str, str] = {
    "i_gang": "I gang",
    "paa_spring": "På spring",
    "paa_vej": "På vej",
    "laengere_sigt": "Lidt længere sigt",
}

# Company-based placements (virksomhedsrettede forløb): they count towards the 70% focus goal
# on the dashboard, and the time since a citizen's last one drives the ranking's priority.
COMPANY_BASED_KINDS: frozenset[str] = frozenset({"virksomhedspraktik", "loentilskud"})
# Kinds whose hours are ordinary wage hours: FOCUS_HOURS of them meet the focus goal as a
# company-based placement does (the dashboard counts them, a placement's page says so).
WAGE_HOUR_KINDS: tuple[str, ...] = ("smaajob", "ordinaert", "fleksjob")
FOCUS_HOURS = 100
