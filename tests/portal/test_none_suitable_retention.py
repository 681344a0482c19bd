"""»Ingen egnede kandidater lige nu«: a mark's free-text reason (it may name a citizen) is blanked
by the daily retention run 90 days after the mark ended; who marked, when and who undid it stay."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.candidates import none_suitable
from portal.extensions import db
from store import clock
from store.models import Company, Opening, OpeningNoneSuitable

pytestmark = pytest.mark.usefixtures("frozen_today")

REASON = "Anna passer ikke, ingen andre i nærheden"
DAY = timedelta(days=1)
HOLD = timedelta(days=none_suitable.HOLD_DAYS)


@pytest.fixture
def opening(app, make_user):
    vk, company_user = make_user("consultant"), make_user("company")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = vk.id
        row = Opening(company_id=company.id, title="Lagermedarbejder", status="open", kind="smaajob",
                      hours_min=5, hours_max=10, postcode="8722")
        db.session.add(row)
        db.session.commit()
        return {"id": row.id, "vk": vk.id}


def _marks(app, opening, **marks) -> dict[str, int]:
    """Marks named by the test, each ``(marked_at, undone_at)``; their ids by name."""
    with app.app_context():
        version = db.session.get(Opening, opening["id"]).version
        rows = {name: OpeningNoneSuitable(opening_id=opening["id"], user_id=opening["vk"], reason=REASON,
                                          marked_at=marked_at, opening_version=version, undone_at=undone_at,
                                          undone_by_id=opening["vk"] if undone_at else None)
                for name, (marked_at, undone_at) in marks.items()}
        db.session.add_all(rows.values())
        db.session.commit()
        return {name: row.id for name, row in rows.items()}


def _reasons(app, ids: dict[str, int]) -> dict[str, str]:
    with app.app_context():
        return {name: db.session.get(OpeningNoneSuitable, row_id).reason for name, row_id in ids.items()}


def test_a_reason_is_blanked_90_days_after_its_mark_ended_and_not_sooner(app, opening):
    now = clock.utcnow()
    ids = _marks(app, opening,
                 undone_91_days_ago=(now - 100 * DAY, now - 91 * DAY),
                 undone_89_days_ago=(now - 95 * DAY, now - 89 * DAY),
                 expired_91_days_ago=(now - HOLD - 91 * DAY, None),
                 expired_89_days_ago=(now - HOLD - 89 * DAY, None),
                 running=(now - 2 * DAY, None))
    with app.app_context():
        assert none_suitable.blank_old_reasons(db.session, now) == 2
        db.session.commit()
    assert _reasons(app, ids) == {"undone_91_days_ago": "", "undone_89_days_ago": REASON,
                                  "expired_91_days_ago": "", "expired_89_days_ago": REASON, "running": REASON}
    with app.app_context():  # the history stays: who marked, when, who undid it
        row = db.session.get(OpeningNoneSuitable, ids["undone_91_days_ago"])
        assert (row.user_id, row.undone_by_id, row.opening_id) == (opening["vk"], opening["vk"], opening["id"])
        assert row.marked_at == now - 100 * DAY and row.undone_at == now - 91 * DAY
        assert none_suitable.blank_old_reasons(db.session, now) == 0  # nothing twice


def test_a_mark_the_opening_edit_ended_counts_from_its_hold_as_the_edit_time_is_not_kept(app, opening):
    """Marked 100 days ago, the opening edited the day after: the portal knows only that the mark
    ended by its 14 days (86 days ago), so the reason is kept until 90 days after that."""
    now = clock.utcnow()
    ids = _marks(app, opening, edited=(now - 100 * DAY, None))
    with app.app_context():
        db.session.get(Opening, opening["id"]).hours_max = 15  # a new version: the mark no longer holds
        db.session.commit()
        assert none_suitable.blank_old_reasons(db.session, now) == 0
        assert none_suitable.blank_old_reasons(db.session, now + 5 * DAY) == 1
        db.session.commit()
    assert _reasons(app, ids) == {"edited": ""}


def test_the_daily_retention_run_blanks_them(app, opening, runner):
    now = clock.utcnow()
    ids = _marks(app, opening, old=(now - HOLD - 91 * DAY, None), recent=(now - HOLD - 10 * DAY, None))
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "1 reasons of ended »Ingen egnede kandidater« marks blanked" in result.output
    assert _reasons(app, ids) == {"old": "", "recent": REASON}


def test_the_marks_go_with_the_opening(app, opening):
    now = clock.utcnow()
    _marks(app, opening, running=(now - DAY, None), undone=(now - 3 * DAY, now - 2 * DAY))
    with app.app_context():
        db.session.execute(sa.delete(Opening).where(Opening.id == opening["id"]))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OpeningNoneSuitable)) == 0
