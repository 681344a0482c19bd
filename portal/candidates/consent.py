"""Routes under /kandidater/forslag: a consultant walks a proposal through identity release.

approved → consent recorded → disclosed, or consent withdrawn (SECURITY.md). The rules live
in :mod:`portal.proposals` (the state machine), :mod:`.profile` (the profile the company gets)
and :mod:`.sharing` (disclosure and the company's notice), :mod:`.withdrawal` (withdrawing
a consent cancels the pair's future interviews); these views only validate the
form, call them and redirect.

Approving, recording a consent and disclosing need a fresh login. On a stale one the POST is
held (:mod:`portal.auth.replay`) and carried out right after the password is confirmed, by
the same performer the fresh path uses. Withdrawing a consent needs no fresh login: it only
ever hides data, and nothing may delay it.
"""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from matching.encoders import EncoderUnavailable
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, ValidationError

from .. import audit, consents, private_details, proposals
from ..access import consultant_required
from ..auth import replay
from ..extensions import db
from ..formutil import DATE_MISSING, DanishDateField, DanishForm, Required, choices, keep_form, kept_form
from ..interviews.queries import future_interviews
from store.models import Placement, Proposal
from store.models.vocab import CONSENT_CHANNELS
from ..placements.lifecycle import LifecycleError, check_startable
from ..placements.service import is_cancelled
from ..pseudonyms import pseudonym
from . import bp, limitations, opening_done, profile, service, sharing, withdrawal
from ..shared_goal import check_shared_goal, matched_goals, set_shared_goal, shared_goal_choices, shown_goal
from .situation import situation
from .forms import DecisionForm, ProfileForm, goal_options
from store import clock

STAFF = ("consultant", "admin")


class ConsentForm(DanishForm):
    """The citizen's consent and choices as the consultant records them; the text version is fixed."""

    channel = SelectField("Hvordan gav borgeren samtykke?", choices=choices(CONSENT_CHANNELS),
                          validators=[Required("Vælg hvordan borgeren gav samtykke.")])
    deadline = DanishDateField("Samtykket gælder til og med", validators=[Required(DATE_MISSING)])
    share_phone = BooleanField("Virksomheden må få borgerens telefonnummer")
    share_email = BooleanField("Virksomheden må få borgerens e-mail")
    share_cv = BooleanField("Virksomheden må få borgerens CV (som tekst, uden helbred, CPR og andre private oplysninger)")
    text_read = BooleanField(f"Borgeren har fået samtykketeksten ({consents.CONSENT_TEXT_VERSION})",
                             validators=[DataRequired("Bekræft at borgeren har fået samtykketeksten.")])


class StepForm(DanishForm):
    """CSRF only: disclose and withdraw take no input."""


class SharedGoalForm(DanishForm):
    """The jobmål the company sees, one of the citizen's own (:func:`goal_form`). The list is
    not the check: :func:`portal.shared_goal.check_shared_goal` refuses a value not on it, with
    a message at the field."""

    shared_goal = SelectField("Jobmål vist for virksomheden", choices=[], validate_choice=False)
    item: Proposal | None = None  # the proposal (goal_form): its citizen's jobmål are the rule

    def validate_shared_goal(self, field) -> None:
        """The service's one rule (:func:`portal.shared_goal.check_shared_goal`), with its message
        at the field; a bare form (no proposal) takes only the values on its list."""
        if self.item is not None:
            try:
                check_shared_goal(field.data or "", self.item.citizen, matched_goals(self.item))
            except proposals.TransitionError as err:
                raise ValidationError(str(err)) from None
        elif field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError("Vælg et jobmål på listen, eller intet.")


def goal_form(item: Proposal, formdata: MultiDict | None = None) -> SharedGoalForm:
    """The form for choosing the company's jobmål on ``item``: the request's answer, or (with
    ``formdata=None``) the one shown now (:func:`portal.shared_goal.shown_goal`)."""
    if formdata is None:
        shown = shown_goal(item)
        form = SharedGoalForm(formdata=None, shared_goal=shown.title if shown else "")
    else:
        form = SharedGoalForm(formdata=formdata)
    form.shared_goal.choices = goal_options(
        shared_goal_choices(item.citizen, matched_goals(item)))
    form.item = item
    return form


def _proposal(proposal_id: int) -> Proposal:
    return db.get_or_404(Proposal, proposal_id)


def _page_url(proposal_id: int) -> str:
    return url_for("candidates.proposal", proposal_id=proposal_id)


