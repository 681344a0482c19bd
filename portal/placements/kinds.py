"""What a kind of placement means for the company: a wage or not, and what its hours are for.

The company pages and the payroll files tell a company whether it pays a wage for a placement
and what to register. They say nothing of the job centre's own goals (the focus goal's 100
ordinary wage hours, :mod:`portal.dashboard.metrics`): that is the job centre's measure, not
something the company acts on (review B11). The kinds follow the same rules as the follow-up:

* :data:`~matching.vocab.WAGE_HOUR_KINDS` (småjob, ordinært job, fleksjob): a wage for the hours;
* :data:`~matching.vocab.COMPANY_BASED_KINDS`: virksomhedspraktik (unpaid: the citizen keeps the
  benefit, the hours are attendance) and løntilskud (a wage with a subsidy from the job centre).
"""
from __future__ import annotations

from matching.vocab import COMPANY_BASED_KINDS, WAGE_HOUR_KINDS

# Virksomhedspraktik: the citizen keeps the benefit; the company pays no wage.
UNPAID_KINDS = frozenset({"virksomhedspraktik"})


def is_unpaid(kind: str) -> bool:
    """True for a kind the company pays no wage for (virksomhedspraktik)."""
    return kind in UNPAID_KINDS


def pay_label(kind: str) -> str:
    """"Lønnet", or "Ulønnet (praktik)" for a kind the company pays no wage for."""
    return "Ulønnet (praktik)" if is_unpaid(kind) else "Lønnet"


def followup_note(kind: str) -> str:
    """What the company does with the hours of a placement of ``kind`` (Danish)."""
    if is_unpaid(kind):
        return ("Praktik er ulønnet: borgeren får sin ydelse, ikke løn fra jer. Registrér fremmødet "
                "(timer) hver måned, så jobcentret kan følge praktikken.")
    if kind in COMPANY_BASED_KINDS:
        return ("I betaler løn med tilskud fra jobcentret. Registrér de arbejdede timer hver måned; "
                "de står også i filen til jeres lønsystem.")
    if kind in WAGE_HOUR_KINDS:
        return ("I betaler løn for timerne. Registrér de arbejdede timer hver måned; de står også i "
                "filen til jeres lønsystem.")
    return "Registrér timerne hver måned."
