"""/api/v1/citizens/<external id>/wage-hours: the case system reports ordinary wage hours per month
with the import's rules (portal.imports.wage_hours): success and idempotency, each refusal, the
citizen endpoints' answers for unknown, ambiguous, restricted, anonymised and erased citizens,
tokens (role and scope), the audit, and the OpenAPI document."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.admin.audit_labels import action_label, purpose_label
from portal.extensions import db
from portal.privacy.erasure import erase_citizen
from store.models import AuditEvent, Citizen, PriorWageHours
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN

pytestmark = pytest.mark.usefixtures("frozen_today")  # 23 November 2026
BASE = "/api/v1/citizens/SAG-7001/wage-hours"


@pytest.fixture
def staff(app, make_user) -> str:
    return make_token(app, make_user("consultant", email="vk@jc.dk"))


@pytest.fixture
def citizen_id(app, client, staff) -> int:
    created = client.put("/api/v1/citizens/SAG-7001", json=CITIZEN, headers=bearer(staff))
    assert created.status_code == 201, created.json
    return created.json["id"]


def _stored(app) -> dict[tuple[int, date], tuple[Decimal, str]]:
    with app.app_context():
        return {(r.citizen_id, r.month): (Decimal(r.hours), r.source) for r in db.session.scalars(sa.select(PriorWageHours))}


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_put_creates_then_replaces_the_month_and_the_same_figure_again_is_unchanged(app, client, staff, citizen_id):
    created = client.put(f"{BASE}/2026-03", json={"hours": 37.5, "employment": "småjob"}, headers=bearer(staff))
    assert created.status_code == 201, created.json
    assert created.headers["Location"].endswith("/api/v1/citizens/SAG-7001/wage-hours/2026-03")
    assert {k: created.json[k] for k in ("external_id", "month", "hours", "source", "result")} == {
        "external_id": "SAG-7001", "month": "2026-03", "hours": 37.5, "source": "api", "result": "created"}
    again = client.put(f"{BASE}/2026-03", json={"hours": 37.5, "employment": "Småjob"}, headers=bearer(staff))
    assert again.status_code == 200 and again.json["result"] == "unchanged"
    replaced = client.put(f"{BASE}/2026-03", json={"hours": 20}, headers=bearer(staff))  # no employment: ordinary
    assert replaced.status_code == 200 and replaced.json["result"] == "updated" and replaced.json["hours"] == 20
    client.put(f"{BASE}/2026-04", json={"hours": 12.25, "employment": "fleksjob"}, headers=bearer(staff))
    assert _stored(app) == {(citizen_id, date(2026, 3, 1)): (Decimal("20.00"), "api"),
                            (citizen_id, date(2026, 4, 1)): (Decimal("12.25"), "api")}
    # a GET item sent back as it is changes nothing
    item = client.get(f"{BASE}/2026-04", headers=bearer(staff)).json
    assert client.put(f"{BASE}/2026-04", json=item, headers=bearer(staff)).json["result"] == "unchanged"
    # audited as the import writes a month (one per write, none for unchanged), with the API named
    written = _audit(app, "wage_hours_imported")
    assert [e.purpose for e in written] == ["api 2026-03", "api 2026-03", "api 2026-04"]
    assert {e.citizen_id for e in written} == {citizen_id}
    assert purpose_label(written[0].action, written[0].purpose) == "API marts 2026"


@pytest.mark.parametrize("hours", [123.4501, 99.999999, 400.0000001, 12.345])
def test_hours_with_more_than_two_decimals_or_over_400_are_refused_not_rounded(app, client, staff, citizen_id, hours):
    refused = client.put(f"{BASE}/2026-03", json={"hours": hours}, headers=bearer(staff))
    assert refused.status_code == 422 and "hours" in refused.json["errors"], (hours, refused.json)
    assert _stored(app) == {}


def test_put_names_the_frozen_maal_months_whose_focus_window_holds_the_month(app, client, staff, citizen_id):
    import json

    from store.models import FigureSnapshot

    app.config["GO_LIVE_DATE"] = date(2024, 1, 1)
    with app.app_context():
        db.session.add_all(FigureSnapshot(month=date(y, m, 1), scope="all", metrics=json.dumps([]))
                           for y, m in ((2025, 6), (2026, 3), (2026, 9)))
        db.session.commit()
    # February 2026 is in the focus window (12 months) of March and September 2026, not of June 2025.
    created = client.put(f"{BASE}/2026-02", json={"hours": 30}, headers=bearer(staff))
    assert created.status_code == 201 and created.json["frozen_months"] == ["2026-03", "2026-09"]
    assert client.put(f"{BASE}/2026-02", json={"hours": 30}, headers=bearer(staff)).json["frozen_months"] == []
    updated = client.put(f"{BASE}/2026-02", json={"hours": 31}, headers=bearer(staff))
    assert updated.json["result"] == "updated" and updated.json["frozen_months"] == ["2026-03", "2026-09"]
    assert client.put(f"{BASE}/2026-06", json={"hours": 5}, headers=bearer(staff)).json["frozen_months"] == ["2026-09"]
    gone = client.delete(f"{BASE}/2026-02", headers=bearer(staff))  # the removal is not counted there either
    assert gone.status_code == 204 and gone.headers["Jobbro-Frozen-Months"] == "2026-03, 2026-09"
    with app.app_context():
        db.session.query(FigureSnapshot).delete()
        db.session.commit()
    assert "Jobbro-Frozen-Months" not in client.delete(f"{BASE}/2026-06", headers=bearer(staff)).headers


def test_get_lists_the_months_oldest_first_and_the_read_is_logged(app, client, staff, citizen_id):
    empty = client.get(BASE, headers=bearer(staff))
    assert empty.status_code == 200 and empty.json == {"external_id": "SAG-7001", "restricted": False, "items": []}
    for month, hours in (("2026-05", 8), ("2025-12", 100.5)):
        client.put(f"{BASE}/{month}", json={"hours": hours}, headers=bearer(staff))
    listed = client.get("/api/v1/citizens/sag-7001/wage-hours", headers=bearer(staff))  # any case, as the citizen GET
    assert [(i["month"], i["hours"]) for i in listed.json["items"]] == [("2025-12", 100.5), ("2026-05", 8.0)]
    assert client.get(f"{BASE}/2025-12", headers=bearer(staff)).json["hours"] == 100.5
    missing = client.get(f"{BASE}/2026-01", headers=bearer(staff))
    assert missing.status_code == 404 and missing.content_type == "application/problem+json"
    reads = [e for e in _audit(app, "citizen_viewed") if e.purpose == "api wage hours"]
    assert len(reads) == 4 and {e.citizen_id for e in reads} == {citizen_id}
    assert purpose_label("citizen_viewed", "api wage hours") == "API: løntimer fra fagsystemet"


@pytest.mark.parametrize("body, field, message", [
    ({"hours": 401}, "hours", "Højst 400 timer på en måned."),
    ({"hours": -1}, "hours", "Timer kan ikke være negative."),
    ({"hours": 12.345}, "hours", "Angiv timer med højst to decimaler, fx 12,5."),
    ({"hours": "37,5"}, "hours", "Send timerne som et tal, fx 37.5."),
    ({"hours": True}, "hours", "Send timerne som et tal, fx 37.5."),
    ({"hours": 1e400}, "hours", "Send timerne som et tal, fx 37.5."),  # infinity, as Python's json reads it
    ({}, "hours", None),
    ({"hours": 5, "employment": "Kontorjob"}, "employment",
     "»Kontorjob« kendes ikke. Send smaajob, ordinaert eller fleksjob, eller udelad feltet."),
    ({"hours": 5, "month": "2026-02"}, "month", "Skal være det samme som i adressen."),
    ({"hours": 5, "extra": 1}, "extra", "Ukendt felt."),
])
def test_a_bad_body_is_refused_at_its_field_with_the_imports_words(app, client, staff, citizen_id, body, field, message):
    answer = client.put(f"{BASE}/2026-03", json=body, headers=bearer(staff))
    assert answer.status_code == 422 and answer.content_type == "application/problem+json", answer.json
    assert list(answer.json["errors"]) == [field]
    if message:
        assert answer.json["errors"][field] == [message]
    assert _stored(app) == {}


@pytest.mark.parametrize("month, message", [
    ("2026-12", "December 2026 er ikke begyndt endnu. Timer kan kun indlæses for indeværende og tidligere måneder."),
    ("1999-12", "Måneden ligger før 2000. Ret året."),
    ("2026-13", "Skriv måneden i adressen som ÅÅÅÅ-MM, fx 2026-03."),
    ("03.2026", "Skriv måneden i adressen som ÅÅÅÅ-MM, fx 2026-03."),
    ("marts", "Skriv måneden i adressen som ÅÅÅÅ-MM, fx 2026-03."),
])
def test_a_month_in_the_future_before_2000_or_not_yyyy_mm_is_refused(app, client, staff, citizen_id, month, message):
    answer = client.put(f"{BASE}/{month}", json={"hours": 5}, headers=bearer(staff))
    assert answer.status_code == 422 and answer.json["errors"] == {"month": [message]}
    assert _stored(app) == {}
    # this month is fine (today is 23 November 2026)
    assert client.put(f"{BASE}/2026-11", json={"hours": 5}, headers=bearer(staff)).status_code == 201


@pytest.mark.parametrize("employment, shown", [("Løntilskud", "Løntilskud"), ("virksomhedspraktik", "Virksomhedspraktik"),
                                               ("praktik", "Virksomhedspraktik")])
def test_praktik_and_loentilskud_are_refused_with_a_clear_reason(app, client, staff, citizen_id, employment, shown):
    answer = client.put(f"{BASE}/2026-03", json={"hours": 37, "employment": employment}, headers=bearer(staff))
    assert answer.status_code == 422
    detail = (f"{shown} er ikke ordinære løntimer (kun småjob, ordinært job og fleksjob tæller i fokusmålet), så "
              "timerne gemmes ikke. Send kun timer fra småjob, ordinært job eller fleksjob.")
    assert answer.json["detail"] == detail and answer.json["errors"] == {"employment": [detail]}
    assert _stored(app) == {} and _audit(app, "wage_hours_imported") == []


def test_delete_removes_a_month_once_and_is_audited(app, client, staff, citizen_id):
    client.put(f"{BASE}/2026-03", json={"hours": 37.5}, headers=bearer(staff))
    client.put(f"{BASE}/2026-04", json={"hours": 10}, headers=bearer(staff))
    gone = client.delete(f"{BASE}/2026-03", headers=bearer(staff))
    assert gone.status_code == 204 and gone.get_data() == b""
    assert _stored(app) == {(citizen_id, date(2026, 4, 1)): (Decimal("10.00"), "api")}
    again = client.delete(f"{BASE}/2026-03", headers=bearer(staff))
    assert again.status_code == 404 and "ingen løntimer" in again.json["detail"]
    assert client.delete(f"{BASE}/2026-3", headers=bearer(staff)).status_code == 422
    removed = _audit(app, "wage_hours_removed")
    assert [(e.citizen_id, e.purpose) for e in removed] == [(citizen_id, "api 2026-03")]
    assert action_label("wage_hours_removed") == "Løntimer fra fagsystemet fjernet (måned)"


def test_unknown_ambiguous_and_cpr_like_citizens_get_the_citizen_endpoints_answers(app, client, staff, citizen_id):
    for answer in (client.get("/api/v1/citizens/SAG-9/wage-hours", headers=bearer(staff)),
                   client.put("/api/v1/citizens/SAG-9/wage-hours/2026-03", json={"hours": 1}, headers=bearer(staff)),
                   client.delete("/api/v1/citizens/SAG-9/wage-hours/2026-03", headers=bearer(staff))):
        assert answer.status_code == 404 and answer.json["detail"] == "Der findes ingen borger med det eksterne id."
    for answer in (client.get("/api/v1/citizens/010190-1234/wage-hours", headers=bearer(staff)),
                   client.put("/api/v1/citizens/010190-1234/wage-hours/2026-03", json={"hours": 1},
                              headers=bearer(staff))):
        assert answer.status_code == 422 and "ligner et CPR-nummer" in answer.json["errors"]["external_id"][0]
    with app.app_context():  # two citizens with the id in other cases, none exactly as sent
        for external_id in ("AV-9", "av-9"):
            db.session.add(Citizen(external_id=external_id, name="Bo", postcode="8722", benefit_group="kontanthjaelp",
                                   readiness_group="paa_vej", case_start=date(2024, 1, 1)))
        db.session.commit()
    ambiguous = client.put("/api/v1/citizens/Av-9/wage-hours/2026-03", json={"hours": 1}, headers=bearer(staff))
    assert ambiguous.status_code == 409 and ambiguous.json["detail"] == client.get(
        "/api/v1/citizens/Av-9", headers=bearer(staff)).json["detail"]
    assert _stored(app) == {}


def test_a_restricted_citizen_is_shown_without_hours_and_cannot_be_changed(app, client, staff, citizen_id):
    client.put(f"{BASE}/2026-03", json={"hours": 37.5}, headers=bearer(staff))
    with app.app_context():
        db.session.get(Citizen, citizen_id).restricted = True
        db.session.commit()
    listed = client.get(BASE, headers=bearer(staff))
    assert listed.status_code == 200 and listed.json == {"external_id": "SAG-7001", "restricted": True}
    assert client.get(f"{BASE}/2026-03", headers=bearer(staff)).status_code == 409
    for answer in (client.put(f"{BASE}/2026-03", json={"hours": 1}, headers=bearer(staff)),
                   client.delete(f"{BASE}/2026-03", headers=bearer(staff))):
        assert answer.status_code == 409 and "begrænset" in answer.json["detail"]
    assert _stored(app) == {(citizen_id, date(2026, 3, 1)): (Decimal("37.50"), "api")}


def test_an_anonymised_or_erased_citizen_is_410_as_on_the_citizen_endpoints(app, client, staff, citizen_id):
    client.put(f"{BASE}/2026-03", json={"hours": 37.5}, headers=bearer(staff))
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        citizen.anonymised_at = datetime(2026, 6, 1, tzinfo=timezone.utc)
        db.session.commit()
    for answer in (client.get(BASE, headers=bearer(staff)),
                   client.put(f"{BASE}/2026-04", json={"hours": 1}, headers=bearer(staff))):
        assert answer.status_code == 410 and "anonymiseret" in answer.json["detail"]
    created = client.put("/api/v1/citizens/SAG-7002", json=CITIZEN, headers=bearer(staff))
    client.put("/api/v1/citizens/SAG-7002/wage-hours/2026-03", json={"hours": 5}, headers=bearer(staff))
    with app.app_context():
        assert erase_citizen(db.session, created.json["id"], purpose="test")
        db.session.commit()
    erased = client.get("/api/v1/citizens/SAG-7002", headers=bearer(staff)).json["detail"]
    for answer in (client.get("/api/v1/citizens/SAG-7002/wage-hours", headers=bearer(staff)),
                   client.put("/api/v1/citizens/SAG-7002/wage-hours/2026-03", json={"hours": 1}, headers=bearer(staff)),
                   client.delete("/api/v1/citizens/SAG-7002/wage-hours/2026-03", headers=bearer(staff))):
        assert answer.status_code == 410 and answer.json["detail"] == erased
    assert {month for (_c, month) in _stored(app)} == {date(2026, 3, 1)}  # the anonymised one's row, untouched


def test_tokens_staff_only_and_a_read_only_token_cannot_write(app, client, make_user, staff, citizen_id):
    assert client.get(BASE).status_code == 401
    company = make_token(app, make_user("company"))
    for answer in (client.get(BASE, headers=bearer(company)),
                   client.put(f"{BASE}/2026-03", json={"hours": "not even checked"}, headers=bearer(company))):
        assert answer.status_code == 403 and answer.json["detail"] == "Kun jobcentrets medarbejdere kan bruge denne funktion."
    read_only = make_token(app, make_user("consultant"), scope="read")
    assert client.get(BASE, headers=bearer(read_only)).status_code == 200
    for answer in (client.put(f"{BASE}/2026-03", json={"hours": 1}, headers=bearer(read_only)),
                   client.delete(f"{BASE}/2026-03", headers=bearer(read_only))):
        assert answer.status_code == 403 and "kun læseadgang" in answer.json["detail"]
    admin = make_token(app, make_user("admin"))
    assert client.put(f"{BASE}/2026-03", json={"hours": 1}, headers=bearer(admin)).status_code == 201
    assert client.put(f"{BASE}/2026-03", data="hours=1", headers=bearer(staff)).status_code == 415
    writes = [e.purpose for e in _audit(app, "api_write") if "wage-hours" in e.purpose]
    assert writes and all(e.startswith("PUT /api/v1/citizens/<path:external_id>/wage-hours/<month>")
                          or e.startswith("DELETE") for e in writes)


def test_the_routes_do_not_take_the_citizen_endpoints_addresses(app, client, staff, citizen_id):
    """A citizen id with slashes (SAG/2026/17) still reaches its wage hours, and the citizen's own
    GET and PUT, CV and erasure routes are unchanged."""
    created = client.put("/api/v1/citizens/SAG/2026/17", json=CITIZEN, headers=bearer(staff))
    assert created.status_code == 201
    put = client.put("/api/v1/citizens/SAG/2026/17/wage-hours/2026-02", json={"hours": 3}, headers=bearer(staff))
    assert put.status_code == 201 and put.json["external_id"] == "SAG/2026/17"
    assert client.get("/api/v1/citizens/SAG%2F2026%2F17/wage-hours", headers=bearer(staff)).json["items"][0]["hours"] == 3
    assert client.get("/api/v1/citizens/SAG/2026/17", headers=bearer(staff)).json["external_id"] == "SAG/2026/17"
    assert client.put("/api/v1/citizens/SAG-7001", json=CITIZEN, headers=bearer(staff)).json["result"] == "unchanged"


def test_the_document_declares_the_endpoints_and_their_answers(app, client, staff):
    paths = client.get("/api/openapi.json", headers=bearer(staff)).json["paths"]
    listed = paths["/api/v1/citizens/{external_id}/wage-hours"]["get"]
    month = paths["/api/v1/citizens/{external_id}/wage-hours/{month}"]
    assert {"200", "401", "403", "404", "409", "410", "422", "429"} <= set(listed["responses"])
    assert {"200", "201", "400", "404", "409", "410", "415", "422"} <= set(month["put"]["responses"])
    assert {"204", "404", "409", "410", "422"} <= set(month["delete"]["responses"])
    assert {"200", "404", "409", "410", "422"} <= set(month["get"]["responses"])
    parameter = next(p for p in month["parameters"] if p["name"] == "month")
    assert parameter["schema"]["pattern"] == "^[0-9]{4}-[0-9]{2}$"
    assert "api_wage_hours" in {tag["name"] for tag in client.get("/api/openapi.json", headers=bearer(staff)).json["tags"]}


def test_schemathesis_keeps_the_wage_hours_endpoints_to_their_document(app, client, staff, citizen_id):
    """The suite's schemathesis run covers every operation with few examples and unknown citizens
    (404); this one sends the wage-hours operations, for a citizen who exists, months that can
    hold a figure, so the 200/201/204 answers are checked against the document too."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st

    from tests.api.test_schemathesis import CHECKS

    app.config["API_RATE_LIMIT"] = "100000/minute"
    client.put(f"{BASE}/2026-01", json={"hours": 10}, headers=bearer(staff))
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, headers=bearer(staff))
    schema.config.generation.codec = None
    operations, seen = 0, set()
    for result in schema.include(path_regex="wage-hours").get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy(), month=st.sampled_from([None, "2026-01", "2026-02", "2025-12"]))
        @settings(max_examples=25, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def check(case, month):
            case.path_parameters["external_id"] = "SAG-7001"
            if month is not None:
                case.path_parameters["month"] = month
            seen.add(case.call_and_validate(headers=bearer(staff), checks=CHECKS).status_code)

        check()
    assert operations == 4
    assert {200, 201, 204, 404, 422} <= seen, seen
