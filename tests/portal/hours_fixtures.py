"""A company with a disclosed and an undisclosed placement in October 2026 (export and privacy tests)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from portal import consents
from portal.extensions import db
from store.models import Citizen, Consent, HoursLog, Opening, Placement, Proposal
from tests.clock import TODAY

NAME = "Qzvwxy Navnesen"
MARKER = "ZQXSECRET"


def build_world(app, make_user) -> dict:
    """Company A: Lagerhjælp (disclosed, live consent) and Kantine (approved only, a marker citizen)."""
    consultant = make_user("consultant", email="vk@jc.dk")
    company = make_user("company", email="a@firma.dk")
    other = make_user("company", email="b@firma.dk")
    with app.app_context():
        named = Citizen(name=NAME, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                        case_start=date(2026, 1, 5), hours_available=20, vk_id=consultant.id)
        hidden = Citizen(name=f"{MARKER}navn", phone=f"{MARKER}tlf", email=f"{MARKER}@mail.dk",
                         postcode="8722", benefit_group="ressourceforloeb", readiness_group="paa_vej",
                         case_start=date(2025, 1, 1), hours_available=20, vk_id=consultant.id,
                         limitations_text=f"{MARKER}skåne")
        lager = Opening(company_id=company.company_id, kind="smaajob", title="Lagerhjælp", postcode="8722",
                        hours_min=5, hours_max=15, status="filled")
        kantine = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="=Kantine",
                          postcode="8722", hours_min=5, hours_max=30, status="filled")
        db.session.add_all([named, hidden, lager, kantine])
        db.session.flush()
        first = Placement(citizen_id=named.id, company_id=company.company_id, opening_id=lager.id,
                          kind="smaajob", start_date=date(2026, 3, 2), weekly_hours=7.5)
        second = Placement(citizen_id=hidden.id, company_id=company.company_id, opening_id=kantine.id,
                           kind="virksomhedspraktik", start_date=date(2026, 9, 14),
                           end_date=date(2026, 12, 4), weekly_hours=20)
        disclosed = Proposal(citizen_id=named.id, opening_id=lager.id, status="disclosed",
                             decided_by_id=consultant.id)
        approved = Proposal(citizen_id=hidden.id, opening_id=kantine.id, status="approved",
                            decided_by_id=consultant.id)
        db.session.add_all([first, second, disclosed, approved])
        db.session.flush()
        db.session.add(Consent(proposal_id=disclosed.id, text_version=consents.CONSENT_TEXT_VERSION,
                               channel="telefon", deadline=TODAY + timedelta(days=60),
                               recorded_by_id=consultant.id))
        db.session.add_all([HoursLog(placement_id=first.id, month=date(2026, 10, 1), hours=Decimal("12.5")),
                            HoursLog(placement_id=second.id, month=date(2026, 10, 1), hours=Decimal("86"))])
        db.session.commit()
        return {"company": company, "other": other, "consultant": consultant,
                "named": first.id, "hidden": second.id, "hidden_citizen": hidden.id}
