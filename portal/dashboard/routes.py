"""Routes under /maal: the policy-goal dashboard, its CSV export and the goal lists (staff only)."""
from __future__ import annotations


from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..access import admin_required, consultant_required
from ..auth.sessions import confirm_first
from ..errors import render_error
from ..extensions import db
from ..hotline import need_to_know
from . import bp, figure_lists, hotline_figures, hotline_lists, list_export, snapshots
from .charts import chart_series, go_live_marker, is_go_live_month
from .export import MonthPage, render_csv
from .facts import load_facts
from .go_live import go_live_day
from .forms import (ACTIVE_PARTS, FIGURES, GOALS, HOTLINE_FIGURE_KEYS, HOTLINE_FIGURES, PARTIAL, RESTRICTED_ONLY,
                    SCOPES, VIEWS, FigureListForm, FilterForm, GoalListForm, HotlineListForm, RecomputeForm,
                    UnknownChoice, month_label, provisional_marker, refused_month_text)
from .basis import Basis, counts, figure_ids
from .goal_lists import MISSES, active_list, focus_list, matchable_list, restricted_among, selected_ids
from .metrics import compute_all, redefined
from .savings import BUDGET_2024, compute_savings, plan_reference_saving
from store import clock
from store.models.vocab import BENEFIT_GROUPS


# Each goal list (the ``maal`` value, keys of ``GOALS``) → the figure card that links to it and
# the builder.
GOAL_LISTS = {
    "fokus": ("focus", focus_list),
    "aktiv": ("active", active_list),
    "cv": ("matchable", matchable_list),
}
# The tables of the facts snapshot (:func:`.facts.load_facts`) that a list's figure, its ids and
# its rows read, by goal (``maal``) and figure (``tal``); the citizens' columns are always read.
# A final month shown for the first time is frozen in full, every figure and its ids:
# :mod:`.snapshots` reads the rest of the tables for that (review AB 9).
GOAL_TABLES = {"fokus": ("placements", "hours"), "aktiv": ("placements", "activity"), "cv": ()}
FIGURE_TABLES = {"udfald": ("placements",), "varighed": (), "virksomheder": ("placements", "openings"),
                 "besparelse": ("placements",)}
AS_TODAY = "i-dag"  # ?som=i-dag: a frozen month's list as the citizens stand today


def _unknown(error: UnknownChoice):
    """404 with the Danish reason: a list asked for by a value it does not know shows no list."""
    abort(make_response(*render_error(404, str(error))))


def _filters():
    form = FilterForm(request.args, clock.today())
    scope, as_of = form.cleaned(current_user)
    return form, scope, as_of


def _offered_month_only(form) -> None:
    """A list or a CSV asked for a month /maal does not offer: 404 with the Danish reason, never
    another month's rows under it (review BA 3). The page shows the default month and says so."""
    if form.refused_month:
        _unknown(UnknownChoice(refused_month_text(form.refused_month, form.today)))


def _month(form, as_of) -> str:
    """The CSVs' "Måned": "oktober 2026"; the current month with its partial marker, a month
    whose hours may still be registered with its provisional one. (A page's lead names the
    month alone and ends "(foreløbige tal)"; its notice says why, review AD 12.)"""
    label = month_label(as_of.replace(day=1)) + _from_go_live(form, as_of)
    if form.partial:
        return f"{label} {PARTIAL}"
    until = snapshots.provisional_until(as_of, clock.today())
    return f"{label} {provisional_marker(until)}" if until else label


def _from_go_live(form, as_of) -> str:
    """" (fra 06.12.2026)" for the month Jobbro was taken into use (its figures count from that
    day, review BG 1); "" for any other."""
    return f" {go_live_marker(form.go_live)}" if is_go_live_month(as_of, form.go_live) else ""


