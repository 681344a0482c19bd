"""Routes under /hotline: companies file requests; consultants answer them.

Company users only ever reach their own company's requests (another company's is 404);
consultants and administrators reach all (:mod:`.access`, shared with the API), but a request
about a placement outside their case only after giving a purpose (:mod:`.need_to_know`). Every
state change is a POST with CSRF.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import audit, company_filter, once
from ..access import admin_required, company_required
from ..extensions import db
from ..i18n import format_date
from store.models import Company, HotlineRequest, User
from . import bp, duty, lists, need_to_know, service, sla
from .access import load_request
from ..notifications.service import shorten
from .forms import SUBJECT_MAX, CloseForm, DutyForm, MessageForm, RequestForm


@bp.get("/")
@login_required
def index():
    """Company: its own requests (``?virksomhed=`` is never read for a company user). Staff: own
    and unassigned open requests, those of a deactivated assignee included (``?vis=alle``: all
    open; ``?vis=lukket``: the closed ones, a page at a time with ``?side=N``), with
    ``?ansvarlig=<id>`` one assignee's and with ``?virksomhed=<id>`` one company's
    (:mod:`portal.company_filter`: a malformed or unknown company is said on the page, 400/404,
    and nothing is listed). A request outside the reader's case shows its category, not its
    subject (:func:`.need_to_know.hidden_subjects`)."""
    if current_user.role == "company":
        requests = service.list_for_company(current_user.company_id)
        return render_template("hotline/company_index.html", rows=service.rows(requests),
                               contact=service.contact_for(current_user.company))
    show = request.args.get("vis")
    assignee = _assignee_filter()
    assignee_id = assignee.id if assignee is not None else None
    chosen = company_filter.read(request.args)
    if chosen.problem:
        return render_template("hotline/staff_filter_problem.html", problem=chosen.problem,
                               closed=show == "lukket"), chosen.status
    company_id = chosen.company_id
    if show == "lukket":
        return _closed_index(assignee_id, chosen.company)
    show_all = show == "alle"
    limit = service.STAFF_LIST_LIMIT
    waiting = service.list_for_staff(current_user, show_all, "open", limit, assignee_id, company_id)
    answered = service.list_for_staff(current_user, show_all, "answered", limit, assignee_id, company_id)
    # A list cut at its limit says how many there are (the nearest targets, the newest answers shown).
    totals = {key: service.count_for_staff(current_user, show_all, status, assignee_id, company_id)
              if len(found) >= limit else len(found)
              for key, status, found in (("waiting", "open", waiting), ("answered", "answered", answered))}
    names = service.user_names([r.assigned_to_id for r in waiting + answered] + [assignee_id], mark_inactive=True)
    return render_template("hotline/staff_index.html", waiting_rows=service.rows(waiting, by_due=True), totals=totals,
                           answered_rows=service.rows(answered), show_all=show_all, names=names,
                           hidden=need_to_know.hidden_subjects(current_user, waiting + answered),
                           assignee=names.get(assignee_id) if assignee is not None else None,
                           assignee_id=assignee_id, on_duty=duty.on_duty(), company=chosen.company,
                           company_id=company_id)


def _closed_index(assignee_id: int | None, company: Company | None = None):
    """The staff's »Lukket« view: closed requests, newest closed first (:func:`.lists.closed_page`)."""
    company_id = company.id if company is not None else None
    page = lists.closed_page(request.args.get("side", 1, type=int) or 1, assignee_id, company_id)
    closed = list(page.items)
    names = service.user_names([r.assigned_to_id for r in closed] + [assignee_id], mark_inactive=True)
    return render_template("hotline/staff_closed.html", rows=service.rows(closed), page=page, names=names,
                           hidden=need_to_know.hidden_subjects(current_user, closed),
                           assignee=names.get(assignee_id) if assignee_id is not None else None,
                           assignee_id=assignee_id, company=company, company_id=company_id)


MAX_ID_DIGITS = 9  # ids stay far below a billion; a longer number never reaches the database