def _back(proposal_id: int):
    return redirect(_page_url(proposal_id))


def _held(formdata: MultiDict | None) -> dict:
    """Form arguments: the request's data, or a held action's (checked for CSRF when held)."""
    return {} if formdata is None else {"formdata": formdata, "meta": {"csrf": False}}


def _staff_only(performer):
    """A held action runs in the confirm request: check the role again there."""

    @wraps(performer)
    def wrapped(args: dict, formdata: MultiDict | None = None):
        if current_user.role not in STAFF:
            abort(403)
        return performer(args, formdata)

    return wrapped


@bp.get("/forslag/<int:proposal_id>")
@consultant_required
def proposal(proposal_id: int):
    """The proposal's state, consents, the shared profile and the next allowed steps.

    :raise 404: if the proposal does not exist.
    """
    item = _proposal(proposal_id)
    audit.record("proposal_viewed", citizen_id=item.citizen_id, opening_id=item.opening_id,
                 purpose="identity release")
    db.session.commit()
    return _page(item)


UNCONFIRMED_REJECTION = "Sæt kryds ved, at du ved, at fravalget er endeligt."
_CONSENT_FORM = "proposal-consent:{}"  # a consent refused as recorded meanwhile (review BH 5), per proposal
_ASSESS_FORM = "proposal-assess:{}"  # a refused decision's fields (formutil.keep_form), per proposal
# The decision form's fields whose errors the page shows at the field (kept as ``error_<name>``).
_ASSESS_FIELDS = ("reason", "shared_goal", "confirmed")


def _page(item: Proposal, status: int = 200, **forms):
    """Render the proposal page; ``forms`` replaces a blank form with one holding errors."""
    listed = db.session.scalars(
        sa.select(Placement).where(Placement.citizen_id == item.citizen_id,
                                   Placement.opening_id == item.opening_id)
        .order_by(Placement.start_date.desc())).all()
    # A placement cancelled before its start never ran: the next step and the consent read the
    # pair as without it (a new one may start); the list of the proposal's placements shows it.
    placements = [p for p in listed if not is_cancelled(p)]
    context = {
        "consent_form": _blank_consent_form(item),
        "goal_form": goal_form(item), "shown_goal": shown_goal(item),
        "profile_form": ProfileForm(formdata=None, data=profile.form_values(item)),
        **forms}
    offer_only_what_exists(context["consent_form"], item)
    return render_template(
        "candidates/proposal.html", proposal=item, step_form=StepForm(), allowed=proposals.allowed_next(item),
        active=consents.active_consent(item),
        # After the pair's placement ended there is nothing left to share the name for.
        renews_consent=proposals.renews_consent(item) and not (placements and all(p.end_reason for p in placements)),
        placements=placements, listed_placements=listed, today=clock.today(), renewal_due=_renewal_due(item),
        renewed=service.renewed(item),
        withdraw_cancels=future_interviews(item) if item.status in ("consented", "disclosed") else [], can_start=_can_start(item),
        can_end_with_opening=opening_done.endable(item), sharing_refused=proposals.sharing_refusal(item),
        hold=opening_done.hold(item), ended_on_hold=opening_done.ended_on_hold(item),
        status_label=opening_done.status_label(item),
        company_code=pseudonym(item.citizen_id, item.opening_id),  # how the company names the candidate
        declined=proposals.company_declined(item), situation=situation(item.citizen_id, clock.today()),
        text_version=consents.CONSENT_TEXT_VERSION, consent_text=consents.consent_text(item),
        consent_texts={c.text_version: consents.consent_text(item, c.text_version) for c in item.consents},
        shared_words=consents.scope_words(item), shared_summary=shared_summary(item),
        scope_short=_listed([_NOT_COVERED[part] for part in consents.scope_short_of_current(item)]),
        profile_rows=profile.rows(item.shared_profile), profile_approved=profile.is_approved(item),
        profile_withheld=private_details.describe(profile.withheld(item)),
        **context, **_assessment(item)), status


def shared_summary(item: Proposal) -> str:
    """What the citizen agreed to share, as far as the text of the consent in force covers it
    (:func:`portal.consents.scope_words`): »Navn og profil, telefonnummer«, »Kun navnet«
    (a text that names only the name), or »Intet (intet gyldigt samtykke)«."""
    words = consents.scope_words(item)
    if not words:
        return "Intet (intet gyldigt samtykke)"
    if len(words) == 1:
        return "Kun navnet"
    return ", ".join([f"Navn og {words[1]}", *words[2:]])


