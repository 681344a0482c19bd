"""Hand-made citizens, companies, placements and hours for the dashboard tests."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from portal.dashboard.facts import Scope
from portal.extensions import db
from store.models import (Citizen, Company, CvDocument, HoursLog, Interview, JobGoal, Opening,
                          Placement, Proposal)

AS_OF = date(2026, 6, 15)
WINDOW_START = date(2025, 6, 16)  # first day of the 12 months up to AS_OF (review BA 1: not the 15th)
TWELVE_MONTHS_BEFORE = date(2025, 6, 15)  # a case started by then is 12 months old on AS_OF


class World:
    """Builds hand-made citizens, companies, placements and hours in the test database."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def company(self, consultant_id: int | None = None) -> int:
        with self.app.app_context():
            self._n += 1
            company = Company(name=f"Virksomhed {self._n}", cvr=f"{20000000 + self._n}",
                              postcode="8722", consultant_id=consultant_id)
            db.session.add(company)
            db.session.commit()
            return company.id

    def citizen(self, case_start: date = date(2024, 1, 1), *, matchable: bool = False,
                cv_at: datetime | None = None, **fields) -> int:
        with self.app.app_context():
            values = dict(name="Testborger", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="paa_vej", case_start=case_start)
            values.update(fields)
            citizen = Citizen(**values)
            if matchable:
                citizen.job_goals = [JobGoal(title="Lagermedarbejder", position=0)]
                citizen.cv_documents = [CvDocument(text="Erfaren lagermand", content_type="txt",
                                                   created_at=cv_at or datetime(2024, 1, 1, tzinfo=timezone.utc))]
            db.session.add(citizen)
            db.session.commit()
            return citizen.id

    def placement(self, citizen_id: int, kind: str, start: date, end: date | None = None,
                  end_reason: str | None = None, company_id: int | None = None,
                  hours: dict[date, str] | None = None) -> int:
        company_id = company_id or self.company()
        with self.app.app_context():
            placement = Placement(citizen_id=citizen_id, company_id=company_id, kind=kind,
                                  start_date=start, end_date=end, end_reason=end_reason)
            placement.hours = [HoursLog(month=m, hours=Decimal(h)) for m, h in (hours or {}).items()]
            db.session.add(placement)
            db.session.commit()
            return placement.id

    def proposal(self, citizen_id: int, created: datetime, decided: datetime | None = None, *,
                 status: str | None = None, answered: datetime | None = None, response: str = "interested",
                 disclosed: datetime | None = None, interview: datetime | None = None,
                 interview_status: str = "booked") -> int:
        """A proposal of the citizen to a new opening, made (and decided) at the given moments.

        ``answered``: the company's answer (``response``) at that moment; ``disclosed``: the
        name shared then (``disclosed_at``); ``interview``: a job interview at that moment.
        """
        company_id = self.company()
        with self.app.app_context():
            opening = Opening(company_id=company_id, kind="smaajob", title="Lager", postcode="8722", status="open")
            db.session.add(opening)
            db.session.flush()
            proposal = Proposal(citizen_id=citizen_id, opening_id=opening.id, created_at=created,
                                decided_at=decided, status=status or ("approved" if decided else "proposed"),
                                company_response=response if answered else None, company_responded_at=answered,
                                disclosed_at=disclosed)
            db.session.add(proposal)
            db.session.flush()
            if interview:
                db.session.add(Interview(proposal_id=proposal.id, starts_at=interview, offered_by="company",
                                         status=interview_status, uid=f"test-{proposal.id}@jobbro"))
            db.session.commit()
            return proposal.id

    def metric(self, func, as_of: date = AS_OF, scope: Scope = Scope()):
        with self.app.app_context():
            return func(db.session, as_of, scope)
