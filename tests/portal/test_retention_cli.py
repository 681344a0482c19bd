"""`flask --app portal retention` from cron: a zero or negative period is refused, and a database
that is down is one line, not a traceback (review I 2, 10)."""
from __future__ import annotations

import sqlalchemy as sa


def test_retention_refuses_zero_days(runner):
    result = runner.invoke(args=["retention", "--days", "0"])
    assert result.exit_code == 2 and "0 is not in the range x>=1" in result.output


def test_retention_with_the_database_down_says_so_in_one_line(runner, monkeypatch):
    from portal import privacy

    def down(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT citizen", {}, ConnectionError("connection refused"))

    monkeypatch.setattr(privacy, "anonymise_expired", down)
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 1
    assert "retention: the database cannot be used (OperationalError)" in result.output
    assert "Nothing was anonymised" in result.output and "Traceback" not in result.output
