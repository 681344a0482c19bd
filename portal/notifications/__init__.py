"""Notifications: the in-portal list ("Beskeder") and the durable mail queue behind it.

Every event a user is told about goes through :func:`portal.notifications.service.notify`,
in the same transaction as the change it reports. :func:`init_app` adds the unread count
to every page and, after a request that queued mail, kicks the mail worker
(:mod:`.mailer`), so a response never waits for an SMTP server.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db

bp = Blueprint("notifications", __name__, url_prefix="/beskeder")

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Template global ``unread_notifications()``, notices marked read when the page they
    link to is opened or what they ask is done (:func:`.service.mark_seen`), and the
    after-request mail kick."""
    from . import service

    @app.context_processor
    def _unread():
        return {"unread_notifications": service.unread_badge}

    @app.before_request
    def _seen() -> None:
        # Before the view, so the page's own header badge already leaves the notice out.
        if request.method != "GET" or request.endpoint in (None, "static") or not current_user.is_authenticated:
            return
        if not g.get("unread_notifications"):  # read with the user: nothing unread, nothing to mark
            return
        try:
            service.mark_seen(current_user.id, {request.path, request.full_path.rstrip("?")}, app.url_map)
        except SQLAlchemyError as exc:  # the page still renders; the notice stays unread
            db.session.rollback()
            log.warning("could not mark notices read: %s", type(exc).__name__)

    @app.after_request
    def _kick_mail(response: Response) -> Response:
        # Only after the view committed: pending changes mean the mail rows may never be
        # written (and an inline drain would wait for the view's lock); the worker loop
        # sends whatever did get committed.
        if g.pop("mail_queued", False) and not (db.session.new or db.session.dirty or db.session.deleted):
            from . import mailer

            try:
                mailer.kick(current_app._get_current_object())
            except Exception as exc:  # noqa: BLE001 - the mails stay queued for the worker
                log.error("could not start the mail worker: %s", type(exc).__name__)
        return response


from . import routes  # noqa: E402,F401
