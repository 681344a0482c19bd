"""/admin/regler: the eligibility table (benefit group × opening kind), edited by administrators.

The page posts the whole table (``allow-<group>-<kind>`` for each ticked box; unknown names
are ignored) with the values it showed (hidden ``base``: one 1 or 0 per pair, in the
vocabularies' order). Two rules guard a save (review AN 8):

* A table changed by someone else since the page was loaded (another administrator, or a
  second tab) is never silently undone: the save is refused (409), naming what the other
  person changed, and the table comes back as :mod:`portal.merge` merges a record: the other
  person's changes taken in, this user's kept, with the saved values as the new base, so saving again writes both (the citizen forms' rule,
  :mod:`portal.citizens.conflicts`).
  The check and the write are one step: the write is conditional on the table's save counter
  read before the check (:func:`eligibility.save_table`), so of two saves pressed at the same
  moment one is written and the other, checked again, gets this refusal.
* A change that stops a group from being matched to a kind (a box unticked) is saved only
  after a confirmation that names its effect: how many citizens with an open case in the
  group, and how many open openings of the kind, the pair covers now. The confirm button
  posts the removals it named (hidden ``bekraeftet``, encoded like ``base``); a post that
  removes a pair the confirmation did not name (a box unticked on the confirmation page) is
  asked about again, naming that pair (review AQ 1).

Every change is audit-logged (``eligibility_changed``, in Danish, by :func:`eligibility.save_table`).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for

from store.models import Citizen, Opening
from store.models import vocab

from .. import audit, eligibility
from ..access import admin_required
from ..extensions import db
from ..formutil import DanishForm
from ..i18n import format_number
from . import bp

Pair = tuple[str, str]
PAIRS: list[Pair] = [(group, kind) for group in vocab.BENEFIT_GROUPS for kind in vocab.OPENING_KINDS]
CONFIRM = "ja"  # the confirmation step's button: name "bekraeft"


def encoded(table: dict[Pair, bool]) -> str:
    """The table as the page's hidden ``base``: "1" or "0" per pair of :data:`PAIRS`."""
    return "".join("1" if table[pair] else "0" for pair in PAIRS)


def decoded(text: str | None) -> dict[Pair, bool] | None:
    """The ``base`` a page sent; None when it is missing or not one of this table's."""
    text = text or ""
    if len(text) != len(PAIRS) or set(text) - {"0", "1"}:
        return None
    return {pair: flag == "1" for pair, flag in zip(PAIRS, text)}


def posted_table(form) -> dict[Pair, bool]:
    """The ticked boxes of a post as a whole table."""
    ticked = {tuple(name.split("-", 2)[1:]) for name in form if name.startswith("allow-")}
    return {pair: pair in ticked for pair in PAIRS}


def pair_text(pair: Pair, allowed: bool) -> str:
    """»Sygedagpenge må tage småjob« / »… må ikke tage …«."""
    group, kind = pair
    verb = "må tage" if allowed else "må ikke tage"
    return f"{vocab.BENEFIT_GROUPS[group]} {verb} {vocab.OPENING_KINDS[kind].lower()}"


def stale_save(saved: dict[Pair, bool], base: dict[Pair, bool] | None,
               posted: dict[Pair, bool]) -> tuple[dict[Pair, bool], str] | None:
    """The merged table and the refusal's message when someone else changed the table since
    the page was loaded; None when the save may go ahead.

    Without a usable base (a page from before the check) every pair the post would change is
    counted as possibly someone else's: the post is shown again to be saved once more.
    """
    if base is None:
        theirs = [pair for pair in PAIRS if saved[pair] != posted[pair]]
        mine = set(theirs)
    else:
        theirs = [pair for pair in PAIRS if saved[pair] != base[pair]]
        mine = {pair for pair in PAIRS if posted[pair] != base[pair]}
    if not theirs:
        return None
    # A pair both changed from the same base has the same value on both sides (a box is ticked
    # or not), so only a post without a base can differ from the saved table on a pair it "changed".
    merged = {pair: posted[pair] if pair in mine else saved[pair] for pair in PAIRS}
    named = [pair_text(pair, saved[pair]) for pair in theirs]
    message = (f"Reglerne er blevet ændret af en anden, mens du redigerede, så intet er gemt endnu. "
               f"Det gemte er nu: {'; '.join(named)}.")
    if base is None:
        message += " Tabellen viser dine valg; ret dem, hvis de gemte skal bruges."
    else:
        message += " Det står nu i tabellen sammen med dine ændringer."
    return merged, message + " Tjek tabellen, og gem igen."


