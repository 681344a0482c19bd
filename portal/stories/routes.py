"""Routes under /historier: partners read published stories; consultants write and publish them.

``/historier/`` depends on the role: a Code of Care partner sees the published stories of
all partners, a consultant or administrator sees every story with its status, and an
ordinary company user gets 403 with a page explaining that stories are for partners.
Writing, editing, publishing and withdrawing are for consultants and administrators only
(company users get 403). The rules live in :mod:`.service`.
"""
from __future__ import annotations

import dataclasses

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, merge, once
from ..access import consultant_required
from ..extensions import db
from ..formutil import attach_error
from store.models import SuccessStory
from store.models.stories import STORY_STATUSES
from store.models.vocab import ENDING_REASONS, OPENING_KINDS
from . import bp, service, shown
from .forms import ActionForm, ListFilterForm, StoryForm


@bp.app_template_global()
def story_status_label(status: str) -> str:
    """The Danish label of a story status (for templates)."""
    return STORY_STATUSES.get(status, status)


@bp.app_template_global()
def story_status_labels() -> dict[str, str]:
    return dict(STORY_STATUSES)


@bp.app_template_global()
def story_kind_label(kind: str) -> str:
    """The type as a story shows it: never »Fleksjob« (see :mod:`.shown`)."""
    return shown.kind_label(kind)


@bp.app_template_global()
def story_outcome_label(outcome: str | None) -> str:
    """The outcome as a story shows it: never »Fleksjob« (see :mod:`.shown`)."""
    return shown.outcome_label(outcome)


@bp.app_template_global()
def story_kinds() -> dict[str, str]:
    """The types a story shows, for the list filter (»Job« for ordinært job and fleksjob)."""
    return dict(shown.STORY_KINDS)


@bp.app_template_global()
def story_held_back(story: SuccessStory) -> bool:
    """Whether a published story is hidden from partners for health details (saved before that rule)."""
    return story.status == "published" and bool(service.health_words(f"{story.title}\n{story.text}"))


@bp.get("/")
@login_required
def index():
    """The stories this user may see, newest first, filtered by ``?kind=`` (and ``?status=`` for staff).

    :raise 403: for a company user whose company is not a Code of Care partner.
    """
    filters = ListFilterForm(request.args).cleaned()
    if current_user.role == "company":
        if not current_user.is_code_of_care:
            audit.record_now("authorisation_denied", purpose="stories.index", result="denied")
            return render_template("stories/partners_only.html"), 403
        stories = service.published_for_partners(filters["kind"] or None)
        return render_template("stories/partner_index.html", stories=stories, filters=filters)
    stories = service.all_for_staff(filters["kind"] or None, filters["status"] or None)
    return render_template("stories/staff_index.html", stories=stories, filters=filters)


def _chosen_company(story: SuccessStory | None = None) -> int | None:
    """The company whose placements the form offers: the one posted with the form, else the
    story's (also when a publish or withdraw button re-shows the saved story)."""
    if request.method == "POST" and "company" in request.form:
        raw = request.form["company"]
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    return story.company_id if story is not None else None


def _story_form(story: SuccessStory | None = None, company_id: int | None = None, **kwargs) -> StoryForm:
    # Only the chosen company's placements: the list names citizens, and a placement at another
    # company cannot be linked anyway.
    company = company_id if company_id is not None else _chosen_company(story)
    return StoryForm(companies=service.partner_companies(),
                     placements=service.partner_placements(company), **kwargs)


def _showing_placements() -> bool:
    """Whether the POST only asks for the chosen company's placements ("Vis forløb"), not to save."""
    return request.method == "POST" and "vis_forloeb" in request.form


@bp.route("/ny", methods=["GET", "POST"])
@consultant_required
def create():
    """The form for a new story (GET) and saving it as a draft (POST).

    The same rendered form sent again (a double click, Back and send) saves nothing: it goes
    to the story the first one saved (:mod:`portal.once`); sent again with other values, it
    comes back with them to be saved as a new story.

    :raise 400: with the form's Danish errors (CSRF included).
    """
    form = _story_form()
    if _showing_placements():
        return _render_create(form, showing=True)
    if form.validate_on_submit():
        sent, repeat = once.guard(
            url_for("stories.index"), "Historien er allerede gemt som kladde.",
            "Historien fra denne formular er allerede gemt som kladde (se »Gode historier«), så det, du "
            "har ændret, er ikke gemt. Tryk »Gem som kladde« igen for at gemme det som en ny historie.")
        if repeat is not None:
            return repeat
        if sent.repeated:
            return _render_create(form), 409
        try:
            story = service.create_story(form.story_data(), current_user)
        except service.StoryError as err:
            once.release(sent)
            db.session.rollback()
            attach_error(form, err)
        else:
            once.done(sent, url_for("stories.edit", story_id=story.id))
            flash("Historien er gemt som kladde. Den ses først af virksomhederne, når den er offentliggjort.",
                  "success")
            return redirect(url_for("stories.edit", story_id=story.id))
    status = 400 if request.method == "POST" else 200
    return _render_create(form), status