@bp.get("/")
@consultant_required
def index():
    """Figure cards vs targets (with links to who misses them), 12-month trend, savings.

    The month defaults to the last complete one.
    """
    form, scope, as_of = _filters()
    facts = load_facts(db.session, scope)
    # the months offered, the chosen one among them measured on as_of; final months frozen (on the
    # form's day: the picker's months and the trend's are the same ones, also across midnight)
    points, chosen, frozen, kept_ids = snapshots.trend_with_ids(db.session, facts, scope, as_of, form.today)
    db.session.commit()  # keeps the figures of final months computed now
    metrics = list(chosen.metrics.values())
    # A frozen figure computed under an earlier definition: the figure by today's definition too.
    now = {m.key: m for m in compute_all(facts, as_of)} if any(map(redefined, metrics)) else {}
    return render_template(
        "dashboard/index.html", form=form, as_of=as_of, metrics=metrics,
        redefined={m.key: now[m.key] for m in metrics if redefined(m)},
        charts=chart_series(points, form.go_live), trend=points, chosen_month=chosen.month,
        go_live=form.go_live, go_live_month=is_go_live_month(as_of, form.go_live),
        whole_trend=len(points) == snapshots.OFFERED_MONTHS,
        refused_month=form.refused_month and refused_month_text(form.refused_month, clock.today()),
        savings=compute_savings(facts, as_of, current_app.config["SAVINGS_DEADWEIGHT"]),
        hotline=hotline_figures.month_rows(db.session, as_of.replace(day=1), clock.utcnow()),
        hotline_figure_keys=HOTLINE_FIGURE_KEYS,
        budget=BUDGET_2024, reference=plan_reference_saving(), scope_label=SCOPES[scope.kind],
        month=month_label(as_of.replace(day=1)), partial=form.partial, today=clock.today(), frozen=frozen,
        provisional=snapshots.provisional_until(as_of, clock.today()),
        recompute_form=RecomputeForm() if current_user.role == "admin" and frozen else None,
        **_goal_links(kept_ids if kept_ids is not None else figure_ids(facts, as_of), scope, form.maaned.data),
        figure_links={metric: url_for("dashboard.figure_list", tal=figure, omfang=scope.kind,
                                      maaned=form.maaned.data)
                      for figure, metric in figure_lists.KINDS.items()})


def _goal_links(ids: dict, scope, month: str) -> dict:
    """For each goal card: ``list_links`` (the misses, the card's first link since review F),
    ``goal_links`` (a URL per view: who meets it, everyone, the active parts, the restricted
    misses) and ``restricted_misses`` (how many of the misses its list shows are under
    restricted processing, review T 6). ``ids``: the month's, as its lists show them by default."""
    restricted = restricted_among(db.session, {cid for key, _ in GOAL_LISTS.values() for cid in ids[key]["miss"]})
    links, counts_ = {}, {}
    for goal, (key, _build) in GOAL_LISTS.items():
        base = {"maal": goal, "omfang": scope.kind, "maaned": month}
        links[key] = {view: url_for("dashboard.goal_list", **base, **({} if view == MISSES else {"vis": view}))
                      for view in [*VIEWS, *(ACTIVE_PARTS if goal == "aktiv" else ())]}
        links[key]["begraenset"] = url_for("dashboard.goal_list", **base, begraenset=RESTRICTED_ONLY)
        counts_[key] = len(restricted & set(ids[key]["miss"]))
    return {"list_links": {key: views[MISSES] for key, views in links.items()}, "goal_links": links,
            "restricted_misses": counts_}


def _goal_request():
    """What a goal list and its CSV read from the query string: the form, scope, day, goal, view,
    whether only restricted citizens are listed, page, the facts in scope and the ids shown.

    :raise 404: for a goal, view or filter value the lists do not have (:class:`.forms.UnknownChoice`).
    """
    form = GoalListForm(request.args, clock.today(),
                        default_scope="mine" if current_user.role == "consultant" else "all")
    scope, as_of = form.cleaned(current_user)
    _offered_month_only(form)
    try:
        goal, view, restricted_only, page = form.goal_view_page()
    except UnknownChoice as unknown:
        _unknown(unknown)
    facts = load_facts(db.session, scope, GOAL_TABLES[goal])
    basis = _basis(facts, scope, as_of, GOAL_LISTS[goal][0], view)
    args = {"maal": goal, "omfang": scope.kind, "maaned": form.maaned.data}
    if view != MISSES:
        args["vis"] = view
    if restricted_only:
        args["begraenset"] = RESTRICTED_ONLY
    if basis.as_today and basis.frozen_ids:
        args["som"] = AS_TODAY
    return form, scope, as_of, goal, view, restricted_only, page, facts, basis, args


