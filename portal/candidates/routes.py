"""Routes under /kandidater: open openings, ranked candidates, decisions."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from matching.domain import DEFAULT_PRIORITY, Filters, Match
from matching.encoders import EncoderUnavailable

from .. import audit, once
from ..access import audited_read, citizen_or_404, consultant_required
from ..auth import replay
from ..extensions import db
from ..formutil import keep_form, kept_form
from ..matching_runtime import ranking_turn
from store import clock
from store.models import Citizen, Opening
from . import bp, none_suitable, opening_done, ranking_page, service
from . import for_citizen as for_citizen_service
from . import sought as sought_citizen
from ..placements import lifecycle
from .consent import StepForm
from .situation import situation
from ..proposals import OPENING_DONE, TransitionError, ended_now
from ..shared_goal import MAX_SHARED_GOAL_LENGTH
from .forms import MAX_K, MAX_REASON_LENGTH, PRIORITIES, DecisionForm, NoneSuitableForm, RankingFilterForm, goal_options

_DECISION_FORM = "ranking-decision:{}"  # a refused decision's fields (formutil.keep_form), per opening

# Why no placement may start from a proposal (the start form's own rule), for the proposal page's words.
bp.add_app_template_global(lifecycle.start_refusal, "start_refusal")


@bp.get("/")
@consultant_required
def index():
    """Open openings to rank candidates for; by default the consultant's own companies. Below
    them, the filled or closed ones with proposals still waiting on them, each linked to its
    candidate page, where they are ended (:func:`.service.done_openings_waiting`)."""
    mine = request.args.get("alle") != "1"
    openings = service.open_openings(current_user, mine_only=mine)
    done = service.done_openings_waiting(current_user, mine_only=mine)
    return render_template("candidates/index.html", openings=openings, done=done, mine=mine)


@bp.get("/opslag/<int:opening_id>")
@consultant_required
def ranking(opening_id: int):
    """Ranked candidates with reasons; excluded ones with the reason on request, and the
    nearest excluded ones when no good match is left. A filled, closed or draft opening is
    not ranked: the page says so. The candidates a change of the opening's requirements put on
    hold are named with a link to each (:func:`.opening_done.held_on`). The page's facts are
    gathered by :mod:`.ranking_page`.

    :raise 404: if the opening does not exist.
    """
    opening = service.opening_or_404(opening_id)
    typed, reasons, errors = _typed_decision(opening.id)
    form = RankingFilterForm(request.args, meta={"csrf": False})
    valid, asked = _asked(form)
    if not valid or opening.status != "open":  # not ranked: the decisions made are still listed
        page = ranking_page.unranked(opening, asked, clock.today())
        return render_template("candidates/ranking.html", **_ranking_context(page, form, typed, reasons, errors)), \
            200 if valid else 400
    with ranking_turn():  # one ranking at a time per process: the other threads serve pages
        page = ranking_page.ranked(opening, asked, current_user, clock.today())
        # Rendered before the commit (audit and embedding cache): a commit expires every
        # loaded row, and the page would then reload each candidate, its jobmål and CVs.
        html = render_template("candidates/ranking.html", **_ranking_context(page, form, typed, reasons, errors))
    # Recorded after rendering: the template's queries would flush the event early, and on
    # SQLite its write lock would then be held, blocking every other writer, while the page
    # renders. Committed with the page: a page that fails to render was not shown.
    audit.record("rank_candidates", opening_id=opening.id, purpose="matching")
    db.session.commit()
    return html


def _asked(form: RankingFilterForm) -> tuple[bool, ranking_page.Asked]:
    """Whether the ranking's filters are valid, and what they ask for. A bad ``?borger=`` is
    no refusal: it is said on the page, and the ranking is still shown."""
    valid, sought, raw = form.validate(), None, (request.args.get("borger") or "").strip()
    if form.borger.errors:
        sought = sought_citizen.bad_id(raw)
        form.borger.errors, form.borger.data = [], None
        valid = not form.errors
    filters = Filters(benefit_groups=frozenset(form.benefit_groups.data) or None,
                      readiness_groups=frozenset(form.readiness_groups.data) or None,
                      max_distance_km=form.max_distance_km.data) if valid else Filters()
    return valid, ranking_page.Asked(filters, form.prioritet.data or DEFAULT_PRIORITY, form.k.data or 20,
                                     bool(form.vis_frasorterede.data), sought, raw, form.borger.data, MAX_K)


def _ranking_context(page: ranking_page.RankingPage, form: RankingFilterForm, typed: dict[int, str],
                     reasons: dict[tuple[int, str], str], errors: dict[str, str]) -> dict:
    """The template's variables: the page's facts, the forms, and a refused decision's typed text."""
    return page.context() | {
        "form": form, "decision_form": DecisionForm(), "step_form": StepForm(), "max_k": MAX_K,
        "reasons": reasons, "errors": errors, "suggestions": page.suggestions | typed,
        "goal_options": {cid: goal_options(choices) for cid, choices in page.goal_choices.items()},
        "ended_on_hold": opening_done.ended_on_hold, "status_label": opening_done.status_label,
        "unfiltered_url": _unfiltered_url(page.opening.id), "filter_query": filter_query(request.args),
    } | _none_suitable_page(page.opening)


