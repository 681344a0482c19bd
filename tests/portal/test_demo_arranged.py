"""Review B2: a company saw its running demo placements without names (848 of 858 had no
opening, so no proposal and no consent could release the name). Every demo placement now has
the trail the portal requires (opening, disclosed and hired proposal, consent), and the
company can tell its running placements apart by name."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.demo.generator import generate_demo
from portal.demo.loader import load_demo
from portal.extensions import db
from portal.placements import service
from portal.proposals import identity_released
from store.models import Placement, Proposal

TODAY = date(2026, 11, 23)


def test_every_demo_placement_comes_from_an_opening_and_a_hired_proposal():
    demo = generate_demo(7, TODAY)
    pairs = {(p.citizen, p.opening): p for p in demo.proposals}
    for placement in demo.placements:
        assert placement.opening is not None
        opening = demo.openings[placement.opening]
        assert (opening.company, opening.kind) == (placement.company, placement.kind)
        proposal = pairs[(placement.citizen, placement.opening)]
        assert proposal.status == "disclosed" and proposal.company_response == "hired"
        if opening.arranged:
            assert proposal.decided_at < proposal.consent.given_at < proposal.company_responded_at
            assert proposal.company_responded_at < placement.created_at
    for opening in (o for o in demo.openings if o.arranged):
        assert opening.status in ("filled", "closed")


def test_the_company_sees_the_name_of_every_running_demo_placement(app):
    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=200)
        running = [p for p in db.session.scalars(sa.select(Placement)) if service.is_active(p, TODAY)]
        assert len(running) > 20
        names = service.disclosed_names(running, TODAY)
        assert set(names) == {p.id for p in running}
        for placement in running:
            proposal = db.session.scalar(sa.select(Proposal).filter_by(
                citizen_id=placement.citizen_id, opening_id=placement.opening_id))
            assert identity_released(proposal, TODAY)


def test_an_arranged_openings_title_agrees_with_its_hours():
    """Review BI 10: »Lagermedarbejder – småjob på 3 timer« beside »5–8 timer/uge«: the title was
    built from the placements' hours, the range and the description from a random draw."""
    import re

    demo = generate_demo(7, TODAY)
    checked = 0
    for index, opening in enumerate(demo.openings):
        if not opening.arranged:
            continue
        hours = [p.weekly_hours for p in demo.placements if p.opening == index]
        assert opening.hours_min <= min(hours) and max(hours) <= opening.hours_max
        if found := re.search(r"(\d+(?:,\d+)?) timer?\b", opening.title):
            assert float(found.group(1).replace(",", ".")) == opening.hours_max, opening.title
            checked += 1
        if opening.kind in ("smaajob", "fleksjob"):
            assert f"på {opening.hours_min:g}–{opening.hours_max:g} timer om ugen" in opening.description
    assert checked > 0
