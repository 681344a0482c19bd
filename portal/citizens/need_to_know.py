"""Need-to-know for a citizen's skånehensyn (health data, GDPR art. 9; NAV's model, SECURITY.md).

Skånehensyn are shown, without asking, to the consultants who work on the citizen's case:

- the citizen's own VK (``vk_id``) and employment adviser (``adviser_id``);
- a consultant in the citizen's team (``Citizen.team_id``, the VK's team when the citizen was
  made; the pair works in a close "makkerskab" and stands in for each other).

Only they may change them. Anyone else "breaks the glass": the skånehensyn page shows nothing
of them, only a short required purpose (:class:`BreakGlassForm`, checked by
:func:`purpose_problem`: no CPR-like number, no health word, no e-mail address, not the
citizen's name or phone: the rule for every text kept in the audit log). The purpose goes into the
``read_limitations`` audit event (``break-glass: <purpose>``), fail closed, and the page then
shows the skånehensyn for that one response, read-only; the next visit asks again. A direct
read is logged as well, with its basis as the purpose (``need to know: vk``/``adviser``/``team``),
so every read in the log says why it was allowed.

Administrators are no one's VK, adviser or team member: they break the glass like any other
consultant outside the case, and cannot change skånehensyn. Their work (users, teams, rules)
needs no health data; when it does (a complaint, a request for access), the purpose says so.

The caseworker page (``/borgere/<id>/sagsbehandlere``) is the way onto a case, so it is behind
the same glass (review AZ 1): the VK, the adviser and the team (:func:`may_assign`), and
administrators (caseloads are their work), change the caseworkers directly; anyone else gives a
purpose (:class:`AssignGlassForm`, the same rule), kept with the change as
``caseworkers_break_glass`` (``break-glass: <purpose>``) in the same commit, before the seat they
took gives them a basis. The caseworkers who are removed or kept are told
(:func:`portal.notifications.assigned.announce_assigned`).

The skånehensyn page is the only place that shows skånehensyn: the citizen's overview only
links to it, and no list, export, API answer or ranking carries them (matching leaves them out;
:mod:`matching.rerank`).
"""
from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..formutil import DanishForm
from ..text import clean_line
from .forms import audit_text_problem, no_hidden_characters, no_nul
from store.models import Citizen, User

MAX_PURPOSE = 150  # "break-glass: " and this fit the audit log's 200 characters
MIN_PURPOSE = 5
BREAK_GLASS = "break-glass: "


def basis(user: User, citizen: Citizen) -> str | None:
    """Why ``user`` may see (and change) the citizen's skånehensyn without breaking the glass:
    ``"vk"``, ``"adviser"`` or ``"team"``; None when the user must give a purpose."""
    if user.role != "consultant" or not user.active:
        return None
    if citizen.vk_id is not None and citizen.vk_id == user.id:
        return "vk"
    if citizen.adviser_id is not None and citizen.adviser_id == user.id:
        return "adviser"
    if citizen.team_id is not None and citizen.team_id == user.team_id:
        return "team"
    return None


def may_assign(user: User, citizen: Citizen) -> bool:
    """Whether ``user`` may change the citizen's VK and adviser without a purpose: an
    administrator, or someone with a :func:`basis` now. A seat on the case gives a basis from then
    on, so anyone else takes it through the glass (:class:`AssignGlassForm`)."""
    return (user.role == "admin" and user.active) or basis(user, citizen) is not None


def direct_purpose(reason: str) -> str:
    """The audit purpose of a read by someone with a need to know (``reason`` from :func:`basis`)."""
    return f"need to know: {reason}"


def glass_purpose(purpose: str) -> str:
    """The audit purpose of a read through the glass (the purpose checked by :func:`purpose_problem`)."""
    return BREAK_GLASS + clean_line(purpose)[:MAX_PURPOSE]


def purpose_problem(text: str, citizen: Citizen) -> str | None:
    """Why ``text`` may not be the purpose kept in the audit log, in Danish, or None when it may.

    Shorter than :data:`MIN_PURPOSE`, or refused by the rule for every text kept in the log,
    which outlives the citizen's erasure (:func:`portal.citizens.forms.audit_text_problem`: no
    CPR-like number, health word or e-mail address, nor the citizen's name or phone).
    """
    text = clean_line(text)
    if len(text) < MIN_PURPOSE:
        return f"Skriv en begrundelse på mindst {MIN_PURPOSE} tegn."
    return audit_text_problem(text, name=citizen.name or "", phone=citizen.phone or "")


class BreakGlassForm(DanishForm):
    """The purpose asked of a consultant outside the citizen's case before skånehensyn are shown."""

    purpose = StringField("Begrundelse for at se skånehensyn", filters=[clean_line], validators=[
        DataRequired("Skriv, hvorfor du skal se borgerens skånehensyn."),
        Length(max=MAX_PURPOSE, message=f"Skriv begrundelsen kort: højst {MAX_PURPOSE} tegn."),
        no_nul, no_hidden_characters])


class AssignGlassForm(DanishForm):
    """The purpose asked of a consultant outside the citizen's case before they change its
    caseworkers (:func:`may_assign`); checked by :func:`purpose_problem` as well."""

    purpose = StringField("Begrundelse for at ændre sagsbehandlerne", filters=[clean_line], validators=[
        DataRequired("Skriv, hvorfor du ændrer borgerens sagsbehandlere."),
        Length(max=MAX_PURPOSE, message=f"Skriv begrundelsen kort: højst {MAX_PURPOSE} tegn."),
        no_nul, no_hidden_characters])
