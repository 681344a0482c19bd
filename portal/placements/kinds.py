"""What a kind of placement means for pay and for the job centre's follow-up, said once.

The company pages and the payroll files tell a company whether it pays a wage for a placement
and how its hours count in the follow-up. Both answers come from the rules the follow-up
itself uses (:mod:`portal.dashboard.metrics`), so the pages cannot promise what the figures
do not count:

* the focus goal counts *ordinary wage hours* (at least 100 in 12 months) only for the kinds
  in :data:`~matching.vocab.WAGE_HOUR_KINDS` (småjob, ordinært job, fleksjob);
* a *company-based placement* (:data:`~matching.vocab.COMPANY_BASED_KINDS`: virksomhedspraktik,
  løntilskud) meets the goal by itself, whatever its hours; its hours are not ordinary hours
  (praktik is unpaid, løntilskud is a subsidised wage).
"""
from __future__ import annotations

from matching.vocab import COMPANY_BASED_KINDS, FOCUS_HOURS, WAGE_HOUR_KINDS

# Virksomhedspraktik: the citizen keeps the benefit; the company pays no wage.
UNPAID_KINDS = frozenset({"virksomhedspraktik"})


def is_unpaid(kind: str) -> bool:
    """True for a kind the company pays no wage for (virksomhedspraktik)."""
    return kind in UNPAID_KINDS


def pay_label(kind: str) -> str:
    """"Lønnet", or "Ulønnet (praktik)" for a kind the company pays no wage for."""
    return "Ulønnet (praktik)" if is_unpaid(kind) else "Lønnet"


def followup_note(kind: str) -> str:
    """How the hours of a placement of ``kind`` count in the job centre's follow-up (Danish)."""
    hours = f"{FOCUS_HOURS:,.0f}".replace(",", ".")
    if kind in WAGE_HOUR_KINDS:
        return (f"Timerne er ordinære løntimer og tæller med i jobcentrets opfølgning, bl.a. målet om "
                f"mindst {hours} ordinære løntimer inden for 12 måneder.")
    if kind in COMPANY_BASED_KINDS:
        what = ("Virksomhedspraktik er ulønnet: borgeren får sin ydelse, ikke løn, så timerne er "
                "fremmøde og ikke ordinære løntimer." if is_unpaid(kind) else
                "Løntilskud er løn med tilskud fra jobcentret, så timerne er ikke ordinære løntimer.")
        return (f"{what} De tæller derfor ikke med i målet om mindst {hours} ordinære løntimer; i "
                f"jobcentrets opfølgning tæller selve forløbet som et virksomhedsrettet forløb.")
    return "Timerne bruges i jobcentrets opfølgning på forløbet."