def effects(removed: list[Pair]) -> list[str]:
    """What unticking ``removed`` does now, pair by pair (two grouped counts, whatever the number)."""
    citizens = dict(db.session.execute(
        sa.select(Citizen.benefit_group, sa.func.count()).where(
            Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None)).group_by(Citizen.benefit_group)).all())
    openings = dict(db.session.execute(
        sa.select(Opening.kind, sa.func.count()).where(Opening.status == "open").group_by(Opening.kind)).all())
    lines = []
    for group, kind in removed:
        people, jobs = citizens.get(group, 0), openings.get(kind, 0)
        lines.append(f"{vocab.BENEFIT_GROUPS[group]} må ikke længere tage {vocab.OPENING_KINDS[kind].lower()}: "
                     f"{format_number(people)} borger{'e' if people != 1 else ''} med åben sag i gruppen kan ikke "
                     f"længere matches til {'det' if jobs == 1 else 'de'} {format_number(jobs)} åbne "
                     f"opslag af typen »{vocab.OPENING_KINDS[kind]}«, og ikke til nye.")
    return lines


def unconfirmed_text(pairs: list[Pair]) -> str:
    """Why the confirmation is shown again: the removals posted that it did not name."""
    return ("Intet er gemt endnu: du har også fjernet noget, som bekræftelsen ikke nævnte: "
            f"{'; '.join(pair_text(pair, False) for pair in pairs)}. Se virkningen herunder, og bekræft igen.")


def _page(form, table: dict[Pair, bool], base: str, *, status: int = 200, conflict: str = "",
          removed: list[Pair] | None = None, unconfirmed: list[Pair] | None = None):
    removed = removed or []
    return render_template("admin/eligibility.html", form=form, table=table, base=base, conflict=conflict,
                           removals=effects(removed) if removed else [], confirm=CONFIRM,
                           confirmed=encoded({pair: pair in removed for pair in PAIRS}),
                           unconfirmed=unconfirmed_text(unconfirmed) if unconfirmed else ""), status


SAVE_ATTEMPTS = 3  # a save that lost the race checks again on the table as it now is (see below)


def _lost_race(form, posted: dict[Pair, bool]):
    """Every attempt lost to another save that still left this page's table as it was (each
    changed it and back): refused as a page without a base is, so nothing is undone unseen."""
    saved = eligibility.current_table(db.session)
    stale = stale_save(saved, None, posted)
    if stale is None:  # the table already is what this post asks for
        flash("Ingen ændringer.", "success")
        return redirect(url_for("admin.eligibility_rules"))
    merged, message = stale
    return _page(form, merged, encoded(saved), status=409, conflict=message)


@bp.route("/regler", methods=["GET", "POST"])
@admin_required
def eligibility_rules():
    """The benefit group × opening kind table; every change is audit-logged.

    A save that another administrator's save overtook between its check and its write (both
    pressed at the same moment) writes nothing and is checked again on the table as it now is:
    normally the stale page's refusal, as if it had come a moment later.

    :raise 409: the table was changed by someone else since the page was loaded (nothing saved).
    """
    form = DanishForm()
    for _attempt in range(SAVE_ATTEMPTS):
        try:
            return _show_or_save(form)
        except eligibility.TableChanged:
            db.session.rollback()
    return _lost_race(form, posted_table(request.form))


def _show_or_save(form):
    """The page, a refusal or confirmation, or the save and its redirect.

    Raises:
        eligibility.TableChanged: another save landed after this one read the table (nothing written).
    """
    seen = eligibility.version(db.session)  # before the table: a save after this read makes ours refuse
    saved = eligibility.current_table(db.session)
    if not form.validate_on_submit():
        return _page(form, saved, encoded(saved), status=400 if request.method == "POST" else 200)
    posted = posted_table(request.form)
    if stale := stale_save(saved, decoded(request.form.get("base")), posted):
        merged, message = stale
        return _page(form, merged, encoded(saved), status=409, conflict=message)
    removed = [pair for pair in PAIRS if saved[pair] and not posted[pair]]
    if removed and request.form.get("bekraeft") != CONFIRM:
        return _page(form, posted, encoded(saved), removed=removed)
    confirmed = decoded(request.form.get("bekraeftet")) or {}
    if unconfirmed := [pair for pair in removed if not confirmed.get(pair)]:
        # Unticked on the confirmation page (or a post without its list): its effect was never shown.
        return _page(form, posted, encoded(saved), removed=removed, unconfirmed=unconfirmed)
    changes = eligibility.save_table(db.session, {pair for pair in PAIRS if posted[pair]}, seen)
    for change in changes:
        audit.record("eligibility_changed", purpose=change)
    db.session.commit()
    flash("Reglerne er gemt: " + "; ".join(changes) if changes else "Ingen ændringer.", "success")
    return redirect(url_for("admin.eligibility_rules"))