@bp.get("/borger/<int:citizen_id>")
@consultant_required
def for_citizen(citizen_id: int):
    """Open openings ranked for one citizen (:func:`.for_citizen.rank_openings`), each linking to
    its candidate ranking where the consultant decides; a citizen who cannot be matched gets why,
    with where to put it right, and no ranking. The best ``TOP_OPENINGS`` are shown, and the
    page says of how many; ``?alle=1`` shows them all.

    :raise 404: unknown or erased citizen.  :raise 503: audit log unavailable.
    """
    citizen = citizen_or_404(citizen_id)
    audited_read(citizen, "rank_openings")
    blocked = for_citizen_service.why_not_matchable(citizen)
    show_all = request.args.get("alle") == "1"
    page = {"citizen": citizen, "blocked": blocked, "ranked": None, "show_all": show_all,
            "top": for_citizen_service.TOP_OPENINGS, "situation": situation(citizen.id, clock.today())}
    if blocked is None:
        with ranking_turn():
            page["ranked"] = for_citizen_service.rank_openings(
                citizen, None if show_all else for_citizen_service.TOP_OPENINGS)
            html = render_template("candidates/for_citizen.html", **page)
        audit.record("rank_openings", citizen_id=citizen.id, purpose="matching")
        db.session.commit()
        return html
    return render_template("candidates/for_citizen.html", **page)


@bp.post("/opslag/<int:opening_id>/afslut-ventende")
@consultant_required
def end_waiting(opening_id: int):
    """End every proposal still waiting on a filled or closed opening
    (:func:`.opening_done.end_all`), in one transaction.

    :raise 404: if the opening does not exist.
    """
    opening = service.opening_or_404(opening_id)
    if not StepForm().validate_on_submit():
        flash("Handlingen kunne ikke udføres. Genindlæs siden og prøv igen.", "error")
    elif opening.status not in OPENING_DONE:
        flash("Opslaget er åbent, så forslagene afsluttes ikke.", "error")
    else:
        ended = opening_done.end_all(opening, current_user)
        flash(f"{ended_now(ended)}. Kommende samtaler er aflyst, og samtykkerne er stoppet." if ended
              else "Der var ingen ventende forslag at afslutte.", "success" if ended else "info")
    return redirect(url_for("candidates.ranking", opening_id=opening.id))


# The ranking's settings that are not filters (RankingFilterForm): "Fjern filtre" keeps them
# and drops the benefit-group, readiness and distance filters.
_KEPT_ARGS = ("prioritet", "k", "vis_frasorterede", "borger")
# The ranking's filters a decision carries back (hidden ``filtre``); ``prioritet`` and ``borger``
# have fields of their own on the decision form.
FILTER_ARGS = ("benefit_groups", "readiness_groups", "max_distance_km", "k", "vis_frasorterede")
MAX_FILTER_QUERY = 2000  # far above any valid combination of the filters


