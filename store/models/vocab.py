"""Controlled vocabularies: ASCII keys stored in the database, Danish labels shown in the UI.

The keys are shared with ``matching.domain`` (benefit groups, opening kinds,
readiness groups), so a profile built from a row can be ranked without mapping.
"""
from __future__ import annotations

BENEFIT_GROUPS = {
    "dagpenge": "Dagpenge",
    "kontanthjaelp": "Kontanthjælp",
    "uddannelseshjaelp": "Uddannelseshjælp",
    "integrationsydelse": "Integrationsydelse",
    "sygedagpenge": "Sygedagpenge",
    "jobafklaring": "Jobafklaringsforløb",
    "ressourceforloeb": "Ressourceforløb",
    "ledighedsydelse": "Ledighedsydelse",
}

OPENING_KINDS = {
    "smaajob": "Småjob",
    "virksomhedspraktik": "Virksomhedspraktik",
    "loentilskud": "Løntilskud",
    "ordinaert": "Ordinært job",
    "fleksjob": "Fleksjob",
}

# Company-based placements in the sense of the 70% focus goal.
COMPANY_BASED_KINDS = ("virksomhedspraktik", "loentilskud")

OPENING_STATUSES = {
    "draft": "Kladde",
    "open": "Åben",
    "filled": "Besat",
    "closed": "Lukket",
}

READINESS_GROUPS = {
    "i_gang": "I gang",
    "paa_spring": "På spring",
    "paa_vej": "På vej",
    "laengere_sigt": "Lidt længere sigt",
}

ROLES = {
    "company": "Virksomhed",
    "consultant": "Konsulent",
    "admin": "Administrator",
}

PROPOSAL_STATUSES = {
    "proposed": "Foreslået",
    "approved": "Godkendt af konsulent",
    "rejected": "Fravalgt af konsulent",
    "consented": "Borgerens samtykke givet",
    "disclosed": "Identitet delt med virksomhed",
    "withdrawn": "Samtykke trukket tilbage",
}

COMPANY_RESPONSES = {
    "interested": "Interesseret",
    "declined": "Ikke interesseret",
    "hired": "Ansat / startet",
}

CONSENT_CHANNELS = {
    "telefon": "Telefon",
    "moede": "Personligt møde",
    "brev": "Brev",
    "digital": "Digital Post",
}

END_REASONS = {
    "ordinaert_job": "Ordinært job",
    "fleksjob": "Fleksjob",
    "uddannelse": "Uddannelse",
    "afbrudt": "Afbrudt",
    "forloeb_slut": "Forløb afsluttet",
    "andet": "Andet",
}

# What a consultant did on a placement (PlacementEvent.kind).
PLACEMENT_EVENT_KINDS = {
    "started": "Forløb startet",
    "followup": "Opfølgning",
    "ended": "Forløb afsluttet",
    "corrected": "Afslutning rettet",
}

# Outcomes that count as "moved on" in the policy follow-up.
SUCCESS_END_REASONS = ("ordinaert_job", "fleksjob", "uddannelse")

HOTLINE_CATEGORIES = {
    "fravaer": "Fravær",
    "konflikt": "Konflikt",
    "opgaver": "Arbejdsopgaver",
    "helbred": "Helbred",
    "andet": "Andet",
}

HOTLINE_URGENCIES = {
    "akut": "Akut – samme arbejdsdag",
    "hoej": "Høj – inden for 1 arbejdsdag",
    "normal": "Normal – inden for 3 arbejdsdage",
}

HOTLINE_STATUSES = {
    "open": "Åben",
    "answered": "Besvaret",
    "closed": "Lukket",
}

LIMITATION_FLAGS = {
    "no_heavy_lifting": "Ingen tunge løft",
    "no_night_work": "Intet natarbejde",
    "quiet_environment": "Behov for roligt miljø",
    "reduced_hours": "Nedsat timetal",
    "flexible_start": "Fleksibel mødetid",
}