# The parts of consents.CONSENT_SCOPES as »dækker ikke …« names them.
_NOT_COVERED = {"profile": "profilen", "contacts": "kontaktoplysninger", "cv": "CV’et"}


def _listed(words: list[str]) -> str:
    """»a«, »a eller b«, »a, b eller c« ("" for none): what a consent's text does not cover."""
    return " eller ".join(filter(None, [", ".join(words[:-1]), words[-1]])) if words else ""


def offer_only_what_exists(form: ConsentForm, item: Proposal) -> ConsentForm:
    """Offer only what the citizen has: the choice of a phone number, an e-mail or a CV the
    citizen lacks is shown disabled and unticked (its hint on the page says none is registered),
    as :func:`portal.proposals.check_consent` refuses it; ticking it threw the whole consent
    back (review AC 9)."""
    citizen = item.citizen
    has = {"share_phone": bool((citizen.phone or "").strip()), "share_email": bool((citizen.email or "").strip()),
           "share_cv": consents.has_cv_text(citizen)}
    for name, present in has.items():
        if not present:
            field = form[name]
            field.render_kw = {**(field.render_kw or {}), "disabled": True}
            if not field.errors:  # a refused answer stays as sent, next to its error
                field.data = False
    return form


def _renewal_due(item: Proposal) -> bool:
    """The consent in force ends within :data:`portal.consents.CONSENT_DUE_DAYS` days."""
    active = consents.active_consent(item)
    return active is not None and active.deadline <= clock.today() + timedelta(days=consents.CONSENT_DUE_DAYS)


def _blank_consent_form(item: Proposal) -> ConsentForm:
    """A consent form for the page: 90 days ahead; a renewal starts from the choices in use."""
    if (kept := kept_form(_CONSENT_FORM.format(item.id))) is not None:  # a refused recording's answers
        return ConsentForm(formdata=kept, meta={"csrf": False})
    renewal = proposals.renews_consent(item)
    # only choices the earlier consent's text covered: one given under a text that named only
    # the name chose nothing more, whatever the proposal holds (consents.CONSENT_SCOPES)
    scope = consents.choices_scope(item) if renewal else frozenset()
    chosen = (item.shared_profile or {}) if "contacts" in scope else {}
    return ConsentForm(formdata=None, deadline=clock.today() + timedelta(days=90),
                       share_phone="phone" in chosen, share_email="email" in chosen,
                       share_cv="cv" in scope and bool(item.share_cv))


def _assessment(item: Proposal) -> dict:
    """For a proposal waiting for the consultant: the decision form and why it cannot be approved."""
    if item.status != "proposed":
        return {}
    try:
        refused = _refusal(item)
    except EncoderUnavailable:
        refused = None  # checked again when the consultant approves
    goal_choices = shared_goal_choices(item.citizen, matched_goals(item))
    suggestion = next((choice.title for choice in goal_choices if choice.matched), "")
    typed = kept_form(_ASSESS_FORM.format(item.id)) or MultiDict()
    decision = typed.get("decision", "")
    return {"decision_form": DecisionForm(formdata=None), "refused": refused,
            "goal_options": goal_options(goal_choices),
            "suggestion": typed.get("shared_goal", suggestion) if decision == "approve" else suggestion,
            "typed_reasons": {decision: typed.get("reason", "")} if decision else {},
            "typed_confirmed": decision == "reject" and typed.get("confirmed") == "y",
            # the refused decision's errors by field name, shown at the field (review BM 1)
            "decision_errors": {decision: {name: typed.getlist(f"error_{name}") for name in _ASSESS_FIELDS
                                           if typed.getlist(f"error_{name}")}} if decision else {},
            # the fact, never which, with the opening's »Mulige skånehensyn« (review AV 4)
            "limitations": limitations.with_limitations([item.citizen_id], current_user).get(item.citizen_id)}


def _refusal(item: Proposal) -> str | None:
    """Why the pair cannot be approved today (a hard limit, not matchable), as the ranking says it.

    A proposal may wait a while: the opening may have closed or the citizen's hours changed.
    Raises EncoderUnavailable when the pair cannot be scored right now.
    """
    return service.refusal(service.score_pair(item.opening, item.citizen), item.citizen, item.opening)


