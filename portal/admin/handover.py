"""Routes for handing a user's caseload over: /admin/users/<id>/overdrag, and the confirmation
before deactivating a user who holds cases (/admin/users/<id>/deaktiver), whose »Deaktivér og
overdrag« posts to the toggle route, which is here too. The work is in :mod:`.caseload` and
:mod:`.service`.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from ..access import admin_required
from ..auth.sessions import confirm_first
from ..extensions import db
from ..formutil import attach_error
from ..hotline import duty
from ..i18n import and_list, plural
from store.models import User
from . import bp, caseload, service
from .forms import HandoverForm
from .routes import person_or_404


def _page(user: User, held: service.Holdings | None, form: HandoverForm, *, deactivate: bool) -> str:
    """The confirmation (``deactivate``) or the handover form; without the form when ``user``
    holds only citizens under restricted processing, whom nobody can take over yet. The
    confirmation names the API keys that deactivating revokes for good (review AN 11), and says
    that the hotline's duty becomes vacant when ``user`` has it (review AP 3)."""
    keys = service.live_keys([user.id]).get(user.id, 0) if deactivate else 0
    return render_template("admin/handover.html", person=user, held=held, form=form, deactivate=deactivate,
                           keys=keys, on_duty=deactivate and is_on_duty(user),
                           restricted_note=restricted_text(user, held) if held and held.restricted else "")


def is_on_duty(user: User) -> bool:
    """Whether ``user`` is the hotline's duty consultant now (:func:`.duty.on_duty`)."""
    on_duty = duty.on_duty()
    return on_duty is not None and on_duty.id == user.id


DUTY_VACANT = ("{name} var vagthavende for hotlinen og er det ikke længere: en deaktiveret bruger har ikke "
               "vagten. Vælg en ny vagthavende under Hotline (/hotline/vagt); indtil da går henvendelser uden "
               "ansvarlig til dem, der får dem, når ingen har vagten.")


# Another administrator moved some of the cases between the page's load and this save: the
# citizens' version counter (StaleDataError) or a constraint (IntegrityError) refused the
# write, and nothing of this handover is saved (review BH 12).
CHANGED_MEANWHILE = (sa.exc.IntegrityError, StaleDataError)


def changed_meanwhile(user: User) -> str:
    """Said when a handover found ``user``'s cases moved meanwhile: nothing handed over."""
    return (f"En anden administrator har netop ændret {_genitive(user.name)} sager, mens du overdrog dem, så intet er "
            "overdraget. Siden viser nu det, der er tilbage; vælg igen, og tryk »Overdrag«.")


def _genitive(name: str) -> str:
    """»Camilla Baks«, »Jens'« (a name ending in s, x or z takes an apostrophe)."""
    return f"{name}'" if name.endswith(("s", "x", "z")) else f"{name}s"


def _try_again(user: User) -> str:
    """:func:`changed_meanwhile` on the confirmation before deactivating: nothing is saved."""
    return (f"En anden administrator har netop ændret {_genitive(user.name)} sager, mens du overdrog dem, så intet er "
            f"gemt: {user.name} er hverken deaktiveret eller har overdraget noget. Siden viser nu det, der er "
            "tilbage; prøv igen.")


def handover_form(user: User) -> HandoverForm:
    form = HandoverForm()
    form.successor_id.choices = caseload.successor_choices(user.id)
    return form


@bp.get("/users/<int:user_id>/deaktiver")
@admin_required
def confirm_deactivate(user_id: int):
    """Before deactivating a user who holds open cases (as VK or adviser), companies or hotline
    requests, or API keys that work: how many leave matching and the goal, and a successor to
    give them to in the same step (»Deaktivér og overdrag«), or deactivate without handing over;
    how many API keys are revoked (reactivating brings none back). Citizens under restricted
    processing are named apart (nobody can take them over yet); a user who holds only those (or
    only keys) is offered the deactivation alone. The hotline's duty consultant is told that
    the duty becomes vacant (review AP 3). A user who holds nothing and is not on duty (or is
    not active) goes straight back to the list, whose button deactivates at once.

    :raise 404: if ``user_id`` does not exist.
    """
    user = person_or_404(user_id)
    held = service.holdings([user.id], include_active=True)
    if not user.active or not (held or service.live_keys([user.id]) or is_on_duty(user)):
        return redirect(url_for("admin.users"))
    return _page(user, held[0] if held else None, handover_form(user), deactivate=True)


