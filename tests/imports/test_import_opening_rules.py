"""An import row for an existing opening keeps the edit form's rules (review W1, W6, W7): no draft
again, the capacity holds the places taken, a reopening tells the consultant, and a change of
requirements puts the candidates it leaves behind on hold with the same notices."""
from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.imports.runner import run_import
from store.models import Company, Notification, Opening, Proposal, User
from tests.portal.test_openings_review_w import add_citizen, add_placements, add_proposal

from .files import csv_bytes

HEADER = ["Eksternt id", "CVR", "Type", "Titel", "Timer mindst", "Timer højst", "Postnummer", "Antal pladser",
          "Status"]


def _row(cvr: str, **overrides) -> list:
    row = {"Eksternt id": "K1", "CVR": cvr, "Type": "Virksomhedspraktik", "Titel": "Praktik i kantinen",
           "Timer mindst": "10", "Timer højst": "20", "Postnummer": "7130", "Antal pladser": "1", "Status": "Åben"}
    row.update(overrides)
    return [row[h] for h in HEADER]


def _run(app, rows: list[list], *, dry_run: bool = False):
    with app.app_context():
        return run_import("openings", io.BytesIO(csv_bytes(rows, header=HEADER)), "k.csv", actor=None,
                          dry_run=dry_run)


def _company(app, make_user, consultant=None) -> tuple[int, str]:
    user = make_user("company")
    with app.app_context():
        company = db.session.get(Company, user.company_id)
        if consultant is not None:
            company.consultant_id = consultant.id
            db.session.commit()
        return company.id, company.cvr


def _opening(app, company_id: int, **values) -> int:
    fields = {"kind": "virksomhedspraktik", "title": "Praktik i kantinen", "hours_min": 10.0, "hours_max": 20.0,
              "postcode": "7130", "status": "open", "external_id": "K1", **values}
    with app.app_context():
        opening = Opening(company_id=company_id, **fields)
        db.session.add(opening)
        db.session.commit()
        return opening.id


def _opening_row(app, opening_id: int) -> Opening:
    with app.app_context():
        opening = db.session.get(Opening, opening_id)
        db.session.expunge(opening)
        return opening


def _notes(app) -> list[Notification]:
    with app.app_context():
        notes = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
        db.session.expunge_all()
        return notes


def test_a_published_opening_is_not_made_a_draft_again_by_a_row(app, make_user):
    company_id, cvr = _company(app, make_user)
    opening_id = _opening(app, company_id, status="closed")
    rows = [_row(cvr, Status="Kladde"), _row(cvr, **{"Eksternt id": "K2", "Status": ""})]
    _opening(app, company_id, external_id="K2", status="open")
    for dry_run in (True, False):
        report = _run(app, rows, dry_run=dry_run)
        assert report.counts["refused"] == 2
        first, second = report.problems
        assert (first.row, first.external_id, first.column) == (2, "K1", "Status")
        assert "kan ikke blive en kladde igen" in first.message and "tom" not in first.message
        assert (second.row, second.external_id) == (3, "K2")
        assert second.message.startswith("Status er tom, og tom betyder »Kladde«.")
        assert _opening_row(app, opening_id).status == "closed"
    # a draft may stay a draft
    draft_id = _opening(app, company_id, external_id="K3", status="draft", title="Kladde")
    report = _run(app, [_row(cvr, **{"Eksternt id": "K3", "Status": "", "Titel": "Ny titel"})])
    assert report.counts["updated"] == 1 and _opening_row(app, draft_id).title == "Ny titel"


def test_the_capacity_cannot_drop_below_the_places_taken_by_a_row(app, make_user):
    company_id, cvr = _company(app, make_user)
    opening_id = _opening(app, company_id, capacity=3)
    add_placements(app, opening_id, company_id, 2)
    for dry_run in (True, False):
        report = _run(app, [_row(cvr, **{"Antal pladser": "1"})], dry_run=dry_run)
        [problem] = report.problems
        assert (problem.row, problem.external_id, problem.column) == (2, "K1", "Antal pladser")
        assert problem.message == ("Der er 2 igangværende eller planlagte forløb på opslaget, så det skal have "
                                   "mindst 2 pladser.")
        assert _opening_row(app, opening_id).capacity == 3
    assert _run(app, [_row(cvr, **{"Antal pladser": "2"})]).counts["updated"] == 1
    assert _opening_row(app, opening_id).capacity == 2