@bp.post("/forslag/<int:proposal_id>/vurdering")
@consultant_required
def assess(proposal_id: int):
    """Approve or reject a proposal waiting in "proposed" (a logged human decision).

    A rejection is final, so its form has a box to tick that says so; one without it is refused.

    Needs a fresh login, like the decision on the ranking page; on a stale one the decision
    is carried out after the password is confirmed. Approval is refused while the pair breaks
    a hard limit or cannot be matched (:func:`.service.refusal`, as on the ranking).

    :raise 404: if the proposal does not exist.
    """
    if stale := replay.hold("før du træffer beslutningen", _page_url(proposal_id)):
        return stale
    kept = _assess({"proposal_id": proposal_id})
    # to the refused form, not its first field: the browser would focus the field, and jobbro.js
    # focuses the form's error summary at its top instead (review BM 1)
    return redirect(_page_url(proposal_id) + (f"#assess-{kept}" if kept else ""))


@replay.replayable("candidates.assess", "Beslutningen om forslaget gemmes")
@_staff_only
def _assess(args: dict, formdata: MultiDict | None = None) -> str | None:
    """Carry out the decision; on a refusal, keep what was typed for the page (which shows it
    again) and return the decision whose form to go back to when its fields have errors."""
    item = _proposal(args["proposal_id"])
    form = DecisionForm(**_held(formdata))

    def refuse(message: str | None, at_fields: dict[str, list[str]] | None = None,
               other: list[str] | None = None) -> str | None:
        """Keep what was typed for the page, which shows it again with the errors ``at_fields``
        (by field name) at their fields (review BM 1). ``message``, or the ``other`` errors
        (no field on the page: an unknown decision, an expired form), are flashed at the top.
        Returns the decision whose form shows errors (the page goes back to it), else None."""
        decision = form.decision.data if form.decision.data in ("approve", "reject") else None
        at_fields = {name: errors for name, errors in (at_fields or {}).items() if errors}
        kept = decision is not None and keep_form(_ASSESS_FORM.format(item.id), MultiDict([
            ("decision", decision), ("reason", form.reason.data or ""),
            ("shared_goal", form.shared_goal.data or "" if decision == "approve" else ""),
            ("confirmed", form.confirmed.data or ""),
            *((f"error_{name}", error) for name, errors in at_fields.items() for error in errors)]))
        said = [*(other or ()), *(() if kept else (e for errors in at_fields.values() for e in errors))]
        if said:  # with no form to show them at, the field errors too
            message = "Beslutningen kunne ikke gemmes: " + "; ".join(said)
        if message:
            flash(message, "error")
        return decision if at_fields and kept else None

    valid = form.validate()
    at_fields = {name: list(getattr(form, name).errors) for name in _ASSESS_FIELDS}
    if form.decision.data == "reject" and form.confirmed.data != "y":
        at_fields["confirmed"].append(UNCONFIRMED_REJECTION)  # a rejection is final: the box on the form says so
    if not valid or any(at_fields.values()):
        return refuse(None, at_fields, [e for name, errors in form.errors.items()
                                        if name not in _ASSESS_FIELDS for e in errors])
    reason = form.reason.data.strip()
    if form.decision.data == "reject":
        if not _step(lambda: proposals.reject(item, current_user, reason), "Forslaget er fravalgt."):
            return refuse(None)
        return None
    if item.status == "proposed":
        try:
            refused = _refusal(item)
        except EncoderUnavailable:
            refused = ("Matchingen kan ikke beregne borgerens match lige nu, så godkendelsen er ikke "
                       "gemt. Prøv igen om lidt.")
        if refused:
            return refuse(refused)

    try:  # a jobmål that is not one of the citizen's is said at its field, as the reason's errors
        shared = check_shared_goal(form.shared_goal.data or "", item.citizen, matched_goals(item))
    except proposals.TransitionError as err:
        return refuse(None, {"shared_goal": [str(err)]})

    def approve() -> None:
        proposals.approve(item, current_user, reason)
        if shared:
            set_shared_goal(item, current_user, shared)

    code = pseudonym(item.citizen_id, item.opening_id)  # how the company names the candidate
    if not _step(approve, f"Forslaget er godkendt. Virksomheden ser nu kandidaten som »{code}« (kaldenavn, kun "
                 "for dette opslag). Næste skridt er borgerens samtykke og profilen til virksomheden."):
        return refuse(None)  # _step said why
    return None


def _can_start(proposal: Proposal) -> bool:
    """The placements area's own rule, so the button never offers a start it would refuse."""
    try:
        check_startable(proposal, clock.today())
    except LifecycleError:
        return False
    return True