@bp.route("/users/<int:user_id>/overdrag", methods=["GET", "POST"])
@admin_required
def handover(user_id: int):
    """Give all of a user's open cases (as VK and as adviser), companies (VK) and hotline
    requests not closed to one active consultant, in one transaction (audited; the matching
    index is told about each citizen). For a deactivated user, or an active one going on leave.
    A user who holds nothing that can be handed over (restricted citizens only) is sent back
    to the list with a message saying why.

    Needs a fresh login.  :raise 404: if ``user_id`` does not exist.  :raise 400: with the form errors.
    """
    if stale := confirm_first("før du overdrager sager", url_for("admin.handover", user_id=user_id)):
        return stale
    user = person_or_404(user_id)
    form = handover_form(user)
    held = service.holdings([user.id], include_active=True)
    if form.is_submitted() and not (form.citizens.data or form.advised.data or form.companies.data
                                    or form.requests.data):
        form.validate()  # the other fields' errors too
        form.form_errors.append("Vælg mindst én slags sager at overdrage: borgere, virksomheder eller henvendelser.")
    elif form.validate_on_submit():
        try:
            done = caseload.hand_over(user, db.session.get(User, form.successor_id.data), citizens=form.citizens.data,
                                     advised=form.advised.data, companies=form.companies.data,
                                     requests=form.requests.data, by=current_user)
            db.session.commit()
        except service.AccountRuleError as refusal:
            db.session.rollback()
            attach_error(form, refusal)
        except CHANGED_MEANWHILE:
            db.session.rollback()
            return _changed_meanwhile(user, form)
        else:
            flash_handover(user, done)
            return redirect(url_for("admin.users"))
    if request.method == "GET" and not (held and held[0].movable):
        flash(f"{user.name} har ingen sager at overdrage.", "info")
        if held:
            flash(restricted_text(user, held[0]), "warning")
        return redirect(url_for("admin.users"))
    status = 400 if request.method == "POST" else 200
    return _page(user, held[0] if held else None, form, deactivate=False), status


def _changed_meanwhile(user: User, form: HandoverForm):
    """The handover page again with ``user``'s holdings as they are now and what was chosen
    (409); with nothing left to hand over, the users list says so."""
    held = service.holdings([user.id], include_active=True)
    if not (held and held[0].movable):
        flash(f"En anden administrator har netop overdraget {_genitive(user.name)} sager; der er intet tilbage at "
              "overdrage, og din overdragelse er ikke gemt.", "info")
        return redirect(url_for("admin.users"))
    form.form_errors.append(changed_meanwhile(user))
    return _page(user, held[0], form, deactivate=False), 409


def flash_handover(user: User, done: caseload.Handover) -> None:
    """»202 borgere, 16 virksomheder og 29 henvendelser er overdraget til …« (or that nothing was);
    the citizens held as adviser are named as such (»… 202 borgere som VK, 438 borgere som
    rådgiver …«)."""
    if not done:
        flash(f"Der var intet at overdrage fra {user.name}.", "info")
    else:
        as_vk = " som VK" if done.advised else ""
        parts = [text for count, text in (
            (done.citizens, f"{done.citizens} {plural(done.citizens, 'borger', 'borgere')}{as_vk}"),
            (done.advised, f"{done.advised} {plural(done.advised, 'borger', 'borgere')} som rådgiver"),
            (done.companies, f"{done.companies} {plural(done.companies, 'virksomhed', 'virksomheder')}"),
            (done.requests, f"{done.requests} {plural(done.requests, 'henvendelse', 'henvendelser')}"),
        ) if count]
        flash(f"{and_list(parts)} er overdraget fra {user.name} til {done.successor}.", "success")
    if done.restricted:
        one = done.restricted == 1
        citizens = f"{done.restricted} {plural(done.restricted, 'borger', 'borgere')}"
        flash(f"{citizens} med begrænset behandling er ikke overdraget "
              f"({'den' if one else 'de'} kan ikke ændres, mens begrænsningen gælder) og har stadig {user.name} "
              f"som {' eller '.join(done.restricted_roles)}.",
              "warning")


