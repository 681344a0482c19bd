"""Helpers shared by the citizen routes: committing a citizen's change (loading a citizen and the
fail-closed read audit are :mod:`portal.access`'s, since other areas read citizens too), and the
answer when someone else's save of the citizen lands while this one is on its way."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, redirect, request, url_for
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from . import bp

STALE_MESSAGE = "Borgeren blev ændret af en anden imens. Se de nye oplysninger og prøv igen."

# endpoint -> the page shown again (with the posted form kept) when a save of it is refused
_STALE_PAGES: dict[str, Callable[[int], object]] = {}


def on_stale(endpoint: str):
    """Register the page a route shows again, with what was posted kept and the conflict said,
    when the citizen's version check refuses its save (:func:`stale_save`)."""
    def register(render: Callable[[int], object]):
        _STALE_PAGES[f"{bp.name}.{endpoint}"] = render
        return render
    return register


@bp.errorhandler(StaleDataError)
def stale_save(error: StaleDataError):
    """Someone else's save of the citizen landed while this one was on its way (review BH 1): the
    version check fires at a flush anywhere in the unit (an autoflush in a service's query, the
    flash text's read, the commit). Nothing is saved: the whole unit is rolled back, and the
    route's page comes back with the posted form (:func:`on_stale`), or, for a route without
    one, the citizen page says so. Never a 500."""
    db.session.rollback()
    current_app.logger.info("citizen save refused by the version check (%s): %s", request.endpoint, error)
    citizen_id = (request.view_args or {}).get("citizen_id")
    render = _STALE_PAGES.get(request.endpoint or "")
    if render is not None and citizen_id is not None:
        return render(citizen_id)
    flash(STALE_MESSAGE, "error")
    if citizen_id is None:
        return redirect(url_for(".index"), 303)
    return redirect(url_for(".detail", citizen_id=citizen_id), 303)


def commit_or_refuse() -> bool:
    """Commit the service's change; False (rolled back, nothing flashed) when someone else's save
    of the citizen landed in between (the version check), so the caller can show the form again
    with what was typed and what the other one saved."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def posted_version(form) -> bool:
    """Whether the POST carries the version its page was loaded with (a hand-made POST, or a page
    rendered before the field existed, has none and is saved as before)."""
    return form.version.name in request.form


def commit_or_flash(success: str | Callable[[], str]) -> bool:
    """Commit the service's change and say ``success``; always True.

    A concurrent edit (the version check) is not caught here: it rolls back the whole unit in
    :func:`stale_save`, which shows the route's page again with what was posted. ``success`` may
    be a callable: the text is then built after the commit (reading the citizen before it would
    flush the change outside the check, review BH 1)."""
    db.session.commit()
    flash(success() if callable(success) else success, "success")
    return True