def test_reopening_by_a_row_tells_the_consultant_as_the_form_does(app, make_user):
    vk = make_user("consultant")
    company_id, cvr = _company(app, make_user, vk)
    opening_id = _opening(app, company_id, status="closed")
    assert _run(app, [_row(cvr)], dry_run=True).counts["updated"] == 1
    assert _notes(app) == []  # a dry run tells nobody
    assert _run(app, [_row(cvr)]).counts["updated"] == 1
    assert _opening_row(app, opening_id).status == "open"
    [note] = _notes(app)
    assert note.user_id == vk.id and note.kind == "opening_posted"
    assert note.text == "Firma 0 har åbnet opslaget igen: Praktik i kantinen"
    assert note.link == f"/kandidater/opslag/{opening_id}"


def test_a_change_of_requirements_by_a_row_puts_the_candidates_left_behind_on_hold(app, make_user):
    company_vk, citizen_vk = make_user("consultant"), make_user("consultant")
    company_id, cvr = _company(app, make_user, company_vk)
    opening_id = _opening(app, company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    left = [add_proposal(app, opening_id, add_citizen(app, vk_id=citizen_vk.id)) for _ in range(2)]
    stays = add_proposal(app, opening_id, add_citizen(app, benefit_group="ledighedsydelse"))
    as_fleksjob = _row(cvr, Type="Fleksjob", **{"Timer mindst": "5", "Timer højst": "10"})

    dry = _run(app, [as_fleksjob], dry_run=True)
    [link] = dry.links
    assert link.warnings == ("2 foreslåede kandidater opfylder ikke opslagets nye krav og sættes som "
                             "»ikke aktuel lige nu« for virksomheden; virksomhedens konsulent og kandidaternes "
                             "VK'er får besked.",)
    assert _notes(app) == [] and _opening_row(app, opening_id).kind == "smaajob"

    report = _run(app, [as_fleksjob])
    assert report.counts["updated"] == 1 and "er sat som" in report.links[0].warnings[0]
    with app.app_context():
        for proposal_id in left:
            proposal = db.session.get(Proposal, proposal_id)
            assert proposal.status == "approved" and proposal.explanation["opening_changed"]["fields"] == ["kind"]
        assert "opening_changed" not in (db.session.get(Proposal, stays).explanation or {})
    notes = _notes(app)
    assert sorted(n.user_id for n in notes) == sorted([company_vk.id, citizen_vk.id])
    assert all("2 foreslåede kandidater opfylder dem ikke længere" in n.text for n in notes)
    # the job centre's file made the change, not the company: the notice says so
    assert all(n.text.startswith("Jobcentret har ved en import ændret kravene i opslaget »Praktik i kantinen« "
                                 "fra Firma 0 (type): ") for n in notes)

    # back to a småjob: the marks clear, and those told of the hold are told it lifted (review Z 7)
    assert _run(app, [_row(cvr, Type="Småjob", **{"Timer mindst": "5", "Timer højst": "10"})]).links[0].warnings == ()
    with app.app_context():
        assert all("opening_changed" not in (db.session.get(Proposal, p).explanation or {}) for p in left)
    lifted = _notes(app)[2:]
    assert sorted(n.user_id for n in lifted) == sorted([company_vk.id, citizen_vk.id])
    assert all("2 kandidater, der var sat i bero, opfylder dem nu" in n.text for n in lifted)
    assert all(n.text.startswith("Jobcentret har ved en import ændret kravene i opslaget »Praktik i kantinen« "
                                 "fra Firma 0: ") for n in lifted)


def test_a_change_of_requirements_through_the_companys_api_is_told_as_the_companys(app, make_user):
    """The API's upsert (portal.api.openings) runs the import's upsert as a company user: the
    company made that change."""
    from portal.imports.openings import validate_opening
    from portal.imports.service import upsert_opening

    vk = make_user("consultant")
    company_id, cvr = _company(app, make_user, vk)
    opening_id = _opening(app, company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    add_proposal(app, opening_id, add_citizen(app))
    with app.app_context():
        company_user = db.session.scalar(sa.select(User).where(User.company_id == company_id))
        values = dict(zip(("external_id", "cvr", "kind", "title", "hours_min", "hours_max", "postcode", "capacity",
                           "status"), _row(cvr, Type="Fleksjob", **{"Timer mindst": "5", "Timer højst": "10"})))
        upsert_opening(db.session, validate_opening(values), actor=company_user)
        db.session.commit()
    [note] = _notes(app)
    assert note.user_id == vk.id
    assert note.text.startswith("Firma 0 har ændret kravene i opslaget »Praktik i kantinen« (type): 1 ")


def test_a_row_that_publishes_or_reopens_an_opening_refuses_a_start_date_already_passed(app, make_user,
                                                                                        frozen_today):
    """As the edit form (portal.openings.forms.OpeningForm.validate_start_date): an open opening
    is matched from today on, so publishing or reopening it with a start already passed is
    refused, for that row only; a draft or closed row may still record a start that has passed."""
    company_id, cvr = _company(app, make_user)
    passed, header = frozen_today - timedelta(days=10), [*HEADER, "Startdato"]
    closed = _opening(app, company_id, external_id="K1", status="closed", start_date=passed)
    draft = _opening(app, company_id, external_id="K2", status="draft")
    kept = [_opening(app, company_id, external_id="K5", status="open", start_date=passed),
            _opening(app, company_id, external_id="K6", status="filled", start_date=passed)]

    def row(external_id: str, status: str = "Åben", start=passed) -> list:
        return [*_row(cvr, **{"Eksternt id": external_id, "Status": status}), start.isoformat()]

    rows = [row("K1"), row("K2"), row("K3"), row("K4", "Kladde"), row("K5"), row("K6")]
    for dry_run in (True, False):
        with app.app_context():
            report = run_import("openings", io.BytesIO(csv_bytes(rows, header=header)), "k.csv", actor=None,
                                dry_run=dry_run)
        assert [(p.row, p.external_id, p.column) for p in report.problems] == [
            (2, "K1", "Startdato"), (3, "K2", "Startdato"), (4, "K3", "Startdato")]
        reopen, publish, new = (p.message for p in report.problems)
        assert reopen == publish == ("Et åbent opslag kan ikke starte før i dag. Vælg i dag eller en senere dato, "
                                     "eller lad feltet stå tomt, hvis start er efter aftale.")
        assert new == "Et nyt opslag kan ikke starte før i dag. Vælg i dag eller en senere dato."
        # the other rows behave as before: a new draft records its start, the open and filled stand
        assert (report.counts["refused"], report.counts["created"], report.counts["unchanged"]) == (3, 1, 2)
        assert _opening_row(app, closed).status == "closed" and _opening_row(app, draft).status == "draft"
    assert [_opening_row(app, k).status for k in kept] == ["open", "filled"]
    # today is fine
    with app.app_context():
        report = run_import("openings", io.BytesIO(csv_bytes([row("K1", start=frozen_today)], header=header)),
                            "k.csv", actor=None, dry_run=False)
    assert report.counts["updated"] == 1 and _opening_row(app, closed).status == "open"


def test_a_row_keeps_an_unchanged_start_however_long_ago_as_the_form_does(app, make_user, frozen_today):
    """The edit form checks only a changed start for plausibility (more than a year back): a file
    sent again for an old closed opening is unchanged, not refused."""
    company_id, cvr = _company(app, make_user)
    long_ago = frozen_today - timedelta(days=500)
    opening_id = _opening(app, company_id, status="closed", start_date=long_ago)
    header = [*HEADER, "Startdato"]

    def run(start) -> object:
        with app.app_context():
            return run_import("openings", io.BytesIO(csv_bytes([[*_row(cvr, Status="Lukket"), start.isoformat()]],
                                                               header=header)), "k.csv", actor=None, dry_run=False)

    assert run(long_ago).counts["unchanged"] == 1
    [problem] = run(long_ago + timedelta(days=1)).problems  # a changed one is still checked
    assert problem.message == "Startdatoen ligger mere end et år tilbage. Tjek årstallet."
    assert _opening_row(app, opening_id).start_date == long_ago
