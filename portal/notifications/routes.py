"""Routes under /beskeder: the user's notifications and their mail choices.

Every user sees only their own notifications (another user's id is 404). Marking read is
a POST with CSRF.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import bp, service
from .forms import MailChoicesForm, MarkAllReadForm, OpenForm


def _safe_link(link: str) -> str:
    """The item's portal path; anything else (absolute URL, ``//host``) goes to the list."""
    if link.startswith("/") and not link.startswith(("//", "/\\")):
        return link
    return url_for("notifications.index")


@bp.get("/")
@login_required
def index():
    """The user's notifications, newest first, unread marked; ``?side=N`` pages through them."""
    page = service.page_of(current_user.id, request.args.get("side", 1, type=int) or 1)
    return render_template("notifications/index.html", items=page.items, page=page,
                           vocab_kinds=service.NOTIFICATION_KINDS,
                           open_form=OpenForm(formdata=None), all_form=MarkAllReadForm(formdata=None))


@bp.post("/<int:notification_id>/aabn")
@login_required
def open_item(notification_id: int):
    """Mark the notification read and go where it is handled.

    :raise 404: if it is not the current user's.
    :raise 400: without a valid CSRF token.
    """
    if not OpenForm().validate_on_submit():
        abort(400)
    note = service.open_item(current_user.id, notification_id)
    if note is None:
        abort(404)
    return redirect(_safe_link(note.link))


@bp.post("/laest")
@login_required
def mark_all_read():
    """Mark every notification of the current user read.

    :raise 400: without a valid CSRF token.
    """
    if not MarkAllReadForm().validate_on_submit():
        abort(400)
    count = service.mark_all_read(current_user.id)
    flash(f"{count} beskeder er markeret som læst." if count != 1 else "1 besked er markeret som læst.",
          "success")
    return redirect(url_for("notifications.index"))


@bp.route("/indstillinger", methods=["GET", "POST"])
@login_required
def settings():
    """Tick which kinds of notification the user also gets by e-mail."""
    kinds = service.kinds_for(current_user)
    form = MailChoicesForm()
    form.kinds.choices = kinds
    if form.validate_on_submit():
        service.set_mail_choices(current_user, form.kinds.data or [])
        flash("Dine valg er gemt.", "success")
        return redirect(url_for("notifications.settings"))
    if not form.is_submitted():
        form.kinds.data = [kind for kind, _ in kinds if not service.mail_off(current_user, kind)]
    return render_template("notifications/settings.html", form=form, has_kinds=bool(kinds))
