"""Review BG 2: the case system's last company-based placement (``Citizen.prior_company_placement_end``)
counts beside the portal's own: a profile's ``last_company_placement`` is the later of the two,
on the ORM path, the ranking's Core read and through its profile cache; without it, the profile
says from which day the portal knows the citizen's placements (the day the citizen came in)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from portal.extensions import db
from store.models import Citizen, Company, CvDocument, JobGoal, Placement
from store.profiles import ProfileCache, citizen_profiles, matchable_profiles

TODAY = date(2026, 12, 2)
CAME_IN = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)  # 1 December in Copenhagen


def _citizen(name: str, vk_id: int, prior: date | None) -> Citizen:
    citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=12.5,
                      readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk_id, languages="dansk",
                      prior_company_placement_end=prior, created_at=CAME_IN)
    citizen.job_goals.append(JobGoal(title="Lagermedarbejder", position=0))
    citizen.cv_documents.append(CvDocument(text="Truck og lager."))
    return citizen


def test_the_later_of_the_portals_and_the_case_systems_placement(app, make_user):
    vk = make_user("consultant")
    with app.app_context():
        company = Company(name="Lager A/S", cvr="12345678", postcode="8722")
        earlier_in_portal = _citizen("Praktik før", vk.id, prior=date(2026, 8, 31))
        later_in_portal = _citizen("Praktik efter", vk.id, prior=date(2025, 9, 30))
        only_prior = _citizen("Kun fagsystem", vk.id, prior=date(2025, 12, 19))
        nothing = _citizen("Intet kendt", vk.id, prior=None)
        db.session.add_all([company, earlier_in_portal, later_in_portal, only_prior, nothing])
        db.session.flush()
        for who, end in ((earlier_in_portal, date(2026, 5, 31)), (later_in_portal, date(2026, 10, 31))):
            db.session.add(Placement(citizen_id=who.id, company_id=company.id, kind="virksomhedspraktik",
                                     start_date=date(2026, 3, 1), end_date=end, weekly_hours=10))
        db.session.commit()
        ids = [earlier_in_portal.id, later_in_portal.id, only_prior.id, nothing.id]

        profiles, _ = matchable_profiles(db.session, ids, TODAY)
        assert {i: p.last_company_placement for i, p in profiles.items()} == {
            earlier_in_portal.id: date(2026, 8, 31), later_in_portal.id: date(2026, 10, 31),
            only_prior.id: date(2025, 12, 19), nothing.id: None}
        # known from the case system: no day before which the history is unknown
        assert {i: p.placements_known_from for i, p in profiles.items()} == {
            earlier_in_portal.id: None, later_in_portal.id: None, only_prior.id: None,
            nothing.id: date(2026, 12, 1)}
        rows = db.session.query(Citizen).filter(Citizen.id.in_(ids)).all()
        assert citizen_profiles(db.session, rows, TODAY) == profiles  # the ORM path alike


def test_the_cached_profile_follows_a_changed_prior_placement(app, make_user):
    vk = make_user("consultant")
    with app.app_context():
        citizen = _citizen("Ane", vk.id, prior=None)
        db.session.add(citizen)
        db.session.commit()
        cache = ProfileCache()
        assert matchable_profiles(db.session, [citizen.id], TODAY, cache)[0][citizen.id].last_company_placement is None
        citizen.prior_company_placement_end = date(2026, 2, 27)
        db.session.commit()
        again = matchable_profiles(db.session, [citizen.id], TODAY, cache)[0][citizen.id]
        assert (again.last_company_placement, again.placements_known_from) == (date(2026, 2, 27), None)
