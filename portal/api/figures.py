"""/api/v1/figures: the monthly figures of /maal (consultants and administrators), computed by
the dashboard's own module (:mod:`portal.dashboard.metrics`) for the same scopes and months."""
from __future__ import annotations

from dataclasses import asdict

import marshmallow as ma
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from store import clock

from ..dashboard.facts import load_facts
from ..dashboard.forms import SCOPES, FilterForm, month_choices
from ..dashboard.metrics import compute_all
from ..extensions import db
from . import common, guard, problems

bp = common.blueprint("api_figures", "figures", "Månedens tal fra målopfølgningen (kun jobcentret).")
# Staff only, checked before a body is read: a company gets 403 here, never a validation answer.
guard.restrict(bp, common.staff_only)


class FiguresArgs(ma.Schema):
    scope = ma.fields.String(load_default="all", validate=ma.validate.OneOf(list(SCOPES)),
                             metadata={"description": "all (hele jobcentret), team eller mine."})
    month = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{4}-\d{2}$"),
                             metadata={"description": "ÅÅÅÅ-MM, en af de seneste 12 måneder. "
                                                      "Tom: seneste hele måned."})


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


class FiguresOut(ma.Schema):
    scope = ma.fields.String(required=True)
    month = ma.fields.String(required=True)
    measured_on = ma.fields.Date(required=True)
    partial = ma.fields.Boolean(required=True, metadata={"description": "Måneden er ikke slut endnu."})
    metrics = ma.fields.List(ma.fields.Nested(MetricOut), required=True)


@bp.get("/")
@bp.arguments(FiguresArgs, location="query")
@bp.response(200, FiguresOut)
def figures(args):
    """Målopfølgningens tal for en måned, som på siden Mål."""
    today = clock.today()
    if args["month"] and args["month"] not in month_choices(today):
        problems.abort(422, errors={"month": ["Vælg en af de seneste 12 måneder (ÅÅÅÅ-MM)."]})
    form = FilterForm(MultiDict({"omfang": args["scope"], "maaned": args["month"] or ""}), today)
    scope, as_of = form.cleaned(current_user)
    metrics = compute_all(load_facts(db.session, scope), as_of)
    return {"scope": scope.kind, "month": form.maaned.data, "measured_on": as_of, "partial": form.partial,
            "metrics": [dict(asdict(m), met=m.met) for m in metrics]}
