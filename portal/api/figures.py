"""/api/v1/figures: the monthly figures of /maal (consultants, administrators, integrations).

A finished month is the dashboard's frozen snapshot (:func:`portal.dashboard.snapshots.month_metrics`,
kept the first time the month is computed by either), so the API, the page and its CSV agree
and a month signed off never moves; ``frozen_at`` says when it was computed. The month in
progress is live (``partial``), and so is the month just ended until its hours are in
(``provisional_until``: the last day companies register them, 9 December for November). An integration has no caseload or team: ``mine`` and ``team``
are 400 for it rather than zeros.
"""
from __future__ import annotations

from dataclasses import asdict

import marshmallow as ma
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from store import clock

from ..dashboard import snapshots
from ..dashboard.facts import load_facts
from ..dashboard.forms import SCOPES, FilterForm, month_choices
from ..dashboard.metrics import redefined
from ..extensions import db
from . import common, guard, problems

bp = common.blueprint("api_figures", "figures", "Månedens tal fra målopfølgningen (kun jobcentret).")
# Staff only, checked before a body is read: a company gets 403 here, never a validation answer.
guard.restrict(bp, common.staff_only)


class FiguresArgs(ma.Schema):
    scope = ma.fields.String(load_default="all", validate=ma.validate.OneOf(list(SCOPES)), metadata={
        "description": "all (hele jobcentret), team (nøgleejerens team) eller mine (nøgleejerens egne "
                       "borgere). En integrationsnøgle har kun all; team og mine giver 400."})
    month = ma.fields.String(
        load_default=None, validate=ma.validate.Regexp(r"^\d{4}-\d{2}$", error="Skriv måneden som ÅÅÅÅ-MM, fx 2026-11."),
        metadata={"description": "ÅÅÅÅ-MM, en af de seneste 12 måneder. Tom: seneste hele måned."})


class MetricOut(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    value = ma.fields.Float(allow_none=True, required=True)
    unit = ma.fields.String(required=True, metadata={"enum": ["share", "count", "days"]})
    definition = ma.fields.String()
    numerator = ma.fields.Integer(allow_none=True)
    denominator = ma.fields.Integer(allow_none=True)
    target = ma.fields.Float(allow_none=True)
    first_target = ma.fields.Float(allow_none=True)
    met = ma.fields.Boolean(allow_none=True)
    breakdown = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), allow_none=True, metadata={
        "description": "Tællerens dele. Aktive borgere: placement (forløb i en virksomhed i måneden) og "
                       "contact_only (kun kontakt fra en virksomhed: navn delt, svar eller jobsamtale). "
                       "null for de andre tal og for måneder opgjort, før delene blev gemt."})
    redefined = ma.fields.Boolean(metadata={"description": (
        "Tallet er opgjort efter en tidligere definition end den, portalen bruger nu (definition er den, "
        "tallet blev regnet efter).")})


class FiguresOut(ma.Schema):
    scope = ma.fields.String(required=True)
    month = ma.fields.String(required=True)
    measured_on = ma.fields.Date(required=True)
    partial = ma.fields.Boolean(required=True, metadata={"description": "Måneden er ikke slut endnu (tallene er live)."})
    frozen_at = ma.fields.AwareDateTime(allow_none=True, required=True, metadata={"description": (
        "Hvornår en afsluttet måneds tal blev opgjort; de står fast derefter, som på siden Mål og i "
        "dens CSV. null: måneden er ikke slut, eller den er foreløbig (provisional_until), og tallene "
        "regnes nu.")})
    provisional_until = ma.fields.Date(allow_none=True, required=True, metadata={"description": (
        "For en netop afsluttet måned: fristen, den sidste dag virksomhederne skal registrere timer for "
        "den. Indtil da regnes tallene nu og kan ændre sig; dagen efter står de fast (timer registreret "
        "senere tages imod, men ændrer dem ikke). null: ellers.")})
    metrics = ma.fields.List(ma.fields.Nested(MetricOut), required=True)


@bp.get("/")
@bp.arguments(FiguresArgs, **common.QUERY)
@bp.response(200, FiguresOut)
@bp.alt_response(400, description="scope=mine eller team med en integrationsnøgle (den har ingen egne borgere "
                                   "eller team).")
def figures(args):
    """Målopfølgningens tal for en måned, som på siden Mål og i dens CSV.

    En afsluttet måneds tal står fast fra første gang, de blev opgjort, efter at fristen for
    månedens timer er gået (frozen_at); indtil da er de foreløbige (provisional_until), og den
    igangværende måned regnes nu (partial).
    """
    today = clock.today()
    if args["month"] and args["month"] not in month_choices(today):
        problems.abort(422, errors={"month": ["Vælg en af de seneste 12 måneder (ÅÅÅÅ-MM)."]})
    if current_user.role == "integration" and args["scope"] != "all":
        problems.abort(400, "En integration har ingen egne borgere eller team. Brug scope=all.",
                       errors={"scope": ["Brug scope=all med en integrationsnøgle."]})
    form = FilterForm(MultiDict({"omfang": args["scope"], "maaned": args["month"] or ""}), today)
    scope, as_of = form.cleaned(current_user)
    metrics, frozen_at = snapshots.month_metrics(db.session, load_facts(db.session, scope), scope, as_of, today)
    db.session.commit()  # keeps a finished month computed now, as the page does
    return {"scope": scope.kind, "month": form.maaned.data, "measured_on": as_of, "partial": form.partial,
            "frozen_at": frozen_at, "provisional_until": snapshots.provisional_until(as_of, today),
            "metrics": [dict(asdict(m), met=m.met, redefined=redefined(m)) for m in metrics]}