def _assignee_filter() -> User | None:
    """``?ansvarlig=<user id>`` (staff): the user whose requests alone are listed; None if absent,
    not a number, too long to be an id, or not a staff user (the ordinary list then)."""
    value = request.args.get("ansvarlig", "")
    if not value.isascii() or not value.isdigit() or len(value) > MAX_ID_DIGITS:
        return None
    found = db.session.get(User, int(value))
    return found if found is not None and found.role not in ("company", "integration") else None


@bp.app_template_global("hotline_hidden_subjects")
def hidden_subjects(requests) -> set[int]:
    """For a template's list of requests (the consultant's start page): the ids whose subject
    the current user sees as the category only (:func:`.need_to_know.hidden_subjects`)."""
    return need_to_know.hidden_subjects(current_user, requests)


bp.add_app_template_global(lists.closed_unanswered, "hotline_closed_unanswered")


@bp.route("/ny", methods=["GET", "POST"])
@company_required
def new():
    """File a new request for the current user's company; the responsible VK is notified."""
    today = sla.to_local(sla.utc_now()).date()
    form = RequestForm(placement_options=service.placement_options(current_user.company_id, today))
    return _new_request(form)


def _new_request(form: RequestForm, closed: HotlineRequest | None = None):
    """Validate and file ``form`` on a POST to /hotline/ny; otherwise (or refused) render it.

    ``closed``: the request a message could not be added to, named on the page (status 409),
    with the message carried over into ``form``.

    The same rendered form sent again (a double click, Back and send) files nothing: it goes
    to the request the first one filed (:mod:`portal.once`); sent again with other values, it
    comes back with them (409), to be sent as a new request.
    """
    status = 409 if closed else 200
    if closed is None and form.validate_on_submit():
        sent, repeat = once.guard(
            url_for("hotline.index"), "Henvendelsen er allerede sendt.",
            "Henvendelsen fra denne formular er allerede sendt (se »Hotline«), så det, du har ændret, "
            "er ikke sendt. Tryk »Send henvendelse« igen for at sende det som en ny henvendelse.")
        if repeat is not None:
            return repeat
        if sent.repeated:
            status = 409
        else:
            try:
                created = service.create_request(current_user, form.to_data())
            except LookupError:
                once.release(sent)
                form.placement.errors = ["Vælg et af jeres igangværende forløb."]
            else:
                once.done(sent, url_for("hotline.detail", request_id=created.id))
                flash("Henvendelsen er sendt. Jobcentret svarer senest "
                      f"{format_date(created.due_at)}.", "success")
                return redirect(url_for("hotline.detail", request_id=created.id))
    return render_template("hotline/form.html", form=form, contact=service.contact_for(current_user.company),
                           urgency_hint=sla.urgency_hint(), closed=closed,
                           form_id=once.new_id() if closed else once.form_id()), status


def _follow_up_form(found: HotlineRequest, body: str) -> RequestForm:
    """A new request carrying a message that ``found`` (closed meanwhile) could not take."""
    today = sla.to_local(sla.utc_now()).date()
    options = service.placement_options(current_user.company_id, today)
    placement = str(found.placement_id) if found.placement_id else ""
    return RequestForm(formdata=None, placement_options=options, data={
        "category": found.category, "urgency": found.urgency,
        "placement": placement if any(value == placement for value, _ in options) else "",
        "subject": shorten(f"Opfølgning på #{found.id}: {found.subject}", SUBJECT_MAX), "message": body,
    })