@bp.post("/users/<int:user_id>/toggle")
@admin_required
def toggle_user(user_id: int):
    """Disable or enable a user; disabling ends all of their sessions, kills a pending link and
    revokes their API keys (enabling the user again brings none back).

    Needs a fresh login (a stale one is sent to confirm the password and back to the list).
    Refuses, with a message on the list, to disable the administrator's own account or the
    last active administrator. A form says which state it asks for (``til``: "aktiv" or
    "inaktiv"), so sending it twice (a double click, Back and send again, a second
    administrator) changes nothing the second time instead of flipping the user back.

    The list's form sends its page (``side``), and the answer goes back to that page.

    :raise 404: if ``user_id`` does not exist.
    """
    side = request.form.get("side", type=int)
    back = url_for("admin.users", side=side if side and side > 1 else None)
    if stale := confirm_first("før du deaktiverer eller aktiverer en bruger", back):
        return stale
    user = person_or_404(user_id)
    wanted = request.form.get("til")  # the state the form was for: a repeat must not flip it back
    if wanted in ("aktiv", "inaktiv") and user.active == (wanted == "aktiv"):
        flash(f"{user.name} er allerede {'aktiv' if user.active else 'deaktiveret'}; intet er ændret.", "info")
        return redirect(back)
    if user.active and (keys := service.live_keys([user.id]).get(user.id, 0)) \
            and request.form.get("noegler", type=int) != keys:
        # Keys would be revoked for good: only from the confirmation that counted them (review AN 11).
        if request.form.get("noegler") is not None:
            flash(f"{user.name} har fået andre API-nøgler, siden siden blev vist. Se antallet igen, før du "
                  "deaktiverer.", "warning")
        return redirect(url_for("admin.confirm_deactivate", user_id=user.id))
    had_duty = user.active and is_on_duty(user)
    if had_duty and request.form.get("noegler") is None:
        # The list's button: first the confirmation, which says the duty becomes vacant (review AP 3).
        return redirect(url_for("admin.confirm_deactivate", user_id=user.id))
    done = None
    if user.active and request.form.get("overdrag"):
        # »Deaktivér og overdrag til …« (the confirmation page): both in one transaction.
        form = handover_form(user)
        if not form.validate_on_submit():
            held = service.holdings([user.id], include_active=True)
            return _page(user, held[0] if held else None, form, deactivate=True), 400
        try:
            # Deactivated in the same step: told nothing (as any deactivated user).
            done = caseload.hand_over(user, db.session.get(User, form.successor_id.data), by=current_user,
                                      tell_leaving=False)
        except service.AccountRuleError as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return redirect(url_for("admin.confirm_deactivate", user_id=user.id))
        except CHANGED_MEANWHILE:
            db.session.rollback()
            flash(_try_again(user), "error")
            return redirect(url_for("admin.confirm_deactivate", user_id=user.id))
    try:
        revoked = service.toggle_active(user, current_user)
        db.session.commit()
    except service.AccountRuleError as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
        return redirect(back)
    except CHANGED_MEANWHILE:  # the handover's cases moved meanwhile: neither step is saved
        db.session.rollback()
        flash(_try_again(user), "error")
        return redirect(url_for("admin.confirm_deactivate", user_id=user.id))
    if done is not None:
        flash_handover(user, done)
    keys = f" {revoked} {plural(revoked, 'API-nøgle', 'API-nøgler')} er tilbagekaldt." if revoked else ""
    flash(f"{user.name} er {'aktiveret' if user.active else 'deaktiveret'}.{keys}", "success")
    if had_duty and not user.active:
        flash(DUTY_VACANT.format(name=user.name), "warning")
    elif user.active and is_on_duty(user):  # named before the deactivation, and never replaced
        flash(f"{user.name} er igen vagthavende for hotlinen (valgt før deaktiveringen). Skift vagthavende "
              "under Hotline (/hotline/vagt), hvis det ikke skal være sådan.", "info")
    held = [] if user.active else service.holdings([user.id])
    if held and held[0].movable:
        flash(f"{user.name} har stadig {_held_text(held[0])}. Giv dem til en anden: se »Deaktiverede brugere, "
              "der stadig har sager« øverst på siden.", "warning")
    if held and held[0].restricted and not (done is not None and done.restricted):
        # Not a second time after the handover's own message about them (flash_handover).
        flash(restricted_text(user, held[0]), "warning")
    return redirect(f"{back}#deaktiverede" if held else back)


def restricted_text(user: User, held: service.Holdings) -> str:
    """"X er stadig VK for 2 borgere og rådgiver for 1 borger med begrænset behandling; de kan
    først overdrages, når begrænsningen er ophævet" (never »giv dem til en anden«: nobody can, yet)."""
    parts = [f"{role} for {count} {plural(count, 'borger', 'borgere')}"
             for role, count in (("VK", held.restricted_citizens), ("rådgiver", held.restricted_advised)) if count]
    one = held.restricted == 1
    return (f"{user.name} er stadig {and_list(parts)} med begrænset behandling; "
            f"{'den' if one else 'de'} kan først overdrages, når begrænsningen er ophævet.")


def _held_text(held: service.Holdings) -> str:
    """"5 borgere med åben sag som VK, 1 virksomhed som VK og 2 hotline-henvendelser, der ikke er lukket"
    (what can be handed over; citizens under restricted processing are :func:`restricted_text`'s)."""
    one = held.citizens == 1
    parts = [text for count, text in (
        (held.citizens, f"{held.citizens} {plural(held.citizens, 'borger', 'borgere')} med åben sag som VK "
                        f"({'den' if one else 'de'} kan ikke matches, før {'den' if one else 'de'} får en ny VK)"),
        (held.advised,
         f"{held.advised} {plural(held.advised, 'borger', 'borgere')} med åben sag som rådgiver"),
        (held.companies, f"{held.companies} {plural(held.companies, 'virksomhed', 'virksomheder')} som VK"),
        (held.requests, f"{held.requests} hotline-{plural(held.requests, 'henvendelse', 'henvendelser')}, "
                        "der ikke er lukket"),
    ) if count]
    return and_list(parts)
