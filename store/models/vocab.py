"""Controlled vocabularies: ASCII keys stored in the database, Danish labels shown in the UI.

Benefit groups, opening kinds, readiness groups and the company-based kinds are defined once
in :mod:`matching.vocab` (the lowest layer) and re-exported here, so a profile built from a
row is ranked without mapping and the dashboard counts what the ranking prioritises.
"""
from __future__ import annotations

from matching.vocab import (  # noqa: F401 - re-exported: the one definition
    BENEFIT_GROUPS, COMPANY_BASED_KINDS, OPENING_KINDS, READINESS_GROUPS,
)

# The opening and placement kinds that are employment (an ordinary job, a fleksjob), not a measure
# the job centre runs: an open-ended one holds no closed case back from retention
# (portal.privacy), and a success story shows both as »Job« (portal.stories.shown). One set
# for both (review BN 5).
EMPLOYMENT_KINDS: tuple[str, ...] = ("ordinaert", "fleksjob")

OPENING_STATUSES = {
    "draft": "Kladde",
    "open": "Åben",
    "filled": "Besat",
    "closed": "Lukket",
}

ROLES = {
    "company": "Virksomhed",
    "consultant": "Konsulent",
    "admin": "Administrator",
    # Another system of the job centre (its case system, a data warehouse): API keys only,
    # never a login; made and managed by administrators (/admin/integrationer).
    "integration": "Integration",
}
# The roles of people: what the user form offers (an integration is made on its own page).
PERSON_ROLES = {key: label for key, label in ROLES.items() if key != "integration"}

PROPOSAL_STATUSES = {
    # "proposed" is the matching's suggestion the consultant has not assessed; the company
    # calls a candidate "foreslået" once approved, so only "approved" says so (review AD 2).
    "proposed": "Til vurdering",
    "approved": "Foreslået til virksomheden",
    "rejected": "Fravalgt af konsulent",
    "consented": "Samtykke givet",
    "disclosed": "Navn og profil delt med virksomheden",
    "withdrawn": "Samtykke trukket tilbage",
    # Terminal: the citizen's case was closed while the proposal was live (not a judgement
    # of the match; the company is told only that the candidate is no longer relevant).
    "ended": "Afsluttet – borgerens sag er lukket",
    # Terminal: the opening was filled or closed while the proposal was live, and the consultant
    # ended it (:mod:`portal.candidates.opening_done`); no judgement of the match either.
    "opening_done": "Afsluttet – opslaget er besat eller lukket",
}

COMPANY_RESPONSES = {
    "interested": "Interesseret",
    "declined": "Ikke interesseret",
    "hired": "Ansat / startet",
}
# "declined" reported as the outcome after a held interview (portal.interviews): the company
# met the candidate, so "Ikke interesseret" would not be what it said.
DECLINED_AFTER_INTERVIEW = "Ikke ansat efter samtalen"

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
    # Ended as agreed without a job; not "Forløb afsluttet", which is every ended placement
    # (review AD 1). Lower-case after the first word: it is also read inside a sentence.
    "forloeb_slut": "Sluttede som aftalt (ikke i job)",
    "andet": "Andet",
    # A placement that never started (portal.placements.lifecycle.cancel_placement): kept, but
    # not an ended placement anywhere (no outcome, no goal, no figure). Never chosen in the end
    # form: ENDING_REASONS are the ones a started placement may end with.
    "aflyst": "Aflyst før start",
}
CANCELLED = "aflyst"
ENDING_REASONS = {key: label for key, label in END_REASONS.items() if key != CANCELLED}

# What a consultant did on a placement (PlacementEvent.kind).
PLACEMENT_EVENT_KINDS = {
    "started": "Forløb startet",
    "followup": "Opfølgning",
    "ended": "Forløb afsluttet",
    "corrected": "Afslutning rettet",
    "cancelled": "Forløb aflyst før start",
}

# Outcomes that count as "moved on" in the policy follow-up.
# Why a case ends (``Citizen.case_close_reason``, ``CaseClosure.reason``). The placement
# outcomes are reused where they fit, so the same words mean the same thing in the follow-up
# and on the case.
CASE_CLOSE_REASONS = {
    "ordinaert_job": END_REASONS["ordinaert_job"],
    "fleksjob": END_REASONS["fleksjob"],
    "uddannelse": END_REASONS["uddannelse"],
    "selvforsoergende": "Selvforsørgende på anden vis",
    "flyttet": "Flyttet fra kommunen",
    "andet": END_REASONS["andet"],
}

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

# What an entry in a hotline thread is (hotline_message.kind, migration 0030).
HOTLINE_MESSAGE_KINDS = {
    "message": "Besked",
    "closing_note": "Begrundelse for lukning",
}

LIMITATION_FLAGS = {
    "no_heavy_lifting": "Ingen tunge løft",
    "no_night_work": "Intet natarbejde",
    "quiet_environment": "Behov for roligt miljø",
    "reduced_hours": "Nedsat timetal",
    "flexible_start": "Fleksibel mødetid",
}

# Who offered an interview time (Interview.offered_by).
INTERVIEW_SIDES = {
    "company": "Virksomheden",
    "jobcenter": "Jobcentret",
}

INTERVIEW_STATUSES = {
    "offered": "Tid foreslået",
    "booked": "Samtale aftalt",
    "declined": "Tid afvist",
    "cancelled": "Aflyst",
}

MAIL_STATUSES = {
    "pending": "Venter",
    "sent": "Sendt",
    "failed": "Opgivet",
}