def _render_detail(found: HotlineRequest, message_form: MessageForm | None = None, status: int = 200,
                   unsent: str | None = None, glass: str = "", close_form: CloseForm | None = None):
    """The thread. Staff's read of a request about a placement is logged first (fail closed),
    with the purpose ``glass`` when given outside the reader's case (:mod:`.need_to_know`):
    the forms then carry it, so that a page shown again after a post is logged with it too."""
    staff = current_user.role != "company"
    if staff and found.placement is not None:
        # The thread may hold health details about a citizen: log the read first (fail-closed).
        audit.record_now("hotline_viewed", citizen_id=found.placement.citizen_id,
                         purpose=need_to_know.read_purpose(found, glass) if glass else f"hotline:{found.id}")
    authors = service.user_names([m.author_id for m in found.messages] + [found.assigned_to_id], mark_inactive=staff)
    # Staff see a deactivated assignee marked; a company sees none (nobody who has left is
    # "responsible" to it), as the staff lists count the request as unassigned.
    assignee = found.assigned_to_id if staff or service.active_user(found.assigned_to_id) else None
    return render_template(
        "hotline/detail.html", req=found, row=service.rows([found])[0], staff=staff, names=authors,
        assignee_name=authors.get(assignee) if assignee else None,
        placement_label=service.placement_label(found.placement, sla.to_local(sla.utc_now()).date(), not staff)
        if found.placement else None,
        message_form=message_form or MessageForm(formdata=None),
        close_form=close_form or _close_form(found, formdata=None),
        contact=None if staff else service.contact_for(found.company, found), unsent=unsent, glass=glass,
        told=None if staff or found.status == "closed" else _who(service.told_of_message(found)),
        may_take=staff and found.status != "closed" and found.assigned_to_id != current_user.id,
        assignee_active=service.active_user(found.assigned_to_id),
        takes_on_reply=staff and found.status == "open" and found.escalated_at is not None
        and found.assigned_to_id not in (None, current_user.id),
        # a message refused by validation keeps its form id; a new message form gets a new one
        form_id=once.form_id() if message_form is not None else once.new_id(),
    ), status


def _purpose_page(found: HotlineRequest, form: need_to_know.PurposeForm | None = None, status: int = 200):
    """Only the purpose step for a request outside the reader's case: nothing of its thread,
    subject or citizen."""
    return render_template("hotline/purpose.html", req=found,
                           form=form or need_to_know.PurposeForm(formdata=None)), status


def _outside_case(found: HotlineRequest) -> bool:
    """Whether the current (staff) user must give a purpose to read ``found``."""
    return current_user.role != "company" and not need_to_know.may_read(current_user, found)


def _posted_purpose(found: HotlineRequest) -> str | None:
    """The purpose posted with a form of a thread read through the glass (its hidden field),
    if it is one that may be logged; else None."""
    form = need_to_know.PurposeForm()
    if form.validate() and need_to_know.purpose_problem(found, form.purpose.data) is None:
        return form.purpose.data
    return None


def _glass(found: HotlineRequest) -> str | None:
    """The purpose a reply, take-over or closing is posted with: "" inside the case (none is
    asked), the posted purpose outside it (:func:`_posted_purpose`), None when one is needed
    and missing (the caller shows the purpose step)."""
    return _posted_purpose(found) if _outside_case(found) else ""


@bp.get("/<int:request_id>")
@login_required
def detail(request_id: int):
    """The thread of one request, with reply and close; staff outside the case of a request
    about a placement get the purpose step instead (:mod:`.need_to_know`).

    :raise 404: if the request is unknown or another company's.
    """
    found = load_request(request_id)
    if _outside_case(found):
        return _purpose_page(found)
    return _render_detail(found)


@bp.post("/<int:request_id>/begrundelse")
@login_required
def read_with_purpose(request_id: int):
    """Staff outside the case state why they must read the request; the purpose is logged
    (fail closed) and this response shows the thread. A refused purpose is shown at its field,
    with nothing of the request.

    :raise 404: if the request is unknown or another company's.
    """
    found = load_request(request_id)
    if not _outside_case(found):  # no glass to break
        return redirect(url_for("hotline.detail", request_id=request_id))
    form = need_to_know.PurposeForm()
    if form.validate_on_submit():
        if problem := need_to_know.purpose_problem(found, form.purpose.data):
            form.purpose.errors = [problem]
        else:
            return _render_detail(found, glass=form.purpose.data)
    return _purpose_page(found, form, 400)  # refused: at its field, as a refused form is (review AL 5)