@bp.post("/forslag/<int:proposal_id>/samtykke")
@consultant_required
def record_consent(proposal_id: int):
    """Record the citizen's consent and choices (channel, deadline, contact details, CV file).

    The text version and time are set here. Needs a fresh login: a consent is what lets the
    name be shared. A form with errors, the state machine's refusals included (a deadline
    more than a year ahead, a contact detail the citizen lacks), is shown again with what was
    typed and the error at its field, before any password is asked.

    :raise 404: if the proposal does not exist.
    """
    item = _proposal(proposal_id)
    form = ConsentForm()
    invalid = not form.validate_on_submit()
    if _consent_refused(item, form) or invalid:  # both run: every problem is shown in one round
        return _page(item, 400, consent_form=form)
    if stale := replay.hold("før du registrerer samtykket", _page_url(proposal_id)):
        return stale
    _record_consent({"proposal_id": proposal_id})
    return _back(proposal_id)


@replay.replayable("candidates.record_consent", "Borgerens samtykke registreres")
@_staff_only
def _record_consent(args: dict, formdata: MultiDict | None = None) -> None:
    item = _proposal(args["proposal_id"])
    form = ConsentForm(**_held(formdata))
    if not form.validate():
        flash("Samtykket kunne ikke registreres: " + "; ".join(
            e for errors in form.errors.values() for e in errors), "error")
        return
    told: list[str] = []
    if not _step(lambda: told.append(sharing.record_consent(item, current_user, **_consent_choices(form))),
                 lambda: told[0]):
        # refused (a colleague's consent landed meanwhile, review BH 5): the answers come back
        # in the form, to be recorded again if this consent is to replace the other
        keep_form(_CONSENT_FORM.format(item.id), formdata if formdata is not None else request.form)


def _consent_choices(form: ConsentForm) -> dict:
    """The form's answers as :func:`portal.proposals.record_consent` takes them."""
    return {"channel": form.channel.data, "deadline": form.deadline.data, "share_phone": form.share_phone.data,
            "share_email": form.share_email.data, "share_cv": form.share_cv.data}


def _consent_refused(item: Proposal, form: ConsentForm) -> bool:
    """True when the state machine refuses one of the answers; the error is put on its field.

    A refused step (the proposal moved on meanwhile) is left to :func:`_record_consent`,
    which says so at the top of the page: the consent form is then no longer shown.
    """
    try:
        proposals.check_consent(item, **_consent_choices(form))
    except proposals.TransitionError as err:
        # Each problem at its field, unless the form already put one there (a date it could
        # not read is not also "before today").
        fields = [(getattr(form, e.field, None), e.message) for e in err.every if e.field is not None]
        for field, message in fields:
            if field is None:
                form.form_errors.append(message)
            elif not field.errors:
                field.errors = [*field.errors, message]
        return bool(fields)
    return False


@bp.post("/forslag/<int:proposal_id>/videregiv")
@consultant_required
def disclose(proposal_id: int):
    """Share the citizen's name and approved profile with the company ("Del"); needs a fresh login.

    On a stale login the disclosure is carried out after the password is confirmed.

    :raise 404: if the proposal does not exist.
    """
    if stale := replay.hold("før du deler borgerens identitet", _page_url(proposal_id)):
        return stale
    _disclose({"proposal_id": proposal_id})
    return _back(proposal_id)


@replay.replayable("candidates.disclose", "Borgerens navn og profil deles med virksomheden")
@_staff_only
def _disclose(args: dict, formdata: MultiDict | None = None) -> None:
    item = _proposal(args["proposal_id"])
    if formdata is None and not StepForm().validate_on_submit():
        flash("Handlingen kunne ikke udføres. Genindlæs siden og prøv igen.", "error")
        return
    what = "navn og profil" if "profile" in consents.shared_scope(item) else "navn"  # review BJ 6
    _step(lambda: sharing.disclose(item, current_user),
          f"Borgerens {what} er nu delt med virksomheden, og virksomheden har fået besked.")


@bp.post("/forslag/<int:proposal_id>/tilbagekald")
@consultant_required
def withdraw(proposal_id: int):
    """Withdraw the citizen's consent; the company no longer sees the name or the profile, and
    the pair's future interviews are cancelled (:func:`.withdrawal.withdraw`).

    No fresh login: withdrawing only ever hides data.

    :raise 404: if the proposal does not exist.
    """
    return _cancelling_step(proposal_id, withdrawal.withdraw,
                            "Samtykket er trukket tilbage; virksomheden ser ikke længere navnet, profilen "
                            "eller kontaktoplysningerne.")