def filter_query(args: MultiDict) -> str:
    """The ranking's valid filters of ``args`` (:data:`FILTER_ARGS`) as a query string for the
    decision forms' hidden ``filtre``; a value the ranking form refuses is left out."""
    return urlencode([(key, value) for key, values in _valid_filters(args).items() for value in values])


def _valid_filters(args: MultiDict) -> dict[str, list[str]]:
    data = MultiDict([(key, value) for key, value in args.items(multi=True) if key in FILTER_ARGS])
    form = RankingFilterForm(data, meta={"csrf": False})
    form.validate()
    multiple = ("benefit_groups", "readiness_groups")  # the others are one value each, as the form reads them
    return {key: data.getlist(key) for key in FILTER_ARGS if key in data and not form[key].errors
            and (key in multiple or len(data.getlist(key)) == 1)}


def _unfiltered_url(opening_id: int) -> str:
    """This ranking's URL without the consultant's filters (priority, k and the rest kept)."""
    args = {key: values for key, values in request.args.lists() if key in _KEPT_ARGS}
    return url_for("candidates.ranking", opening_id=opening_id, **args)


@bp.post("/opslag/<int:opening_id>/borger/<int:citizen_id>")
@consultant_required
def decide(opening_id: int, citizen_id: int):
    """Approve or reject a candidate (a logged human decision).

    The pair is scored directly (``MatchingService.explain_pair``), never by re-ranking, so
    any eligible citizen can be approved however far down the list; a citizen who breaks a
    hard limit is refused with the reason. Needs a fresh login (SECURITY.md); on a stale one
    the decision is held, the consultant confirms the password and the decision is carried
    out before they are back on the ranking (:mod:`portal.auth.replay`).

    A rejection is final (the citizen leaves the ranking for good), so a valid one is first
    shown on a confirmation page (:func:`_confirm_reject`), which posts it again confirmed;
    nothing is written before. That works without JavaScript.

    :raise 404: if the opening or the citizen does not exist.
    """
    form = DecisionForm()
    if form.decision.data == "reject" and form.confirmed.data != "y" and form.validate():
        return _confirm_reject(opening_id, citizen_id, form)
    if stale := replay.hold("før du træffer beslutningen", _ranking_url(opening_id, form.priority.data, form.borger.data, form.filtre.data)):
        return stale
    return redirect(_decide({"opening_id": opening_id, "citizen_id": citizen_id}))


def _confirm_reject(opening_id: int, citizen_id: int, form: DecisionForm) -> str:
    """The page that asks before a rejection is saved: who, for what, the reason (editable).

    Writes nothing; a refused confirmation (empty reason) goes back to the card as any
    refused decision does.

    :raise 404: if the opening or the citizen does not exist.
    """
    opening = service.opening_or_404(opening_id)
    citizen = db.get_or_404(Citizen, citizen_id)
    back = _ranking_url(opening.id, form.priority.data, form.borger.data, form.filtre.data) + f"#reason-reject-{citizen.id}"
    return render_template("candidates/confirm_reject.html", opening=opening, citizen=citizen, form=form,
                           back=back)