@bp.post("/<int:request_id>/besked")
@login_required
def message(request_id: int):
    """Add a reply (staff) or a message (company). On an answered request the company's button
    says whether it waits for an answer (``venter=ja``, the default) or writes only to inform
    (``venter=nej``); see :func:`.service.add_message`.

    The same rendered form sent again (a double click, Back and send) adds nothing and says
    so (:mod:`portal.once`); sent again with another text, that text comes back to be sent (409).

    :raise 404: if the request is unknown or another company's.
    """
    found = load_request(request_id)
    glass = _glass(found)
    if glass is None:  # not sent from a thread read through the glass: nothing is sent
        return _purpose_page(found, status=403)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render_detail(found, form, 400, glass=glass)
    thread = url_for("hotline.detail", request_id=request_id)
    sent, repeat = once.guard(thread, "Beskeden er allerede sendt.",
                              "Beskeden fra denne formular er allerede sendt (se tråden), så den ændrede tekst er "
                              "ikke sendt. Send den igen, hvis den også skal med.")
    if repeat is not None:
        return repeat
    if sent.repeated:
        return _render_detail(found, form, 409, glass=glass)
    before = found.assigned_to_id
    try:
        # a reply through the glass is logged with its purpose (review BD 2)
        service.add_message(found, current_user, form.body.data, awaits_answer=request.form.get("venter") != "nej",
                            purpose=glass)
    except service.ClosedRequest:
        once.release(sent)
        # Closed meanwhile (by the other side or another tab): the typed text is never thrown
        # away. A company gets it in a new request to send; staff see it to copy.
        if current_user.role == "company":
            return _new_request(_follow_up_form(found, form.body.data), closed=found)
        return _render_detail(found, status=409, unsent=form.body.data, glass=glass)
    else:
        once.done(sent, thread)
        flash(_sent_text(found, before), "success")
    return redirect(thread)


def _who(users: list[User]) -> str:
    """Who at the job centre gets a company's message, for the company: one by name, several
    counted (the fallback group, whose names say nothing to the company); "" for nobody."""
    if len(users) == 1:
        return users[0].name
    return f"{len(users)} medarbejdere i jobcentret" if users else ""


def _sent_text(found: HotlineRequest, before: int | None) -> str:
    """The flash after a message; ``before``: the assignee before it (a staff reply may take
    the request: :func:`.service.add_message`)."""
    if current_user.role != "company":
        if found.assigned_to_id != current_user.id or before == current_user.id:
            return "Beskeden er sendt."
        told = (f" {service.user_names([before])[before]} har fået besked." if before is not None
                and before != found.assigned_to_id and service.active_user(before) else "")
        return f"Beskeden er sendt. Du er nu ansvarlig for henvendelsen.{told}"
    who = _who(service.told_of_message(found))  # those add_message told (review BC 3)
    told = f" {who} har fået besked." if who else ""
    if found.status == "answered":
        return f"Beskeden er sendt til orientering.{told} Henvendelsen står stadig som besvaret."
    return f"Beskeden er sendt.{told} Jobcentret svarer senest {format_date(service.rows([found])[0].due)}."


