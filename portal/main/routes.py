"""Route: / shows the start page of the logged-in user's role."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from store import clock

from ..auth.sessions import ENDED_BY_LOGIN_ELSEWHERE, ended_by_login_elsewhere

from . import bp, overview, queue


@bp.get("/")
def index():
    """Start page; anonymous visitors go to the log-in page."""
    if not current_user.is_authenticated:
        if ended_by_login_elsewhere():
            flash(ENDED_BY_LOGIN_ELSEWHERE, "info")
        return redirect(url_for("auth.login"))
    if current_user.role == "company":
        template = "main/partner.html" if current_user.is_code_of_care else "main/company.html"
        return render_template(template, **overview.for_company(current_user.company_id))
    if current_user.role == "consultant":
        return render_template("main/consultant.html", **queue.for_consultant(current_user, clock.today()))
    return render_template("main/admin.html", **overview.for_admin())


@bp.get("/healthz")
def healthz():
    """Liveness probe for docker-compose (no data, no login)."""
    return {"status": "ok"}
