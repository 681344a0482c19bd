"""Routes under /admin: users (one-time set-password links, mailed) and companies."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import audit, mail, merge, name_order
from ..access import admin_required
from ..auth import mails
from ..auth.sessions import confirm_first
from ..auth.tokens import issue_set_password_token, set_password_url
from ..extensions import db
from ..formutil import DanishForm, attach_error, choices
from ..hotline import duty
from store.models import Company, Team, User, vocab
from . import bp, caseload, service
from .forms import CompanyForm, EditUserForm, PhoneForm, UserForm, clean_phone


@bp.get("/users")
@admin_required
def users():
    """Every user with role, phone, organisation and status, and the actions on each,
    :data:`.service.PER_PAGE` a page (``?side=N``; a page past the end is the last one); first
    the deactivated users who still hold citizens, companies or hotline requests (all of them,
    whatever the page), each linked to where they are given to someone else."""
    page = service.user_page(request.args.get("side", 1, type=int) or 1)
    held = service.holdings()
    held_by = {h.user_id: h for h in service.holdings([row.id for row in page.items], include_active=True)}
    return render_template("admin/users.html", users=page.items, page=page, holdings=held, held_by=held_by,
                           keys_by=service.live_keys([row.id for row in page.items if row.active]),
                           successors={h.user_id: caseload.successor_choices(h.user_id) for h in held})


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    """Create a user without a password and mail the one-time link to set one. ``?virksomhed=<id>``
    (the company's page) presets the role »Virksomhed« and that company.

    Needs a fresh login (a stale one is sent to confirm the password and back here). The
    confirmation page says whether the mail went out; it shows the link itself only when
    no mail server is configured or sending failed, so the administrator can pass it on
    (the account has no password yet, so nothing is taken over).
    """
    if stale := confirm_first("før du opretter en bruger",
                              url_for("admin.new_user", virksomhed=request.args.get("virksomhed", type=int))):
        return stale
    form = UserForm()
    companies = db.session.execute(sa.select(Company.id, Company.name).order_by(*name_order.order_by(Company.name, Company.id))).all()
    teams = db.session.execute(sa.select(Team.id, Team.name).order_by(*name_order.order_by(Team.name, Team.id))).all()
    form.company_id.choices = choices([(0, "–"), *companies])
    form.team_id.choices = choices([(0, "–"), *teams])
    preset = request.args.get("virksomhed", type=int)
    if request.method == "GET" and not form.typed_restored and preset in {cid for cid, _ in companies}:
        # »Opret bruger til virksomheden« on the company's page (review BG 4)
        form.role.data, form.company_id.data = "company", preset
    valid = form.validate_on_submit()
    if not valid and _posted_with_csrf(form):
        # The account rules too, so that every problem shows in this round, not the next.
        for problem in service.account_problems(form.email.data, form.role.data, form.company_id.data):
            attach_error(form, problem)
    if valid:
        new = service.NewUser(email=form.email.data, name=form.name.data, role=form.role.data,
                              company_id=form.company_id.data, team_id=form.team_id.data,
                              phone=clean_phone(form.phone.data))
        try:
            user, token = service.create_user(new, current_app.config["PASSWORD_RESET_HOURS"])
        except service.AccountRuleError as refusal:
            attach_error(form, refusal)
        else:
            link = set_password_url(token)
            result = mails.deliver(mails.welcome(user, current_user, link), user, "welcome")
            return render_template("admin/user_created.html", user=user, result=result,
                                   link=_shown_link(user, result, link))
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>/ret", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    """Correct a user's name, e-mail, phone, and team (staff) or company (company users).

    Needs a fresh login; audited. Moving a company user to another company revokes their
    API keys (the page says so).

    :raise 404: if ``user_id`` does not exist.  :raise 400: with the Danish form errors.
    """
    if stale := confirm_first("før du ændrer en bruger", url_for("admin.edit_user", user_id=user_id)):
        return stale
    user = person_or_404(user_id)
    form = _edit_form(user)
    valid = form.validate_on_submit()
    if not valid and _posted_with_csrf(form):
        company_id = form.company_id.data if user.role == "company" else None
        for problem in service.account_problems(form.email.data, user.role, company_id, user_id=user.id):
            attach_error(form, problem)
    if valid:
        organisation = form.company_id.data if user.role == "company" else form.team_id.data
        changes = service.UserChanges(email=form.email.data, name=form.name.data, phone=clean_phone(form.phone.data),
                                      role=None if user.role == "company" else form.role.data,
                                      **{"company_id" if user.role == "company" else "team_id": organisation})
        try:
            done = service.update_user(user, changes, current_user, current_app.config["PASSWORD_RESET_HOURS"],
                                       form.base.data)
        except service.StaleEdit as stale:
            db.session.rollback()
            return _stale_user(form, user, stale.found)
        except service.AccountRuleError as refusal:
            db.session.rollback()
            attach_error(form, refusal)
        else:
            return _after_edit(user, done)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_edit.html", form=form, edit_user=user,
                           freed=service.has_freed_email(user)), status


def _after_edit(user: User, done: service.UserUpdate):
    """The flash after a saved edit; after a new e-mail for a user without a password, the new
    link's mail result (and the link itself when it was not mailed, as after creating the user)."""
    if not done.changed:
        flash(f"Ingen ændringer for {user.name}.", "success")
        return redirect(url_for("admin.users"))
    keys = f" {done.revoked} API-nøgle{'r' if done.revoked != 1 else ''} er tilbagekaldt." if done.revoked else ""
    role = f" Rollen er nu {vocab.ROLES[user.role].lower()}." if "role" in done.changed else ""
    old_link = (" Linket til at vælge adgangskode, der blev sendt til den gamle e-mail, virker ikke længere."
                if done.link_cleared else "")
    if "role" in done.changed and user.role == "admin" and (named := duty.state().named) is not None \
            and named.id == user.id:
        flash(f"{user.name} var vagthavende for hotlinen og er det ikke længere: kun en konsulent kan have vagten. "
              "Vælg en ny vagthavende under Hotline (/hotline/vagt); indtil da går henvendelser uden ansvarlig "
              "til dem, der får dem, når ingen har vagten.", "warning")
    if done.token is None:
        flash(f"{user.name} er gemt.{role}{keys}{old_link}", "success")
        return redirect(url_for("admin.users"))
    link = set_password_url(done.token)
    result = mails.deliver(mails.new_link(user, current_user, link), user, "new_link")
    sent = (f" Et nyt link er sendt til {user.email}." if result == mail.SENT
            else " Et nyt link er lavet til den nye e-mail: se herunder.")
    flash(f"{user.name} er gemt.{role}{keys}{old_link}{sent}", "success")
    if result == mail.SENT:
        return redirect(url_for("admin.users"))
    return render_template("admin/user_link.html", user=user, result=result, link=_shown_link(user, result, link))


@bp.post("/users/<int:user_id>/frigoer-email")
@admin_required
def free_email(user_id: int):
    """Give a deactivated user a reserved address, so that their e-mail can be used for a new
    account (say, the same person in another role); audited, fresh login.

    :raise 404: if ``user_id`` does not exist.  :raise 400: without a valid CSRF token.
    """
    if stale := confirm_first("før du frigør en e-mail", url_for("admin.edit_user", user_id=user_id)):
        return stale
    user = person_or_404(user_id)
    if not DanishForm().validate_on_submit():
        abort(400)
    try:
        freed = service.free_email(user)
    except service.AccountRuleError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    flash(f"E-mailen {freed} er frigjort og kan bruges til en ny bruger. {user.name} er stadig deaktiveret "
          f"og har nu e-mailen {user.email}.", "success")
    return redirect(url_for("admin.users"))


def _posted_with_csrf(form) -> bool:
    """A POST whose CSRF token held: its fields are worth checking against the account rules."""
    return request.method == "POST" and not form.csrf_token.errors


def person_or_404(user_id: int) -> User:
    """A person's account; an integration is managed on its own page (:mod:`.integrations`)."""
    user = db.get_or_404(User, user_id)
    if user.role == "integration":
        abort(404)
    return user


def _edit_form(user: User) -> EditUserForm:
    """The edit form with the one organisation field that fits the role (company or team)."""
    form = EditUserForm(formdata=None, obj=user) if request.method == "GET" else EditUserForm()
    if user.role == "company":
        del form.team_id
        del form.role  # a company user stays one (the page says why)
        field, model, current = form.company_id, Company, user.company_id
    else:
        del form.company_id
        field, model, current = form.team_id, Team, user.team_id
    field.choices = choices([(0, "–"), *db.session.execute(sa.select(model.id, model.name).order_by(*name_order.order_by(model.name, model.id))).all()])
    if request.method == "GET" and not form.typed_restored:  # what was typed before a password step wins
        field.data = current or 0
        form.base.data = service.user_fingerprints(user)
    return form


_USER_LABELS = {"name": "Navn", "email": "E-mail", "phone": "Telefon", "company_id": "Virksomhed",
                "team_id": "Team", "role": "Rolle"}  # the fields, short, as the conflict message names them


def _stale_user(form: EditUserForm, user: User, found: merge.Merge):
    """Someone saved the user while this form was open (``found``, :func:`portal.merge.lost`):
    nothing is saved. The form comes back with this user's changes on top of the other
    person's, the fields the other person changed named with their values, and the saved
    fingerprints as its ``base``, so saving again keeps both (review BH 6).

    :return: the page with status 409.
    """
    def shown(name: str) -> str:
        value = getattr(user, name)
        if name in ("company_id", "team_id"):
            model = Company if name == "company_id" else Team
            value = db.session.get(model, value).name if value else "ingen"
        return merge.shown_value(value, vocab.ROLES if name == "role" else None)

    def label(name: str) -> str:
        return _USER_LABELS[name]

    for name, value in found.take.items():
        if name in form:
            form[name].data = value or 0 if name in ("company_id", "team_id") else value
    form.base.data = service.user_fingerprints(user)
    theirs = [f"{label(n)} ({shown(n)})" for n in found.theirs if n not in found.both]
    both = [f"{label(n)} (den anden: {shown(n)})" for n in found.both]
    form.form_errors.append(merge.conflict_message("Brugeren", theirs, both))
    return render_template("admin/user_edit.html", form=form, edit_user=user,
                           freed=service.has_freed_email(user)), 409


@bp.route("/users/<int:user_id>/telefon", methods=["GET", "POST"])
@admin_required
def user_phone(user_id: int):
    """Set or clear a user's work phone (fresh login, audited).

    :raise 404: if ``user_id`` does not exist.  :raise 400: with the Danish form error.
    """
    if stale := confirm_first("før du ændrer en bruger", url_for("admin.user_phone", user_id=user_id)):
        return stale
    user = person_or_404(user_id)
    form = PhoneForm(formdata=None, phone=user.phone) if request.method == "GET" else PhoneForm()
    if form.validate_on_submit():
        service.set_phone(user, clean_phone(form.phone.data))
        flash(f"Telefonnummeret for {user.name} er gemt." if user.phone
              else f"Telefonnummeret for {user.name} er fjernet.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, edit_user=user), 400 if request.method == "POST" else 200


@bp.post("/users/<int:user_id>/link")
@admin_required
def send_link(user_id: int):
    """Send nyt link: a fresh one-time token, mailed; the previous link stops working.

    For a user who has a password this is an administrator-initiated reset: the password
    and the user's sessions keep working until the link is used, and the link goes by mail
    only (never on screen). Needs a fresh login; a stale one is sent to confirm the password.

    :raise 404: if ``user_id`` does not exist.
    :raise 400: without a valid CSRF token.
    """
    if stale := confirm_first("før du sender et nyt link", url_for("admin.users")):
        return stale
    user = person_or_404(user_id)
    if not user.active:
        flash(f"{user.name} er deaktiveret. Aktivér brugeren, før du sender et nyt link.", "error")
        return redirect(url_for("admin.users"))
    token = issue_set_password_token(user, current_app.config["PASSWORD_RESET_HOURS"])
    audit.record("set_password_link_issued", purpose=f"user:{user.id}")
    db.session.commit()
    link = set_password_url(token)
    result = mails.deliver(mails.new_link(user, current_user, link), user, "new_link")
    return render_template("admin/user_link.html", user=user, result=result,
                           link=_shown_link(user, result, link))


def _shown_link(user: User, result: str, link: str) -> str | None:
    """The link to show the administrator: only when it was not mailed and the user has no password.

    For a user with a password the link is a reset, and an administrator who could read it
    could take the account over unseen: it goes by mail or not at all.
    """
    return link if result != mail.SENT and not user.password_hash else None


@bp.get("/companies")
@admin_required
def companies():
    """All companies with their VKs and active users counted; ``?partnere=1``: the Code of
    Care partners only; ``?uden_vk=1``: those without an active VK; ``?uden_brugere=1``: those
    without an active user (review BG 4); ``?vk=<user id>``: that user's (the users page's
    link for a deactivated VK: exactly the companies it counts)."""
    partners_only = request.args.get("partnere") == "1"
    without_vk = not partners_only and request.args.get("uden_vk") == "1"
    without_users = not (partners_only or without_vk) and request.args.get("uden_brugere") == "1"
    vk = request.args.get("vk", type=int)
    vk_user = db.session.get(User, vk) if vk is not None and not partners_only and 0 < vk < 2**31 else None
    rows, missing = service.company_list(partners_only, without_vk, vk_user.id if vk_user else None,
                                         without_users=without_users)
    return render_template("admin/companies.html", companies=rows, partners_only=partners_only,
                           without_vk=without_vk, missing_vk=missing, vk_user=vk_user,
                           without_users=without_users, missing_users=service.without_users_count(),
                           users_by=service.active_users_by_company([c.id for c in rows]),
                           inactive_by=service.active_users_by_company([c.id for c in rows], active=False))


@bp.route("/companies/new", methods=["GET", "POST"], defaults={"company_id": None})
@bp.route("/companies/<int:company_id>", methods=["GET", "POST"])
@admin_required
def edit_company(company_id: int | None):
    """Create or edit a company, including the Code of Care partner flag and its VK (audited).
    The page of a saved company lists its users and leads to »Opret bruger til virksomheden«
    (review BG 4); a new company's flash does too.

    A form loaded before someone else's save that this one would change back is refused (409):
    the form comes back with this user's changes on top of the other person's, naming theirs
    (review BH 6). The same CVR saved meanwhile is an error at the CVR (review BH 7).

    :raise 404: if ``company_id`` does not exist.
    """
    company = db.get_or_404(Company, company_id) if company_id else Company()
    form = CompanyForm(obj=company)
    form.consultant_id.choices = service.consultant_choices(company.consultant_id)
    if not form.is_submitted():
        form.consultant_id.data = company.consultant_id or 0
        form.base.data = service.company_fingerprints(company) if company_id else ""
    if form.validate_on_submit():
        new = company.id is None
        try:
            service.save_company(company, {name: form[name].data for name in service.COMPANY_FIELDS},
                                 form.base.data)
        except service.StaleEdit as stale:
            db.session.rollback()
            return _stale_company(form, company, stale.found)
        except service.AccountRuleError as refusal:
            db.session.rollback()
            company = Company() if new else company  # a new one refused stays »Ny virksomhed«
            getattr(form, refusal.field).errors.append(str(refusal))
        else:
            if new:
                flash(Markup('{} er gemt. Giv virksomheden en bruger, så den kan slå opslag op: '
                             '<a href="{}" data-testid="new-company-user-link">Opret bruger til virksomheden</a>.')
                      .format(company.name, url_for("admin.new_user", virksomhed=company.id)), "success")
            else:
                flash(f"{company.name} er gemt.", "success")
            return redirect(url_for("admin.companies"))
    return _company_page(form, company)


def _company_page(form: CompanyForm, company: Company) -> str:
    return render_template("admin/company_form.html", form=form, company=company,
                           people=service.company_users(company.id) if company.id else [])


_SHOWN_COMPANY = {"code_of_care": lambda value: "ja" if value else "nej"}


def _stale_company(form: CompanyForm, company: Company, found: merge.Merge):
    """Someone saved the company while this form was open (``found``, :func:`portal.merge.lost`):
    nothing is saved. The form comes back with this user's changes on top of the other
    person's, the fields the other person changed named with their values, and the saved
    fingerprints as its ``base``, so saving again keeps both; a field both changed keeps this
    user's value.

    :return: the page with status 409.
    """
    labels = {name: form[name].label.text for name in found.theirs}
    posted = {name: form[name].data for name in service.COMPANY_FIELDS}
    again = CompanyForm(formdata=None, data={**posted, **found.take, "base": service.company_fingerprints(company)})
    again.consultant_id.choices = service.consultant_choices(company.consultant_id)
    again.consultant_id.data = again.consultant_id.data or 0

    def shown(name: str) -> str:
        value = getattr(company, name)
        if name == "consultant_id":
            return merge.shown_value(company.consultant.name if company.consultant else service.NO_CONSULTANT)
        return merge.shown_value(_SHOWN_COMPANY[name](value) if name in _SHOWN_COMPANY else value)

    theirs = [f"{labels[n]} ({shown(n)})" for n in found.theirs if n not in found.both]
    both = [f"{labels[n]} (den anden: {shown(n)})" for n in found.both]
    again.form_errors.append(merge.conflict_message("Virksomheden", theirs, both))
    return _company_page(again, company), 409
