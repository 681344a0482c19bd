"""``/borgere/ny``: a consultant or an administrator records a new citizen ("Opret borger").

The form is the profile form plus the VK (the creating consultant by default) and an optional
case-system id. After saving, the consultant lands on the citizen's page, which says what is
still missing for matching (jobmål, CV) with a link to each.

The same rendered form sent again (a double click, Back and send) creates no second citizen
(:mod:`portal.once`, as the opening and hotline forms): sent unchanged, it goes to the citizen
the first one created; sent with other values, it comes back with them (409) and a link to
that citizen, saying nothing was saved, so a person is not split into two cases by accident.

A new form for a person already in the portal (the same name and the same e-mail, phone or
case-system id: :func:`.service.likely_duplicates`) is not saved either: it comes back (409)
naming the citizen(s), linked, and saves only when »Opret alligevel« is ticked.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from .. import once
from ..access import consultant_required
from ..extensions import db
from ..formutil import choices
from ..i18n import and_list
from store import clock
from store.models import User
from . import bp, queries, service
from .forms import NewCitizenForm
from .pages import commit_or_flash


@bp.route("/ny", methods=["GET", "POST"])
@consultant_required
def new():
    """Create a citizen; a refused external id or VK is shown at its field (nothing written)."""
    mine = current_user.id if current_user.role == "consultant" else 0
    form = NewCitizenForm(vk_id=mine, max_commute_km=25.0, languages="dansk", case_start=clock.today())
    form.vk_id.choices = choices([(0, "– ingen endnu –"), *((u.id, u.name) for u in queries.consultants())])
    if form.validate_on_submit():
        sent, repeat = once.guard(url_for(".index"), "Borgeren er allerede oprettet.")
        if repeat is not None:
            return repeat
        if sent.repeated:
            return _render(form, first_url=sent.url), 409
        data = service.ProfileData(**{f: getattr(form, f).data for f in service.PROFILE_FIELDS})
        duplicates = service.likely_duplicates(data.name, phone=data.phone or "", email=data.email or "",
                                               external_id=form.external_id.data or "")
        if duplicates and request.form.get("create_anyway") != "ja":
            once.release(sent)  # nothing created: the same form, ticked, may be sent again
            return _render(form, duplicates=duplicates), 409
        vk = db.session.get(User, form.vk_id.data) if form.vk_id.data else None
        try:
            # the VK is told, and »Opret alligevel« audited, by the service (review BN 3)
            citizen = service.create_citizen(data, external_id=form.external_id.data or "", vk=vk,
                                             creator=current_user, created_anyway=duplicates)
        except service.ExternalIdTaken as exc:
            once.release(sent)
            taken = exc.citizen.id if exc.citizen is not None else None
            db.session.rollback()
            form.external_id.errors.append(exc.message_da)
            return _render(form, taken_id=taken)
        except service.ExternalIdRefused as exc:
            once.release(sent)
            db.session.rollback()
            form.external_id.errors.append(exc.message_da)
        except service.CitizenChangeError as exc:
            once.release(sent)
            db.session.rollback()
            form._fields.get(exc.field or "vk_id", form.vk_id).errors.append(exc.message_da)
        else:
            if not commit_or_flash(_created_message(citizen)):
                return _render(form), 409
            page = url_for(".detail", citizen_id=citizen.id)
            once.done(sent, page)
            return redirect(page)
    return _render(form)


def _created_message(citizen) -> str:
    """What the new citizen still lacks to be matched and seen (review AY 5): a VK (and, without
    one, whether the citizen is on any team's list), jobmål and CV, as the form left them."""
    missing = [] if citizen.vk_id else ["en VK"]
    missing += [] if citizen.job_goals else ["jobmål"]
    missing += [] if citizen.cv_documents else ["CV"]
    if not missing:
        return "Borgeren er oprettet."
    listed = "" if citizen.vk_id else (" Indtil en VK er valgt, står borgeren på teamets liste." if citizen.team_id
                                       else " Borgeren er ikke på noget teams liste, før en VK er valgt.")
    return f"Borgeren er oprettet. Tilføj {and_list(missing)}, så borgeren kan matches.{listed}"


def _render(form: NewCitizenForm, first_url: str | None = None,
            duplicates: list[service.LikelyDuplicate] | None = None, taken_id: int | None = None) -> str:
    """The form, with its one-time id (``first_url``: the citizen this form already created,
    named on the page when it is sent again with other values; ``duplicates``: citizens who
    are probably this person, shown with links and an »Opret alligevel« tick; ``taken_id``:
    the citizen who has the typed case-system id, linked at the field)."""
    return render_template("citizens/new.html", form=form, today=clock.today(), form_id=once.form_id(),
                           first_url=first_url, duplicates=duplicates or [], taken_id=taken_id)