@replay.replayable("candidates.decide", "Beslutningen om kandidaten gemmes")
def _decide(args: dict, formdata: MultiDict | None = None) -> str:
    """Carry out the decision; returns the ranking URL to go back to."""
    if current_user.role not in ("consultant", "admin"):  # a held decision runs at /auth/confirm
        abort(403)
    opening = db.get_or_404(Opening, args["opening_id"])
    citizen = db.get_or_404(Citizen, args["citizen_id"])
    form = DecisionForm() if formdata is None else DecisionForm(formdata=formdata, meta={"csrf": False})
    back = _ranking_url(opening.id, form.priority.data, form.borger.data, form.filtre.data)
    if not form.validate():
        return _not_saved(back, opening, citizen, form, [e for errors in form.errors.values() for e in errors],
                          "shared_goal" if form.shared_goal.errors and not form.reason.errors else "reason")
    approve = form.decision.data == "approve"
    try:
        outcome = service.score_pair(opening, citizen, form.priority.data or DEFAULT_PRIORITY)
    except EncoderUnavailable:
        if approve:
            flash("Matchingen kan ikke beregne borgerens match lige nu, så godkendelsen er ikke "
                  "gemt. Prøv igen om lidt.", "error")
            return back
        outcome = None  # a rejection needs no score
    if approve and (refused := service.refusal(outcome, citizen, opening)):
        flash(refused, "error")
        return back
    try:
        service.record_decision(opening, citizen, approve, form.reason.data.strip(),
                                outcome if isinstance(outcome, Match) else None, current_user,
                                shared_goal=form.shared_goal.data or "")
    except TransitionError as err:  # the jobmål for the company is refused
        return _not_saved(back, opening, citizen, form, [str(err)], "shared_goal")
    except service.AlreadyDecided as err:  # by a colleague, perhaps at the same moment (review BH 2)
        typed = (form.reason.data or "").strip()
        said = f"{err} Din begrundelse var: »{typed}«." if typed else str(err)  # the card is gone: said here
        return _not_saved(back, opening, citizen, form, [said], "reason")
    except ValueError as err:
        flash(str(err), "error")
    else:
        verb = "godkendt og foreslået" if approve else "fravalgt"
        flash(f"{citizen.name} er {verb} til »{opening.title}«.", "success")
    return back


def _not_saved(back: str, opening: Opening, citizen: Citizen, form: DecisionForm, errors: list[str],
               field: str | None) -> str:
    """Say whose decision was not saved and why; the URL goes to ``field`` on the citizen's card.

    The reason and the jobmål typed for the company are kept for the ranking, whose card shows
    them again (:func:`_typed_decision`).
    """
    flash(f"Beslutningen om {citizen.name} er ikke gemt: " + "; ".join(errors), "error")
    decision = form.decision.data
    if decision not in ("approve", "reject"):
        return back
    to = "shared-goal" if field == "shared_goal" and decision == "approve" else f"reason-{decision}"
    keep_form(_DECISION_FORM.format(opening.id), MultiDict({
        "citizen_id": str(citizen.id), "decision": decision, "reason": form.reason.data or "",
        "shared_goal": form.shared_goal.data or "" if decision == "approve" else "",
        "error_at": f"{to}-{citizen.id}", "error": "; ".join(errors)}))
    return f"{back}#{to}-{citizen.id}"


def _typed_decision(opening_id: int) -> tuple[dict[int, str], dict[tuple[int, str], str], dict[str, str]]:
    """What was typed in a decision that was just refused, for the card: the jobmål for the
    company by citizen id (approvals only), the reason by (citizen id, decision), and the
    error by the id of the input it is shown at."""
    kept = kept_form(_DECISION_FORM.format(opening_id))
    if kept is None or not (kept.get("citizen_id") or "").isdigit():
        return {}, {}, {}
    citizen_id, decision = int(kept["citizen_id"]), kept.get("decision", "")
    goals = {citizen_id: kept.get("shared_goal", "")[:MAX_SHARED_GOAL_LENGTH]} if decision == "approve" else {}
    errors = {kept["error_at"]: kept.get("error", "")} if kept.get("error_at") else {}
    return goals, {(citizen_id, decision): kept.get("reason", "")[:MAX_REASON_LENGTH]}, errors


def _ranking_url(opening_id: int, priority: str | None, borger: str | None = None, filtre: str | None = None) -> str:
    """Back to the ranking, with the priority the consultant chose (the default left out), the
    citizen it was opened for (``?borger=``, a citizen number only), so a refused decision
    on a card the list was widened for finds the card again, and the filters and k the list
    was shown with (``filtre``, :func:`filter_query`: each value checked again as the ranking
    checks it, unknown keys and refused values dropped). Always this opening's ranking: the
    path is built here, the carried values only fill its query string."""
    args: dict[str, str | list[str]] = {}
    if filtre and len(filtre) <= MAX_FILTER_QUERY:
        args.update(_valid_filters(MultiDict(parse_qsl(filtre))))
    if priority and priority != DEFAULT_PRIORITY and priority in PRIORITIES:
        args["prioritet"] = priority
    if borger and borger.isascii() and borger.isdigit() and len(borger) <= 9:
        args["borger"] = borger
    return url_for("candidates.ranking", opening_id=opening_id, **args)


