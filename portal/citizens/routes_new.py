"""``/borgere/ny``: a consultant or an administrator records a new citizen ("Opret borger").

The form is the profile form plus the VK (the creating consultant by default) and an optional
case-system id. After saving, the consultant lands on the citizen's page, which says what is
still missing for matching (jobmål, CV) with a link to each.
"""
from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..access import consultant_required
from ..extensions import db
from ..formutil import choices
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
        data = service.ProfileData(**{f: getattr(form, f).data for f in service.PROFILE_FIELDS})
        vk = db.session.get(User, form.vk_id.data) if form.vk_id.data else None
        try:
            citizen = service.create_citizen(data, external_id=form.external_id.data or "", vk=vk)
        except service.ExternalIdRefused as exc:
            db.session.rollback()
            form.external_id.errors.append(exc.message_da)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            form.vk_id.errors.append(exc.message_da)
        else:
            commit_or_flash("Borgeren er oprettet. Tilføj jobmål og CV, så borgeren kan matches.")
            return redirect(url_for(".detail", citizen_id=citizen.id))
    return render_template("citizens/new.html", form=form, today=clock.today())
