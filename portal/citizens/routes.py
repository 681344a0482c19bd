"""Routes under /borgere: consultants keep citizens' matching data up to date.

All routes are for consultants and administrators; company users get 403. Every page
that shows a citizen writes a "read_citizen" audit event first (fail closed); the
skånehensyn page also writes "read_limitations" before rendering them.
"""
from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from matching.redact import contains_cpr

from .. import merge, postcodes, proposals
from ..access import audited_read, citizen_or_404, consultant_required
from ..extensions import db
from store.models import Citizen
from store.models.vocab import BENEFIT_GROUPS, READINESS_GROUPS
from . import bp, queries, rectification, service
from .forms import CPR_SEARCH_MESSAGE, ListFilterForm, ProfileForm
from .pages import commit_or_flash, on_stale
from store import clock

# The citizen page's proposals say a hold after a change of the opening's requirements, or an
# end because of one, instead of the plain status (templates/citizens/_matching.html).
bp.add_app_template_global(proposals.status_labels, "proposal_status_labels")


@bp.get("/")
@consultant_required
def index():
    """The caseload list: mine by default (everyone for an administrator, who has no caseload),
    or my team / everyone; filters and paging."""
    default_scope = queries.default_scope(current_user)
    if contains_cpr(request.args.get("q", "")):  # out of the address (and the history) at once
        flash(CPR_SEARCH_MESSAGE, "error")
        kept = {k: v for k, v in request.args.lists() if k != "q"}
        return redirect(url_for(".index", **kept), 303)
    form = ListFilterForm(request.args, scope=default_scope)
    filters = form.cleaned(default_scope)
    result = queries.list_citizens(current_user, filters)
    page_args = {k: ("y" if v is True else v) for k, v in filters.items() if v and k != "page"}
    return render_template("citizens/index.html", form=form, filters=filters, result=result,
                           goal=queries.POLICY_GOAL, page_args=page_args, vk_name=queries.user_name(filters["vk"]),
                           adviser_name=queries.user_name(filters["raadgiver"]))


@bp.get("/<int:citizen_id>")
@consultant_required
def detail(citizen_id: int):
    """The citizen page: profile, jobmål, CV, placements, indexing state.

    :raise 404: unknown citizen.  :raise 503: audit log unavailable.
    """
    citizen = citizen_or_404(citizen_id)
    audited_read(citizen, "citizen_page")
    return render_detail(citizen)


def render_detail(citizen: Citizen, **forms) -> str:
    """The citizen page; ``forms`` replace the blank case forms (to show their errors)."""
    from . import case
    from .routes_case import case_forms  # the case section lives with its routes

    return render_template("citizens/detail.html", citizen=citizen,
                           placements=queries.placements_of(citizen.id),
                           indexing=queries.indexing_state(citizen.id),
                           hours_total=_hours_by_placement, town=postcodes.town_of(citizen.postcode),
                           told=queries.told_wage_hours(citizen, clock.today()), today_month=clock.today(),
                           closing=case.closing_of(citizen), **{**case_forms(citizen), **forms})


def _hours_by_placement(placement) -> float:
    return float(sum(h.hours for h in placement.hours))


@bp.route("/<int:citizen_id>/profil", methods=["GET", "POST"])
@consultant_required
def edit_profile(citizen_id: int):
    """Edit the profile fields matching depends on (plus name and contact details)."""
    citizen = citizen_or_404(citizen_id)
    form = ProfileForm(obj=citizen)
    if request.method == "GET":
        audited_read(citizen, "edit_profile")
        form.version.data = str(citizen.version)
        form.base.data = merge.fingerprints(citizen, service.PROFILE_FIELDS)
    elif form.validate_on_submit():
        data = service.ProfileData(**{f: getattr(form, f).data for f in service.PROFILE_FIELDS})
        if form.version.data != str(citizen.version):
            found = merge.merge(citizen, service.profile_values(data), form.base.data, service.PROFILE_FIELDS)
            if found.theirs:  # else only jobmål, CV or caseworkers moved the version: save
                return _stale_profile(form, citizen, data, found)
        try:
            service.check_case_start(citizen, data)
            changed = service.update_profile(citizen, data)
        except service.CaseStartRefused as exc:  # at its field, what was typed kept
            db.session.rollback()
            form.case_start.errors.append(exc.message_da)
            return render_template("citizens/profile_form.html", citizen=citizen, form=form,
                                   today=clock.today())
        except service.CitizenChangeError as exc:
            db.session.rollback()
            flash(exc.message_da, "error")
            return redirect(url_for(".detail", citizen_id=citizen_id))
        if not changed:
            flash("Ingen ændringer at gemme.", "info")
        else:
            # said only once saved: the version check may refuse it (review BH 1, :func:`stale_profile`)
            commit_or_flash(lambda: f"Profilen er gemt. {rectification.saved_message(changed.corrected, changed)}".strip())
        return redirect(url_for(".detail", citizen_id=citizen_id))
    return render_template("citizens/profile_form.html", citizen=citizen, form=form,
                           today=clock.today())


@on_stale("edit_profile")
def stale_profile(citizen_id: int):
    """The profile's save refused by the version check anywhere in its unit (review BH 1: an
    autoflush in the rectification's query, or the commit): rolled back, and the form comes back
    as for a stale page, with what was typed merged onto the other person's save (409)."""
    citizen = citizen_or_404(citizen_id)
    form = ProfileForm(obj=citizen)
    data = service.ProfileData(**{f: getattr(form, f).data for f in service.PROFILE_FIELDS})
    found = merge.merge(citizen, service.profile_values(data), form.base.data, service.PROFILE_FIELDS)
    audited_read(citizen, "edit_profile")
    return _stale_profile(form, citizen, data, found)


def _stale_profile(form: ProfileForm, citizen: Citizen, data: service.ProfileData, found: merge.Merge):
    """Someone saved the profile while this form was open (``found``: what they changed, by
    :func:`portal.merge.merge`): nothing is saved. The form comes back
    with this user's changes on top of the other person's (:func:`portal.merge.merge`), the
    fields the other person changed named with their values, and the saved version's number
    and fingerprint, so saving again keeps both; a field both changed keeps this user's value.

    :return: the form with status 409.
    """
    again = ProfileForm(formdata=None, obj=replace(data, **found.take))
    again.version.data = str(citizen.version)
    again.base.data = merge.fingerprints(citizen, service.PROFILE_FIELDS)

    def named(name: str) -> str:
        value = merge.shown_value(getattr(citizen, name), _CODE_LABELS.get(name))
        return f"{again[name].label.text} ({value})"

    theirs = [named(n) for n in found.theirs if n not in found.both]
    both = [named(n).replace(" (", " (den anden: ", 1) for n in found.both]
    again.form_errors.append(merge.conflict_message("Borgeren", theirs, both))
    return render_template("citizens/profile_form.html", citizen=citizen, form=again,
                           today=clock.today()), 409


_CODE_LABELS = {"benefit_group": BENEFIT_GROUPS, "readiness_group": READINESS_GROUPS}


from . import routes_goals  # noqa: E402,F401  (jobmål: add, edit, reorder, remove)
from . import routes_cv  # noqa: E402,F401  (CV, caseworkers, skånehensyn)
from . import routes_cv_delete  # noqa: E402,F401  (a CV version deleted)
from . import routes_case  # noqa: E402,F401  (close/reopen, restriction, erasure)
from . import routes_new  # noqa: E402,F401  (Opret borger)