def _goal_rows(goal, facts, as_of, view, page, restricted_only, basis):
    return GOAL_LISTS[goal][1](db.session, facts, as_of, basis.entry, view, page, restricted_only)


def _goal_purpose(goal: str, view: str, restricted_only: bool, scope, as_of) -> str:
    """The audit purpose of a goal list: "fokus:all:2026-10-31" for the misses (as before),
    "fokus/opfyldt+begraenset:all:2026-10-31" for another view or only the restricted."""
    which = goal + ("" if view == MISSES else f"/{view}") + ("+begraenset" if restricted_only else "")
    return f"{which}:{scope.kind}:{as_of.isoformat()}"


@bp.get("/borgere")
@consultant_required
def goal_list():
    """The citizens behind a goal card (focus goal, active citizens, or CV/jobmål/VK), own
    caseload by default: those who miss it (default), meet it, everyone, or a part of the
    active; optionally only those under restricted processing.

    Names are personal data: the view is audited (one event per list shown).
    :raise 404: for an unknown ``maal``, ``vis`` or ``begraenset`` (never another list).
    """
    form, scope, as_of, goal, view, restricted_only, page, facts, basis, args = _goal_request()
    result = _goal_rows(goal, facts, as_of, view, page, restricted_only, basis)
    html = render_template(
        "dashboard/goal_list.html", form=form, goal=goal, goal_label=GOALS[goal], result=result, view=view,
        restricted_only=restricted_only, as_of=as_of, month=month_label(as_of.replace(day=1)), scope_label=form.scopes[scope.kind],
        page_args=args, partial=form.partial, today=clock.today(), basis=basis, as_today_value=AS_TODAY,
        provisional=snapshots.provisional_until(as_of, clock.today()),
        back=url_for("dashboard.index", omfang=scope.kind, maaned=form.maaned.data))
    # Keeps a final month shown for the first time (as the page does); after rendering, so the
    # rows are not reloaded, and before the audit event, which writes in its own transaction.
    db.session.commit()
    audit.record_now("read_goal_list", purpose=_goal_purpose(goal, view, restricted_only, scope, as_of))
    return html


@bp.get("/borgere.csv")
@consultant_required
def goal_export():
    """Every row of a goal list (:func:`goal_list`, same filters) as CSV, with the month, the day
    measured and whether the ids are frozen or today's. The rows name citizens: a fresh login
    first, and the download is audited ("export_figure_list", as the figures' lists).

    :raise 404: as :func:`goal_list`.
    """
    if stale := confirm_first("før du henter listen", url_for("dashboard.goal_list", **request.args)):
        return stale
    form, scope, as_of, goal, view, restricted_only, _page, facts, basis, _args = _goal_request()
    first = _goal_rows(goal, facts, as_of, view, None, restricted_only, basis)  # every row in one go
    rows = first.rows
    body = list_export.render_goal_rows(
        goal, view, rows, list_export.GoalHeader(
            as_of=as_of, month=_month(form, as_of), scope=form.scopes[scope.kind], goal=GOALS[goal],
            view={**VIEWS, **ACTIVE_PARTS}[view], restricted_only=restricted_only, basis=basis, today=clock.today(),
            count=first.total, population=first.population, met=first.met))
    db.session.commit()
    audit.record_now("export_figure_list",
                     purpose=f"{_goal_purpose(goal, view, restricted_only, scope, as_of)}:{len(rows)}")
    suffix = "" if view == MISSES else f"-{view}"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="maal-{goal}{suffix}-{as_of:%Y-%m}.csv"'})


def _basis(facts, scope, as_of, key: str, view: str = MISSES) -> Basis:
    """Which ids a list shows: a frozen month's kept ids unless ``?som=i-dag``, else today's.

    A month frozen before the active goal kept its parts (review T 4) has its hits split by
    today's data (``split_from_today``; the page says so). For a goal list the counts compared
    (frozen and today's) are those of its ``view``."""
    metrics, ids, frozen = snapshots.month_lists(db.session, facts, scope, as_of, clock.today())
    today_ids = figure_ids(facts, as_of)[key]
    kept = ids[key] if ids is not None else None
    split_from_today = key == "active" and kept is not None and "placement" not in kept
    if split_from_today:
        kept = {**kept, "placement": sorted(set(kept["hit"]) & set(today_ids["placement"]))}
    as_today = request.args.get("som") == AS_TODAY or kept is None
    return Basis(card=next(m for m in metrics if m.key == key), frozen=frozen, frozen_ids=ids is not None,
                 as_today=as_today, entry=today_ids if as_today else kept,
                 today_counts=_counts(today_ids, key, view),
                 frozen_counts=_counts(kept, key, view) if kept is not None else None,
                 split_from_today=split_from_today and not as_today)


