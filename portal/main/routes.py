"""Route: / shows the start page of the logged-in user's role."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from store import clock

from ..auth.sessions import ENDED_BY_LOGIN_ELSEWHERE, ended_by_login_elsewhere

from . import about, bp, overview, queue


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
    return render_template("main/admin.html", **overview.for_admin(current_user, clock.today()))


@bp.get("/om/privatliv")
def privacy():
    """The privacy notice (GDPR art. 13 and 14): public, so it can be read before logging in."""
    return render_template("main/privacy.html", **about.facts(current_app.config))


@bp.get("/om/tilgaengelighed")
def accessibility():
    """The accessibility statement webtilgængelighedsloven requires of a public-sector site: the
    job centre's own when ``ACCESSIBILITY_STATEMENT_URL`` names it, else the one Jobbro ships."""
    if current_app.config["ACCESSIBILITY_STATEMENT_URL"]:
        return redirect(current_app.config["ACCESSIBILITY_STATEMENT_URL"])
    return render_template("main/accessibility.html", **about.facts(current_app.config))
