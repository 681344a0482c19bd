"""`flask --app portal retention` from cron: a zero or negative period is refused, and a database
that is down is one line, not a traceback (review I 2, 10)."""
from __future__ import annotations

import sqlalchemy as sa


def test_retention_refuses_zero_days(runner):
    result = runner.invoke(args=["retention", "--days", "0"])
    assert result.exit_code == 2 and "0 is not in the range x>=1147" in result.output


def test_retention_refuses_a_period_shorter_than_the_figures_reach(runner):
    """Review AW 2: a case anonymised sooner may still count in a month /maal shows (its CV and
    jobmål go), so --days takes no less than RETENTION_DAYS does."""
    result = runner.invoke(args=["retention", "--days", "1146"])
    assert result.exit_code == 2 and "1146 is not in the range x>=1147" in result.output


def test_the_shortest_retention_lies_before_the_figures_reach_on_every_day():
    """A case closed MIN_RETENTION_DAYS before any day lies before the first day any figure reads
    (coarsening.reach_start), so anonymising it changes no month /maal can show."""
    from datetime import date, timedelta

    from portal.config import MIN_RETENTION_DAYS
    from portal.privacy.coarsening import FIGURES_REACH_MONTHS, reach_start

    assert MIN_RETENTION_DAYS == (FIGURES_REACH_MONTHS + 1) * 31

    day = date(2026, 1, 1)
    while day < date(2030, 1, 1):
        assert day - timedelta(days=MIN_RETENTION_DAYS) < reach_start(day), day
        day += timedelta(days=1)
    # and not much more than needed: a year's worst day is within a month of it
    assert max((d - reach_start(d)).days for d in (date(2028, 3, 31), date(2027, 12, 31))) > MIN_RETENTION_DAYS - 31


def test_retention_with_the_database_down_says_so_in_one_line(runner, monkeypatch):
    from portal.privacy import retention

    def down(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT citizen", {}, ConnectionError("connection refused"))

    monkeypatch.setattr(retention, "anonymise_expired", down)
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 1
    assert "retention: the database cannot be used (OperationalError)" in result.output
    assert "Nothing was anonymised" in result.output and "Traceback" not in result.output