@bp.post("/forslag/<int:proposal_id>/afslut")
@consultant_required
def end_with_opening(proposal_id: int):
    """End a proposal whose opening is filled or closed, or that a change of the opening's
    requirements put on hold (:func:`.opening_done.end`): the pair's future interviews are
    cancelled and the consent stops.

    :raise 404: if the proposal does not exist.
    """
    item = _proposal(proposal_id)
    why = ("opslagets krav er ændret, så borgeren ikke længere opfylder dem"
           if item.opening.status not in proposals.OPENING_DONE else "opslaget er besat eller lukket")
    return _cancelling_step(proposal_id, opening_done.end, f"Forslaget er afsluttet, fordi {why}.")


def _cancelling_step(proposal_id: int, step, done_text: str):
    """A step that cancels the pair's future interviews (``step(proposal, user)`` returns what
    it cancelled); the flash is ``done_text`` and what was cancelled."""
    item = _proposal(proposal_id)
    if not StepForm().validate_on_submit():
        flash("Handlingen kunne ikke udføres. Genindlæs siden og prøv igen.", "error")
        return _back(item.id)
    done: list[withdrawal.Cancelled] = []
    _step(lambda: done.append(step(item, current_user)), lambda: done_text + done[0].message())
    return _back(item.id)


@bp.post("/forslag/<int:proposal_id>/profil")
@consultant_required
def approve_profile(proposal_id: int):
    """Approve the candidate profile the company gets after disclosure (audited).

    :raise 404: if the proposal does not exist.  :raise 400: the profile is refused.
    """
    item = _proposal(proposal_id)
    form = ProfileForm()
    valid = form.validate_on_submit()
    try:  # the rules run beside the form's own checks: every problem is shown in one round
        checked = profile.check(experience=form.experience.data, goals=form.goals.data,
                                hours=form.hours.data, licences=form.licences.data,
                                languages=form.languages.data, start=form.start.data,
                                citizen=item.citizen)
    except profile.ProfileError as err:
        for one in err.every:  # a field the form already marked keeps its own message
            field = getattr(form, one.field, None) if one.field else None
            if field is None:
                form.form_errors.append(one.message)
            elif not field.errors:
                field.errors = [*field.errors, one.message]
        valid = False
    if valid:
        try:
            seen = request.form.get(profile.SEEN_FIELD)  # None: a page from before it (not checked)
            profile.approve(item, current_user, checked, seen=seen)
        except proposals.TransitionError as err:  # ProfileReplaced too: the page now carries the new approval
            db.session.rollback()
            form.form_errors.append(str(err))
        else:
            if consents.active_consent(item) is not None and "profile" not in consents.shared_scope(item):
                after = (" Det nuværende samtykke dækker kun navnet, så virksomheden ser ikke profilen under det."
                         )  # review BJ 6
            else:
                after = "" if item.status == "disclosed" else " Virksomheden ser den, når navnet er delt."
            flash("Profilen til virksomheden er godkendt." + after, "success")
            return _back(item.id)
    return _page(item, 400, profile_form=form)


@bp.post("/forslag/<int:proposal_id>/jobmaal")
@consultant_required
def shared_goal(proposal_id: int):
    """Choose the jobmål the company sees for this proposal, one of the citizen's (audited).

    :raise 404: if the proposal does not exist.  :raise 400: the choice is refused (not one
        of the citizen's jobmål, or the proposal cannot take one now).
    """
    item = _proposal(proposal_id)
    form = goal_form(item, request.form)
    if form.validate_on_submit():
        try:
            set_shared_goal(item, current_user, form.shared_goal.data or "")
        except proposals.TransitionError as err:
            db.session.rollback()
            form.shared_goal.errors = [*form.shared_goal.errors, str(err)]
        else:
            flash("Jobmålet, som virksomheden ser, er gemt.", "success")
            return _back(item.id)
    return _page(item, 400, goal_form=form)


def _step(action, success) -> bool:
    """Run a state-machine step and flash its outcome; a refused step writes nothing (False).

    ``success`` is the message, or a function returning it once the step is done."""
    try:
        action()
    except proposals.TransitionError as err:
        db.session.rollback()
        flash(str(err), "error")
        return False
    flash(success() if callable(success) else success, "success")
    return True