_NONE_SUITABLE_FORM = "none-suitable:{}"  # a refused mark's reason (formutil.keep_form), per opening


def _none_suitable_opening(opening_id: int) -> Opening:
    """The opening to mark or unmark, for a consultant who may (:func:`.none_suitable.check_may_mark`).

    :raise 404: unknown opening.  :raise 403: anyone else (an administrator, another team).
    """
    opening = service.opening_or_404(opening_id)
    try:
        none_suitable.check_may_mark(current_user, opening)
    except none_suitable.NotAllowed:
        abort(403)
    return opening


@bp.post("/opslag/<int:opening_id>/ingen-egnede")
@consultant_required
def mark_none_suitable(opening_id: int):
    """»Ingen egnede kandidater lige nu«: the opening leaves the start page's unassessed list
    while the mark holds (:mod:`.none_suitable`). A one-time form (:mod:`portal.once`): sent
    twice, it marks once.

    :raise 404: unknown opening.  :raise 403: not a consultant who may assess it.
    """
    opening = _none_suitable_opening(opening_id)
    back = url_for("candidates.ranking", opening_id=opening.id, _anchor="ingen-egnede")
    form = NoneSuitableForm()
    if not form.validate_on_submit():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        flash("Markeringen er ikke gemt: " + "; ".join(errors), "error")
        keep_form(_NONE_SUITABLE_FORM.format(opening.id), MultiDict({"reason": form.reason.data or "",
                                                                     "error": "; ".join(errors)}))
        return redirect(back)
    sent = once.claim(back)
    if sent.repeated:
        flash("Opslaget er allerede markeret fra denne formular.", "info")
        return redirect(sent.url)
    try:
        none_suitable.mark(opening, current_user, form.reason.data)
    except none_suitable.Refused as err:
        once.release(sent)
        flash(f"Markeringen er ikke gemt: {err}", "error")
        return redirect(back)
    db.session.commit()
    once.done(sent, back)
    flash(f"»{opening.title}« er markeret »Ingen egnede kandidater lige nu« og er taget af listen over "
          f"opslag uden vurdering i op til {none_suitable.HOLD_DAYS} dage.", "success")
    return redirect(back)


@bp.post("/opslag/<int:opening_id>/ingen-egnede/fortryd")
@consultant_required
def undo_none_suitable(opening_id: int):
    """Undo the mark: the opening is back on the unassessed list at once.

    :raise 404: unknown opening.  :raise 403: not a consultant who may assess it.
    """
    opening = _none_suitable_opening(opening_id)
    back = url_for("candidates.ranking", opening_id=opening.id, _anchor="ingen-egnede")
    if not StepForm().validate_on_submit():
        flash("Handlingen kunne ikke udføres. Genindlæs siden og prøv igen.", "error")
    elif none_suitable.undo(opening, current_user):
        db.session.commit()
        flash(f"Markeringen er fortrudt: »{opening.title}« står igen på listen over opslag uden vurdering.",
              "success")
    else:
        flash("Opslaget var ikke markeret (længere).", "info")
    return redirect(back)


def _none_suitable_page(opening: Opening) -> dict:
    """The ranking page's part for the mark (:func:`.none_suitable.page_state`) and its form,
    with a refused reason kept."""
    state = none_suitable.page_state(opening, current_user)
    kept = (kept_form(_NONE_SUITABLE_FORM.format(opening.id)) if state.allowed else None) or {}
    form = NoneSuitableForm(formdata=None, data={"reason": kept.get("reason", "")[:none_suitable.MAX_REASON_LENGTH]})
    return {"none_suitable_mark": state.mark, "none_suitable_allowed": state.allowed,
            "none_suitable_markable": state.markable,
            "none_suitable_form": form, "none_suitable_error": kept.get("error", ""),
            "none_suitable_form_id": once.new_id(), "none_suitable_hold_days": none_suitable.HOLD_DAYS,
            "none_suitable_max": none_suitable.MAX_REASON_LENGTH}