@bp.post("/<int:request_id>/overtag")
@login_required
def take_over(request_id: int):
    """»Overtag henvendelsen«: the current consultant or administrator becomes the assignee
    (:func:`.service.take_over`: audited, the assignee until now told); the company then sees
    them as its contact. Only for staff who may read the thread: outside the case, only from a
    thread read through the glass, as a reply (:mod:`.need_to_know`), and the purpose posted
    is logged with the take-over (review BD 2: it grants lasting access).

    :raise 403: for a company user.
    :raise 404: if the request is unknown.
    :raise 400: without a valid CSRF token (CSRFProtect).
    """
    found = load_request(request_id)
    if current_user.role not in service.STAFF_ROLES:
        abort(403)
    glass = _glass(found)
    if glass is None:
        return _purpose_page(found, status=403)
    thread = url_for("hotline.detail", request_id=request_id)
    try:
        previous = service.take_over(found, current_user, purpose=glass)
    except service.ClosedRequest:
        flash("Henvendelsen er lukket og kan ikke overtages.", "info")
    except service.AlreadyAssignee:
        flash("Du er allerede ansvarlig for henvendelsen.", "info")
    else:
        before = service.user_names([previous]).get(previous) if previous else None
        flash("Du har overtaget henvendelsen og er nu ansvarlig konsulent: virksomheden ser dig som sin kontakt, "
              "og dens nye beskeder går til dig." + (f" {before} har fået besked." if before and
                                                     service.active_user(previous) else ""), "success")
    return redirect(thread)


@bp.post("/<int:request_id>/luk")
@login_required
def close(request_id: int):
    """Close a request (staff outside the case: only from a thread read through the glass).
    Staff write a note to the company (:class:`.forms.CloseForm`): a refused note comes back at
    its field with what was typed (400); a note for a request closed meanwhile is shown to copy
    (409), as a reply is.

    :raise 404: if the request is unknown or another company's.
    :raise 400: without a valid CSRF token.
    """
    found = load_request(request_id)
    staff = current_user.role != "company"
    form = _close_form(found, formdata=request.form)
    valid = form.validate_on_submit()
    if not form.is_submitted() or form.csrf_token.errors:
        abort(400)
    glass = _glass(found)
    if glass is None:
        return _purpose_page(found, status=403)
    if not valid:
        return _render_detail(found, status=400, glass=glass, close_form=form)
    note = form.note.data if staff else ""
    if service.close_request(found, note=note, purpose=glass):
        flash("Henvendelsen er lukket." + (" Virksomheden har fået din begrundelse." if note else ""), "success")
    elif note:
        return _render_detail(found, status=409, unsent=note, glass=glass)
    else:
        flash("Henvendelsen var allerede lukket.", "info")
    return redirect(url_for("hotline.detail", request_id=request_id))


def _close_form(found: HotlineRequest, **kwargs) -> CloseForm:
    """The close form for the current user: staff's with the note to the company, required
    while the request waits for an answer; the company's without."""
    staff = current_user.role != "company"
    citizen = found.placement.citizen if staff and found.placement is not None else None
    return CloseForm(with_note=staff, note_required=staff and found.status == "open", citizen=citizen, **kwargs)


@bp.route("/vagt", methods=["GET", "POST"])
@admin_required
def duty_page():
    """Administrators name the duty consultant (vagthavende) for requests without an active
    assignee, or nobody (:mod:`.duty`); the page says who is on duty now and what happens
    without one.

    :raise 400: with the Danish form error (a user who cannot be on duty).
    """
    form = DutyForm(candidates=duty.candidates())
    if form.validate_on_submit():
        before = duty.on_duty()
        try:
            duty.set_duty(current_user, form.chosen_id())
        except LookupError:
            form.user.errors = ["Vælg en aktiv konsulent på listen, eller »Ingen vagthavende«."]
        else:
            on_duty = duty.on_duty()
            same = before is not None and on_duty is not None and before.id == on_duty.id
            told = f" {before.name} har fået besked om, at vagten er skiftet." if before is not None and not same else ""
            flash((f"{on_duty.name} er stadig vagthavende for hotline." if same
                   else f"{on_duty.name} er nu vagthavende for hotline og har fået besked om det.{told}") if on_duty
                  else f"Ingen er vagthavende nu: henvendelser uden ansvarlig fordeles som hidtil.{told}", "success")
            return redirect(url_for("hotline.duty_page"))
    now = duty.state()
    if request.method == "GET" and now.on_duty is not None:
        form.user.data = str(now.on_duty.id)
    return render_template("hotline/duty.html", form=form, state=now), 400 if request.method == "POST" else 200
