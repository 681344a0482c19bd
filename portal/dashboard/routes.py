"""Routes under /maal: the policy-goal dashboard and its CSV export (consultants, admins)."""
from __future__ import annotations


from flask import Response, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..access import consultant_required
from ..auth.sessions import confirm_first
from ..extensions import db
from . import bp
from .charts import chart_series
from .export import render_csv
from .facts import load_facts
from .forms import SCOPES, FilterForm, month_label
from .metrics import compute_all, compute_trend
from .savings import BUDGET_2024, compute_savings, plan_reference_saving
from store import clock


def _filters():
    form = FilterForm(request.args, clock.today())
    scope, as_of = form.cleaned(current_user)
    return form, scope, as_of


@bp.get("/")
@consultant_required
def index():
    """Figure cards vs targets, 12-month trend charts with tables, savings estimate."""
    form, scope, as_of = _filters()
    facts = load_facts(db.session, scope)
    metrics = compute_all(facts, as_of)
    points = compute_trend(facts, as_of)
    return render_template(
        "dashboard/index.html", form=form, as_of=as_of, metrics=metrics,
        charts=chart_series(points), savings=compute_savings(facts, as_of), budget=BUDGET_2024,
        reference=plan_reference_saving(), scope_label=SCOPES[scope.kind],
        month=month_label(as_of.replace(day=1)))


@bp.get("/eksport.csv")
@consultant_required
def export():
    """The chosen month's figures as CSV. Needs a fresh login (SECURITY.md: export).

    No citizen-level data: only the aggregates shown on the page.
    """
    if stale := confirm_first("før du henter eksporten", url_for("dashboard.index")):
        return stale
    _form, scope, as_of = _filters()
    facts = load_facts(db.session, scope)
    body = render_csv(compute_all(facts, as_of), compute_savings(facts, as_of), as_of,
                      SCOPES[scope.kind])
    audit.record_now("export_policy_goals", purpose=f"{scope.kind}:{as_of.isoformat()}")
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="maal-{as_of:%Y-%m}.csv"'})
