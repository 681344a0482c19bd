"""store.profiles.matchable_profiles (the ranking's Core read) gives exactly the profiles of
the ORM path: citizen_profiles over the rows is_indexable_citizen accepts."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from portal.extensions import db
from store.models import Citizen, Company, CvDocument, JobGoal, Placement, User
from store.profiles import citizen_profiles, is_indexable_citizen, load_citizens, matchable_profiles

TODAY = date(2026, 12, 2)


def _citizen(name, vk_id, goals=("Lagermedarbejder",), cvs=("Truck og lager.",), **fields):
    citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=12.5,
                      readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk_id,
                      max_commute_km=30, driving_licences=["B", "C"], languages="Dansk, engelsk",
                      **fields)
    for position, goal in enumerate(goals):
        citizen.job_goals.append(JobGoal(title=goal, position=position))
    for text in cvs:
        citizen.cv_documents.append(CvDocument(text=text))
    return citizen


def test_the_core_read_equals_the_orm_profiles_of_the_indexable_citizens(app, make_user):
    _core_equals_orm(app, make_user("consultant").id)


@pytest.mark.postgres
def test_on_postgresql_the_ids_travel_as_one_array_and_the_profiles_are_the_same(postgres_url):
    """On PostgreSQL the pool's ids are one ``= ANY(array)`` parameter (store.database.among),
    not one parameter per id; the profiles read are the same as SQLite's."""
    from portal import create_app
    from tests.postgres_server import fresh_database
    from tests.sql_statements import statements

    pg_app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                         "DATABASE_URL": fresh_database(postgres_url, "t_profiles")})
    with pg_app.app_context():
        db.create_all()
        vk = User(email="vk@jc.dk", name="VK", role="consultant", password_hash="x")
        db.session.add(vk)
        db.session.commit()
        vk_id = vk.id
    try:
        _core_equals_orm(pg_app, vk_id)
        with pg_app.app_context(), statements(pg_app) as seen:
            profiles, _ = matchable_profiles(db.session, list(range(1, 400)), TODAY)
        assert len(profiles) == 2
        pool_reads = [s for s in seen if re.search(r"\.(id|citizen_id) = ANY \(", s)]
        assert len(pool_reads) == 5 and not [s for s in seen if re.search(r"\.(id|citizen_id) IN \(", s)]
    finally:
        with pg_app.app_context():
            db.session.remove()
            db.engine.dispose()


def _core_equals_orm(app, vk_id: int) -> None:
    class vk:  # noqa: N801 - the id is all the cases need
        id = vk_id

    with app.app_context():
        company = Company(name="Lager A/S", cvr="12345678", postcode="8722")
        citizens = [
            _citizen("Klar Kandidat", vk.id, goals=("Chauffør", "Lagermedarbejder"),
                     cvs=("Gammelt CV.", "Nyeste CV med truck.")),
            _citizen("Uden CV", vk.id, cvs=()),
            _citizen("Tomt nyeste CV", vk.id, cvs=("Et ældre CV med tekst.", " \n\t ")),
            _citizen("Uden jobmål", vk.id, goals=()),
            _citizen("Uden VK", None),
            _citizen("Spærret", vk.id, restricted=True),
            _citizen("Lukket sag", vk.id, case_closed=date(2026, 1, 1)),
            _citizen("Anonymiseret", vk.id, anonymised_at=datetime(2026, 1, 1, tzinfo=timezone.utc)),
            _citizen("I praktik", vk.id),
        ]
        db.session.add_all([company, *citizens])
        db.session.flush()
        db.session.add(Placement(citizen_id=citizens[-1].id, company_id=company.id,
                                 kind="virksomhedspraktik", start_date=date(2026, 3, 1),
                                 end_date=date(2026, 5, 31)))
        db.session.commit()
        ids = [c.id for c in citizens] + [999_999]  # an id that does not exist is left out

        profiles, names = matchable_profiles(db.session, ids, TODAY)
        rows = [c for c in load_citizens(db.session, ids).values() if is_indexable_citizen(c)]
        expected = citizen_profiles(db.session, rows, TODAY)

        assert profiles == expected
        assert {names[i] for i in profiles} == {"Klar Kandidat", "I praktik"}
        first = profiles[citizens[0].id]
        assert first.job_goals == ("Chauffør", "Lagermedarbejder")
        assert first.cv_text == "Nyeste CV med truck."
        assert profiles[citizens[-1].id].last_company_placement == date(2026, 5, 31)
        assert matchable_profiles(db.session, None, TODAY)[0] == expected  # None: every citizen