def _counts(entry, key: str, view: str) -> tuple[int, int]:
    """(listed, base) of one figure's ids; for a goal, of the list's view."""
    if key not in ("focus", "active", "matchable"):
        return counts({key: entry}, key)
    return len(selected_ids(entry, view)), len(entry["hit"]) + len(entry["miss"])


@bp.get("/grundlag")
@consultant_required
def figure_list():
    """The rows behind a figure that is not a goal's misses (review F 3): the placements behind
    the outcome share, the closed cases behind the average duration, the companies behind the
    co-operation figure, the citizens behind the savings (by benefit group). Same scope rules and
    frozen ids as the goal lists; audited like them.
    """
    form, scope, as_of, figure, group, page, facts, basis = _figure_request()
    result = _figure_rows(figure, facts, as_of, group, page, basis)
    args = {"tal": figure, "omfang": scope.kind, "maaned": form.maaned.data, "gruppe": group}
    if basis and basis.as_today and basis.frozen_ids:
        args["som"] = AS_TODAY
    html = render_template(
        "dashboard/figure_list.html", form=form, figure=figure, figure_label=FIGURES[figure], result=result,
        as_of=as_of, month=month_label(as_of.replace(day=1)), scope_label=form.scopes[scope.kind], group=group,
        group_label=BENEFIT_GROUPS.get(group or ""), page_args=args, partial=form.partial, today=clock.today(),
        basis=basis, as_today_value=AS_TODAY, provisional=snapshots.provisional_until(as_of, clock.today()),
        back=url_for("dashboard.index", omfang=scope.kind, maaned=form.maaned.data))
    db.session.commit()  # as goal_list: a final month shown for the first time is kept
    audit.record_now("read_goal_list", purpose=f"{figure}:{scope.kind}:{as_of.isoformat()}")
    return html


def _figure_request():
    """What a figure's list and its CSV read from the query string: the form, scope, day, figure,
    benefit group, page, the facts in scope and the ids the list shows (None for savings)."""
    form = FigureListForm(request.args, clock.today(),
                          default_scope="mine" if current_user.role == "consultant" else "all")
    scope, as_of = form.cleaned(current_user)
    _offered_month_only(form)
    try:
        figure, group, page = form.figure_group_page()
    except UnknownChoice as unknown:
        _unknown(unknown)
    facts = load_facts(db.session, scope, FIGURE_TABLES[figure])
    basis = None if figure == "besparelse" else _basis(facts, scope, as_of, figure_lists.KINDS[figure])
    return form, scope, as_of, figure, group, page, facts, basis


def _figure_rows(figure: str, facts, as_of, group: str | None, page: int | None, basis):
    """One page of a figure's list; ``page`` None: every row (the CSV)."""
    if figure == "udfald":
        return figure_lists.outcome_list(db.session, basis.entry, page)
    if figure == "varighed":
        return figure_lists.duration_list(db.session, basis.entry, page)
    if figure == "virksomheder":
        return figure_lists.company_list(db.session, facts, as_of, basis.entry, page)
    return figure_lists.savings_list(db.session, facts, as_of, group, page)


@bp.get("/grundlag.csv")
@consultant_required
def figure_export():
    """Every row of a figure's list (:func:`figure_list`) as CSV. The rows name citizens: a
    fresh login first, and the download is audited ("export_figure_list")."""
    if stale := confirm_first("før du henter listen", url_for("dashboard.index")):
        return stale
    _form, scope, as_of, figure, group, _page, facts, basis = _figure_request()
    rows = _figure_rows(figure, facts, as_of, group, None, basis).rows  # every row in one go
    body = list_export.render_rows(figure, rows, as_of, clock.today())
    db.session.commit()
    audit.record_now("export_figure_list", purpose=f"{figure}:{scope.kind}:{as_of.isoformat()}:{len(rows)}")
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="grundlag-{figure}-{as_of:%Y-%m}.csv"'})