def _render_create(form: StoryForm, showing: bool = False) -> str:
    """The new-story form with its one-time form id (:mod:`portal.once`)."""
    return render_template("stories/form.html", form=form, story=None, showing=showing, form_id=once.form_id())


def _story_or_404(story_id: int) -> SuccessStory:
    story = db.session.get(SuccessStory, story_id)
    if story is None:
        abort(404)
    return story


def _filled_form(story: SuccessStory, values) -> StoryForm:
    """The edit form filled from ``values`` (the stored story, or :class:`service.StoryData`),
    not from the request, with the stored story's fingerprints as its ``base``."""
    form = _story_form(story, company_id=values.company_id, formdata=None, data={
        "title": values.title, "text": values.text, "company": str(values.company_id),
        "placement": str(values.placement_id or ""), "kind": values.kind, "outcome": values.outcome or "",
        "consent_confirmed": values.consent_confirmed})
    form.base.data = service.fingerprints(story)
    return form


def _saved_form(story: SuccessStory) -> StoryForm:
    """The form filled from the stored story (not from the request)."""
    return _filled_form(story, story)


def _render_edit(story: SuccessStory, form: StoryForm, status: int = 200, action_error: str | None = None,
                 showing: bool = False):
    return render_template("stories/form.html", form=form, story=story, action_form=ActionForm(),
                           action_error=action_error, showing=showing), status


@bp.route("/<int:story_id>/rediger", methods=["GET", "POST"])
@consultant_required
def edit(story_id: int):
    """Edit a story (GET shows it with its publish/withdraw buttons; POST saves).

    :raise 404: unknown story.  :raise 400: form errors (CSRF included) or a broken rule.
    """
    story = _story_or_404(story_id)
    if request.method == "GET":
        return _render_edit(story, _saved_form(story))
    form = _story_form(story)
    if _showing_placements():
        return _render_edit(story, form, showing=True)
    if form.validate_on_submit():
        try:
            service.update_story(story, form.story_data(), form.base.data)
        except service.StaleStory as stale:
            db.session.rollback()
            return _stale_edit(story, form, stale.found)
        except service.StoryError as err:
            db.session.rollback()
            attach_error(form, err)
        else:
            flash("Ændringerne er gemt.", "success")
            return redirect(url_for("stories.edit", story_id=story.id))
    return _render_edit(story, form, 400)


# The fields as a stale save's message names them, and how it shows the saved values.
_FIELD_NAMES = {"title": "overskriften", "text": "historien", "company_id": "virksomheden",
                "placement_id": "forløbet", "kind": "typen", "outcome": "udfaldet",
                "consent_confirmed": "samtykket"}


def _shown(story: SuccessStory, name: str) -> str:
    value = getattr(story, name)
    if name == "company_id":
        return merge.shown_value(story.company.name)
    if name == "placement_id":
        return merge.shown_value(f"Forløb nr. {value}" if value else "Intet forløb")
    if name == "outcome":
        return merge.shown_value(ENDING_REASONS.get(value) or "Intet udfald endnu")
    if name == "consent_confirmed":
        return "bekræftet" if value else "ikke bekræftet"
    return merge.shown_value(value, OPENING_KINDS if name == "kind" else None)


def _stale_edit(story: SuccessStory, form: StoryForm, found: merge.Merge):
    """Someone saved the story while this form was open (``found``, see
    :class:`service.StaleStory`): nothing is saved. The form comes back with this user's changes
    on top of the other person's, the fields the other person changed named with what is saved
    now, and the saved story's fingerprints, so saving again keeps both; a field both changed
    keeps what this user typed.

    :return: the form with status 409.
    """
    again = _filled_form(story, dataclasses.replace(form.story_data(), **found.take))
    theirs = [f"{_FIELD_NAMES[n]} (nu {_shown(story, n)})" for n in found.theirs if n not in found.both]
    both = [f"{_FIELD_NAMES[n]} (den anden: {_shown(story, n)})" for n in found.both]
    again.form_errors.append(merge.conflict_message("Historien", theirs, both))
    return _render_edit(story, again, 409)


def _act(story_id: int, action, done: str):
    story = _story_or_404(story_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(story)
    except service.StoryError as err:
        db.session.rollback()
        story = _story_or_404(story_id)
        form = _saved_form(story)
        for one in err.every:  # also at the field to rewrite, as when saving (the top says it once)
            if one.field:
                attach_error(form, service.StoryError(one.message, one.field))
        return _render_edit(story, form, 400, action_error=err.message)
    flash(done, "success")
    return redirect(url_for("stories.index"))


@bp.post("/<int:story_id>/offentliggoer")
@consultant_required
def publish(story_id: int):
    """Publish a story for all Code of Care partners.

    :raise 404: unknown story.  :raise 400: CSRF, or a publish rule (consent, the citizen's name).
    """
    return _act(story_id, service.publish_story, "Historien er offentliggjort for Code of Care-virksomhederne.")


@bp.post("/<int:story_id>/tilbagetraek")
@consultant_required
def withdraw(story_id: int):
    """Withdraw a published story: the partners no longer see it.

    :raise 404: unknown story.  :raise 400: CSRF, or the story is not published.
    """
    return _act(story_id, service.withdraw_story, "Historien er trukket tilbage og ses ikke længere af virksomhederne.")