def test_a_profile_cache_reads_texts_once_and_never_serves_a_changed_citizen(app, make_user):
    import sqlalchemy as sa

    from store.models.base import utcnow
    from store.profiles import ProfileCache

    vk = make_user("consultant")
    with app.app_context():
        company = Company(name="Lager A/S", cvr="12345678", postcode="8722")
        first, second = _citizen("Første", vk.id), _citizen("Anden", vk.id, goals=("Chauffør",))
        db.session.add_all([company, first, second])
        db.session.commit()
        ids, cache = [first.id, second.id], ProfileCache()
        statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda conn, cursor, statement, *rest: statements.append(statement))

        cold, _ = matchable_profiles(db.session, ids, TODAY, cache)
        statements.clear()
        warm, names = matchable_profiles(db.session, ids, TODAY, cache)
        assert warm == cold and names == {first.id: "Første", second.id: "Anden"}
        assert not [s for s in statements if "job_goal" in s or "cv_document.text" in s]

        # A new CV, a changed jobmål, a placement: each shows at once.
        first.cv_documents.append(CvDocument(text="Nyt CV: kantine og køkken."))
        first.updated_at = utcnow()  # as portal.citizens.service does: the version rises
        second.job_goals[0].title = "Buschauffør"
        second.updated_at = utcnow()
        db.session.add(Placement(citizen_id=second.id, company_id=company.id, kind="loentilskud",
                                 start_date=date(2026, 9, 1), end_date=date(2026, 10, 31)))
        db.session.commit()
        changed, _ = matchable_profiles(db.session, ids, TODAY, cache)
        assert changed == matchable_profiles(db.session, ids, TODAY)[0]  # equals an uncached read
        assert changed[first.id].cv_text == "Nyt CV: kantine og køkken."
        assert changed[second.id].job_goals == ("Buschauffør",)
        assert changed[second.id].last_company_placement == date(2026, 10, 31)

        # Made unmatchable (the case closed): gone, cache or not.
        first.case_closed = date(2026, 11, 30)
        db.session.commit()
        assert set(matchable_profiles(db.session, ids, TODAY, cache)[0]) == {second.id}


def test_cached_profiles_and_their_texts_are_dropped_after_their_time(app, make_user):
    from store.profiles import ProfileCache

    vk = make_user("consultant")
    now = [0.0]
    with app.app_context():
        citizen = _citizen("Første", vk.id)
        db.session.add(citizen)
        db.session.commit()
        cache = ProfileCache(ttl_seconds=60, timer=lambda: now[0])
        matchable_profiles(db.session, [citizen.id], TODAY, cache)
        assert len(cache._items) == 1
        now[0] = 61.0
        assert cache.get_many([]) == {} and len(cache._items) == 0  # gone, not only hidden


@pytest.mark.parametrize("reason, counts", [("aflyst", False), ("afbrudt", True)])
def test_a_placement_cancelled_before_its_start_is_no_company_based_placement(app, make_user, reason, counts):
    """The focus goal's "time since the last company-based placement": a praktik cancelled before
    its start (end reason "aflyst", ended on the planned start, now passed) never happened. The
    control, the same placement ended on its start as "afbrudt", counts."""
    from store.profiles import last_company_placements

    vk = make_user("consultant")
    with app.app_context():
        company = Company(name="Lager A/S", cvr="12345678", postcode="8722")
        citizen = _citizen("Aflyst Praktik", vk.id)
        db.session.add_all([company, citizen])
        db.session.flush()
        common = {"citizen_id": citizen.id, "company_id": company.id, "kind": "virksomhedspraktik",
                  "weekly_hours": 10}
        db.session.add_all([Placement(start_date=date(2026, 3, 1), end_date=date(2026, 5, 31),
                                      end_reason="forloeb_slut", **common),
                            Placement(start_date=date(2026, 11, 2), end_date=date(2026, 11, 2), end_reason=reason,
                                      **common)])
        db.session.commit()
        expected = date(2026, 11, 2) if counts else date(2026, 5, 31)
        assert last_company_placements(db.session, [citizen.id], TODAY) == {citizen.id: expected}
        profiles, _ = matchable_profiles(db.session, [citizen.id], TODAY)
        assert profiles[citizen.id].last_company_placement == expected


def test_the_limits_profile_is_the_rankings_mapping_without_texts(app, make_user):
    """The hold check (portal.proposals_hold) reads a citizen row through the ranking's own
    mapping (review AA 6: it had a hand copy with defaults of its own); only the texts and the
    placement date, which no hard limit reads, are left out."""
    import dataclasses

    from portal import proposals_hold
    from store.profiles import citizen_profile, limits_profile

    with app.app_context():
        citizen = _citizen("Ane", make_user("consultant").id)
        db.session.add(citizen)
        db.session.commit()
        full = citizen_profile(citizen, last_company_placement=date(2026, 1, 5))
        expected = dataclasses.replace(full, job_goals=(), cv_text="", last_company_placement=None)
        assert limits_profile(citizen) == expected
        assert proposals_hold._citizen(citizen) == expected
        citizen.benefit_group = "ukendt"  # a value matching does not know: no verdict
        assert proposals_hold._citizen(citizen) is None