@bp.get("/hotline")
@consultant_required
def hotline_list():
    """The requests behind a figure of the hotline block (review AL 6): those made in the month
    with the urgency (``hast``; none: every urgency, the »I alt« row) that count in the figure
    (``tal``) now, by the figure's own rule (:func:`.hotline_lists.hotline_list`), a page at a time.

    The rows show what the hotline's staff lists show, and as they do a request outside the
    reader's case shows its category, not its subject (:func:`portal.hotline.need_to_know.hidden_subjects`);
    its page asks for a purpose first. No citizen is named: not logged, as those lists are not.
    :raise 404: for a figure or urgency the block does not have.
    """
    form = HotlineListForm(request.args, clock.today())
    scope, as_of = form.cleaned(current_user)
    _offered_month_only(form)
    try:
        figure, urgency, page = form.figure_urgency_page()
    except UnknownChoice as unknown:
        _unknown(unknown)
    result = hotline_lists.hotline_list(db.session, as_of.replace(day=1), clock.utcnow(), figure, urgency, page)
    return render_template(
        "dashboard/hotline_list.html", form=form, figure=figure, figure_label=HOTLINE_FIGURES[form.tal.data][1],
        urgency=urgency, result=result, month=month_label(as_of.replace(day=1)), partial=form.partial,
        hidden=need_to_know.hidden_subjects(current_user, [row.request for row in result.rows]),
        page_args={"tal": form.tal.data, "hast": urgency, "maaned": form.maaned.data, "omfang": scope.kind},
        back=url_for("dashboard.index", omfang=scope.kind, maaned=form.maaned.data, _anchor="hotline"))


@bp.post("/genberegn")
@admin_required
def recompute():
    """Compute a final month's figures again (every scope) after its data was corrected.

    Administrators only; audited ("recompute_policy_goals"). The month comes from the form.
    :raise 400: for a missing or bad CSRF token or month, a month not final yet (the month in
        progress, or one whose hours may still be registered: it is computed live, nothing is frozen),
        or one before Jobbro was taken into use (it has no figures).
    """
    form = RecomputeForm()
    month = form.month()
    if not form.validate_on_submit() or month is None or not snapshots.is_final(month, clock.today()) \
            or snapshots.before_go_live(month, go_live_day()):  # no figures before go-live (review BG 1)
        abort(400)
    snapshots.recompute(db.session, month)
    db.session.commit()
    flash(f"Tallene for {month_label(month)} er regnet igen ud fra dagens data.", "success")
    return redirect(url_for("dashboard.index", omfang=request.form.get("omfang", ""), maaned=f"{month:%Y-%m}"))


@bp.get("/eksport.csv")
@consultant_required
def export():
    """The chosen month's figures as CSV (default: the last complete month). Needs a fresh
    login (SECURITY.md: export).

    No citizen-level data: only the aggregates shown on the page.
    """
    if stale := confirm_first("før du henter eksporten", url_for("dashboard.index")):
        return stale
    form, scope, as_of = _filters()
    _offered_month_only(form)
    facts = load_facts(db.session, scope)
    # the page's trend and cards, read as the page reads them (review BA 5: the CSV is the screen)
    points, chosen, _frozen, _ids = snapshots.trend_with_ids(db.session, facts, scope, as_of, form.today)
    db.session.commit()
    metrics = list(chosen.metrics.values())
    now = {m.key: m for m in compute_all(facts, as_of)} if any(map(redefined, metrics)) else {}
    body = render_csv(metrics,
                      compute_savings(facts, as_of, current_app.config["SAVINGS_DEADWEIGHT"]),
                      as_of, SCOPES[scope.kind], _month(form, as_of),
                      MonthPage(now=now, hotline=hotline_figures.month_rows(db.session, as_of.replace(day=1),
                                                                            clock.utcnow()),
                                trend=points, charts=chart_series(points, form.go_live), today=clock.today(),
                                month_label=month_label(as_of.replace(day=1))))
    audit.record_now("export_policy_goals", purpose=f"{scope.kind}:{as_of.isoformat()}")
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="maal-{as_of:%Y-%m}.csv"'})
