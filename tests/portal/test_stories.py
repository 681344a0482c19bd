"""Success stories (gode historier): writing, publish rules, visibility per role, CSRF, audit."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Citizen, Company, Placement, SuccessStory
from portal.privacy.erasure import erase_citizen

CITIZEN_NAME = "Jens Hansen-Møller"
TEXT = "Medarbejderen startede med fire timer om ugen på lageret og har nu fast job hos os."


@pytest.fixture
def world(app, make_user):
    """Two partner companies, an ordinary company, staff, and a placement at partner A."""
    partner = make_user("company", email="partner@firma.dk", code_of_care=True)
    partner_b = make_user("company", email="partner-b@firma.dk", code_of_care=True)
    ordinary = make_user("company", email="ordinary@firma.dk")
    consultant = make_user("consultant", email="vk@jc.dk")
    admin = make_user("admin", email="admin@jc.dk")
    with app.app_context():
        citizen = Citizen(name=CITIZEN_NAME, postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1))
        placement = Placement(citizen=citizen, company_id=partner.company_id, kind="smaajob",
                              start_date=date(2026, 1, 5), weekly_hours=4, end_date=date(2026, 3, 31),
                              end_reason="ordinaert_job")
        other = Placement(citizen=citizen, company_id=partner_b.company_id, kind="loentilskud",
                          start_date=date(2026, 2, 1), weekly_hours=30, end_date=date(2026, 7, 31),
                          end_reason="uddannelse")
        db.session.add_all([citizen, placement, other])
        db.session.commit()
        ids = {"citizen": citizen.id, "placement": placement.id, "placement_b": other.id}
    return {"partner": partner, "partner_b": partner_b, "ordinary": ordinary, "consultant": consultant,
            "admin": admin, **ids}


def form_data(world, **overrides) -> dict:
    data = {"title": "Fra fire timer til fast job", "company": str(world["partner"].company_id),
            "placement": str(world["placement"]), "kind": "smaajob", "outcome": "ordinaert_job",
            "text": TEXT, "consent_confirmed": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def create(client, auth, world, **overrides):
    token = auth.csrf_token("/historier/ny")
    return client.post("/historier/ny", data={**form_data(world, **overrides), "csrf_token": token})


def story_id_from(response) -> int:
    return int(re.search(r"/historier/(\d+)/rediger", response.headers["Location"]).group(1))


def publish(client, auth, story_id: int):
    return client.post(f"/historier/{story_id}/offentliggoer",
                       data={"csrf_token": auth.csrf_token(f"/historier/{story_id}/rediger")})


def stored(app, story_id: int) -> SuccessStory:
    with app.app_context():
        story = db.session.get(SuccessStory, story_id)
        db.session.expunge(story)
        return story


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(SuccessStory.id)))


def published_story(client, auth, world, **overrides) -> int:
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world, **overrides))
    assert publish(client, auth, story_id).status_code == 302
    return story_id


def test_consultant_writes_a_draft_audited_without_the_text(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    response = create(client, auth, world, consent_confirmed=None)
    assert response.status_code == 302
    story = stored(app, story_id_from(response))
    assert (story.status, story.author_id, story.consent_confirmed) == ("draft", world["consultant"].id, False)
    assert (story.company_id, story.placement_id, story.outcome) == (world["partner"].company_id,
                                                                     world["placement"], "ordinaert_job")
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "story_created")).one()
        assert (event.citizen_id, event.purpose, event.user_id) == (world["citizen"], f"story:{story.id}",
                                                                     world["consultant"].id)
        texts = " ".join(f"{e.action} {e.purpose} {e.result}" for e in db.session.scalars(sa.select(AuditEvent)))
    assert "lageret" not in texts and "fire timer" not in texts
    # review BI 6: the tab names the story, with the portal's one verb »Ret«
    page = client.get(f"/historier/{story.id}/rediger").get_data(as_text=True)
    assert "<title>Ret historie: Fra fire timer til fast job · Jobbro</title>" in page
    assert "<h1>Ret historie</h1>" in page and "Rediger" not in page


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "Skriv en overskrift."),
    ({"title": "x" * 121}, "Overskriften skal være 3-120 tegn."),
    ({"text": ""}, "Skriv historien."),
    ({"text": "For kort"}, "Historien skal være 20-4000 tegn."),
    ({"text": "x" * 10**6}, "Historien skal være 20-4000 tegn."),
    ({"text": TEXT + "\x00"}, "ugyldige tegn (NUL)"),
    ({"text": TEXT + "\u202e"}, "usynlige tegn eller styretegn"),
    ({"title": "Fast\u200bjob"}, "usynlige tegn eller styretegn"),
    ({"kind": "ukendt", "placement": ""}, "Vælg en af mulighederne på listen."),
    ({"outcome": "' OR 1=1--"}, "Vælg en af mulighederne på listen."),
    ({"company": "abc"}, "Vælg en af mulighederne på listen."),
    ({"company": "999999"}, "Vælg en af mulighederne på listen."),
    ({"company": ""}, "Vælg virksomheden."),
    ({"placement": "-1"}, "Forløbet skal høre til den valgte virksomhed."),
    ({"placement": str(2**40)}, "Forløbet skal høre til den valgte virksomhed."),
])
def test_bad_inputs_are_refused_with_danish_messages(app, client, auth, world, overrides, message):
    auth.switch_to(world["consultant"].email)
    response = create(client, auth, world, **overrides)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app) == 0


def test_only_partner_companies_and_their_own_placements(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    page = client.get("/historier/ny").get_data(as_text=True)
    assert "Firma 2" not in page  # the ordinary company is no choice
    refused = create(client, auth, world, company=str(world["ordinary"].company_id))
    assert refused.status_code == 400 and count(app) == 0
    wrong = create(client, auth, world, placement=str(world["placement_b"]))
    assert wrong.status_code == 400
    assert "Forløbet skal høre til den valgte virksomhed." in wrong.get_data(as_text=True)
    assert count(app) == 0


def test_form_says_a_story_never_names_the_citizen(client, auth, world):
    auth.switch_to(world["consultant"].email)
    assert "En historie nævner aldrig borgeren." in client.get("/historier/ny").get_data(as_text=True)


def test_publish_requires_the_citizens_consent(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world, consent_confirmed=None))
    response = publish(client, auth, story_id)
    assert response.status_code == 400
    assert "borgerens samtykke til at dele den er bekræftet" in response.get_data(as_text=True)
    assert stored(app, story_id).status == "draft"


@pytest.mark.parametrize("field, value", [
    ("text", TEXT + " Tak til Jens!"),
    ("text", TEXT + " HANSEN-MØLLER er en stjerne."),
    ("text", TEXT + " Hr. møller smiler."),
    ("title", "Jens fik fast job"),
])
def test_publish_refuses_the_citizens_name(app, client, auth, world, field, value):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world, **{field: value}))
    response = publish(client, auth, story_id)
    assert response.status_code == 400
    assert "Historien nævner borgerens navn" in response.get_data(as_text=True)
    assert stored(app, story_id).status == "draft"


@pytest.fixture
def rahel(app, world):
    """A placement at partner A of a citizen named Rahel Tesfaye; its id."""
    with app.app_context():
        citizen = Citizen(name="Rahel Tesfaye", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1))
        placement = Placement(citizen=citizen, company_id=world["partner"].company_id, kind="smaajob",
                              start_date=date(2026, 3, 2), weekly_hours=6, end_date=date(2026, 6, 30),
                              end_reason="ordinaert_job")
        db.session.add_all([citizen, placement])
        db.session.commit()
        return placement.id


@pytest.mark.parametrize("field, value, rule", [
    ("text", TEXT + " Rahels kolleger er glade.", "bøjet form af navnet"),
    ("text", TEXT + " RAHEL er en stjerne.", "store/små bogstaver"),
    ("text", TEXT + " R\u0430hel er en stjerne.", "andet alfabet"),
    ("text", TEXT + " Rahel's kolleger er glade.", "bøjet form af navnet"),
    ("text", TEXT + " Tak, Rahel Tesfaye.", "»Rahel« (navnet)"),
    ("text", TEXT + " Tak, Rahel.", "»Rahel« (navnet)"),
    ("text", TEXT + " Tak, Tesfaye.", "»Tesfaye« (navnet)"),
    ("title", "Tesfayens nye job", "bøjet form af navnet"),
])
def test_publish_refuses_the_name_in_every_disguise(app, client, auth, world, rahel, field, value, rule):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world, placement=str(rahel), **{field: value}))
    response = publish(client, auth, story_id)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Historien nævner borgerens navn" in html and rule in html
    assert stored(app, story_id).status == "draft"


def test_a_story_must_be_linked_to_a_placement_to_be_published(app, client, auth, world):
    """Unlinked, no citizen is known to check the text against: even the full name got through."""
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world, placement="", text=TEXT + f" Tak, {CITIZEN_NAME}."))
    response = publish(client, auth, story_id)
    assert response.status_code == 400
    assert "knyttet til et forløb" in response.get_data(as_text=True)
    assert stored(app, story_id).status == "draft"


def test_a_published_story_cannot_be_unlinked(app, client, auth, world):
    story_id = published_story(client, auth, world)
    token = auth.csrf_token(f"/historier/{story_id}/rediger")
    response = client.post(f"/historier/{story_id}/rediger",
                           data={**form_data(world, placement=""), "csrf_token": token})
    assert response.status_code == 400 and "knyttet til et forløb" in response.get_data(as_text=True)
    assert stored(app, story_id).placement_id == world["placement"]


def test_name_check_is_whole_word_and_skips_anonymised_citizens(app, client, auth, world):
    story_id = published_story(client, auth, world, text=TEXT + " Jensine fra lageret hjalp.")
    assert stored(app, story_id).status == "published"
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.name, citizen.anonymised_at = "Anonymiseret borger", datetime.now(timezone.utc)
        db.session.commit()
    other = story_id_from(create(client, auth, world, text=TEXT + " En borger i job."))
    assert publish(client, auth, other).status_code == 302


def test_editing_a_published_story_keeps_the_publish_rules(app, client, auth, world):
    story_id = published_story(client, auth, world)
    token = auth.csrf_token(f"/historier/{story_id}/rediger")
    named = client.post(f"/historier/{story_id}/rediger",
                        data={**form_data(world, text=TEXT + " Jens siger tak."), "csrf_token": token})
    assert named.status_code == 400 and "Historien nævner borgerens navn" in named.get_data(as_text=True)
    no_consent = client.post(f"/historier/{story_id}/rediger",
                             data={**form_data(world, consent_confirmed=None), "csrf_token": token})
    assert no_consent.status_code == 400
    assert stored(app, story_id).text == TEXT
    ok = client.post(f"/historier/{story_id}/rediger",
                     data={**form_data(world, title="Ny overskrift"), "csrf_token": token})
    assert ok.status_code == 302 and stored(app, story_id).title == "Ny overskrift"


def test_consultant_ignores_extra_fields(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    response = create(client, auth, world, status="published", author_id=str(world["admin"].id),
                      company_id=str(world["partner_b"].company_id), published_at="2020-01-01", role="admin")
    story = stored(app, story_id_from(response))
    assert (story.status, story.author_id, story.company_id, story.published_at) == (
        "draft", world["consultant"].id, world["partner"].company_id, None)


def test_partner_sees_published_stories_of_all_partners_newest_first(app, client, auth, world):
    first = published_story(client, auth, world, title="Første historie")
    published_story(client, auth, world, title="Anden historie", kind="loentilskud",
                    company=str(world["partner_b"].company_id), placement=str(world["placement_b"]),
                    outcome="uddannelse")
    assert create(client, auth, world, title="Hemmelig kladde").status_code == 302
    withdrawn = published_story(client, auth, world, title="Trukket historie")
    with app.app_context():
        db.session.get(SuccessStory, first).published_at -= timedelta(days=1)
        db.session.commit()
    token = auth.csrf_token(f"/historier/{withdrawn}/rediger")
    assert client.post(f"/historier/{withdrawn}/tilbagetraek", data={"csrf_token": token}).status_code == 302
    auth.switch_to(world["partner"].email)
    page = client.get("/historier/").get_data(as_text=True)
    assert page.index("Anden historie") < page.index("Første historie")
    assert "Hemmelig kladde" not in page and "Trukket historie" not in page
    assert "Firma 1" in page and "Løntilskud" in page and "Udfald: Job" in page and TEXT in page
    assert CITIZEN_NAME not in page
    filtered = client.get("/historier/?kind=loentilskud").get_data(as_text=True)
    assert "Anden historie" in filtered and "Første historie" not in filtered
    assert "Første historie" in client.get("/historier/?kind=<script>").get_data(as_text=True)


def test_stories_of_a_former_partner_are_hidden_and_cannot_be_published(app, client, auth, world):
    published_story(client, auth, world)
    draft = story_id_from(create(client, auth, world, title="Kladde"))
    auth.switch_to(world["partner_b"].email)
    assert "Fra fire timer til fast job" in client.get("/historier/").get_data(as_text=True)
    with app.app_context():
        db.session.get(Company, world["partner"].company_id).code_of_care = False
        db.session.commit()
    assert "Fra fire timer til fast job" not in client.get("/historier/").get_data(as_text=True)
    auth.switch_to(world["consultant"].email)
    response = publish(client, auth, draft)
    assert response.status_code == 400 and "Code of Care-partner" in response.get_data(as_text=True)


@pytest.mark.parametrize("text", ["<script>alert(1)</script> og resten af historien her",
                                  "{{7*7}} er ikke 49 i denne historie, bare tekst",
                                  "=HYPERLINK(\"http://evil\") * ? ~ /re/ AND \" tekst"])
def test_story_text_is_shown_as_text(client, auth, world, text):
    published_story(client, auth, world, text=text)
    auth.switch_to(world["partner"].email)
    page = client.get("/historier/").get_data(as_text=True)
    assert "<script>alert" not in page
    assert ("&lt;script&gt;" in page) if "<script>" in text else ("{{7*7}}" in page or "HYPERLINK" in page)


def test_combining_characters_are_normalised(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world, title="Cafe\u0301en ansatte"))
    assert stored(app, story_id).title == "Caféen ansatte"


def test_ordinary_company_gets_a_friendly_403_and_no_menu_entry(app, client, auth, world):
    published_story(client, auth, world)
    auth.switch_to(world["ordinary"].email)
    response = client.get("/historier/")
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and "kun for virksomheder, der er Code of Care-partnere" in body
    assert "Fra fire timer" not in body
    assert "Gode historier</a>" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "authorisation_denied", AuditEvent.purpose == "stories.index")) == 1


@pytest.mark.parametrize("who", ["partner", "consultant", "admin"])
def test_menu_entry_for_partners_and_staff(client, auth, world, who):
    auth.switch_to(world[who].email)
    assert 'href="/historier/"' in client.get("/").get_data(as_text=True)


def test_consultant_sees_every_story_with_its_status(client, auth, world):
    published_story(client, auth, world, title="Offentlig")
    create(client, auth, world, title="Kladden")
    page = client.get("/historier/").get_data(as_text=True)
    assert "Offentlig" in page and "Kladden" in page and "Offentliggjort" in page and "Kladde" in page
    drafts = client.get("/historier/?status=draft").get_data(as_text=True)
    assert "Kladden" in drafts and ">Offentlig<" not in drafts


@pytest.mark.parametrize("who", ["partner", "ordinary"])
def test_companies_cannot_write_publish_or_withdraw(app, client, auth, world, who):
    story_id = published_story(client, auth, world)
    draft = story_id_from(create(client, auth, world, title="Kladde"))
    auth.switch_to(world[who].email)
    token = auth.csrf_token("/")
    extra = {**form_data(world), "csrf_token": token, "company_id": str(world[who].company_id),
             "status": "published", "role": "consultant"}
    assert client.get("/historier/ny").status_code == 403
    assert client.post("/historier/ny", data=extra).status_code == 403
    assert client.post(f"/historier/{draft}/rediger", data=extra).status_code == 403
    assert client.post(f"/historier/{draft}/offentliggoer", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/historier/{story_id}/tilbagetraek", data={"csrf_token": token}).status_code == 403
    assert count(app) == 2 and stored(app, draft).status == "draft"
    assert stored(app, story_id).status == "published"


def test_state_changes_need_csrf(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    assert client.post("/historier/ny", data=form_data(world)).status_code == 400
    assert count(app) == 0
    story_id = story_id_from(create(client, auth, world))
    assert client.post(f"/historier/{story_id}/offentliggoer").status_code == 400
    assert client.post(f"/historier/{story_id}/offentliggoer", data={"csrf_token": "forged"}).status_code == 400
    assert stored(app, story_id).status == "draft"


def test_withdraw_only_a_published_story_and_it_is_audited(app, client, auth, world):
    story_id = published_story(client, auth, world)
    draft = story_id_from(create(client, auth, world, title="Kladde"))
    token = auth.csrf_token(f"/historier/{draft}/rediger")
    assert client.post(f"/historier/{draft}/tilbagetraek", data={"csrf_token": token}).status_code == 400
    assert client.post(f"/historier/{story_id}/tilbagetraek", data={"csrf_token": token}).status_code == 302
    assert stored(app, story_id).status == "withdrawn"
    with app.app_context():
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.purpose == f"story:{story_id}").order_by(AuditEvent.id)))
    assert actions == ["story_created", "story_published", "story_withdrawn"]


@pytest.mark.parametrize("path", ["/historier/0/rediger", "/historier/2147483647/rediger",
                                  "/historier/99999999999/rediger", "/historier/-1/rediger",
                                  "/historier/abc/rediger"])
def test_unknown_story_ids_are_404(client, auth, world, path):
    auth.switch_to(world["consultant"].email)
    assert client.get(path).status_code == 404


def test_erasing_the_citizen_withdraws_the_story_and_drops_the_link(app, client, auth, world):
    """Erasure ends the consent the story was published on (portal.privacy)."""
    story_id = published_story(client, auth, world)
    with app.app_context():
        erase_citizen(db.session, world["citizen"], purpose="test")
        db.session.commit()
    story = stored(app, story_id)
    assert (story.placement_id, story.status) == (None, "withdrawn")


def test_database_refuses_a_published_story_without_consent(app, world):
    with app.app_context():
        db.session.add(SuccessStory(title="T", text=TEXT, company_id=world["partner"].company_id,
                                    kind="smaajob", author_id=world["consultant"].id, status="published",
                                    consent_confirmed=False))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_partner_results_link_to_the_stories(client, auth, world):
    auth.switch_to(world["partner"].email)
    assert 'href="/historier/"' in client.get("/forloeb/").get_data(as_text=True)


# --- Review B 6: type and outcome are the placement's; the placement list is the company's ---

@pytest.fixture
def running_flex(app, world):
    """A fleksjob at partner A that started on 1 December and is still running; its id."""
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        placement = Placement(citizen=citizen, company_id=world["partner"].company_id, kind="fleksjob",
                              start_date=date(2026, 11, 1), weekly_hours=12)
        db.session.add(placement)
        db.session.commit()
        return placement.id


def test_the_type_is_taken_from_the_chosen_placement(app, client, auth, world, running_flex):
    """Review, finding 2: the form stayed on »Småjob« and refused to save until the placement's
    type was picked by hand; the type is now the chosen placement's."""
    auth.switch_to(world["consultant"].email)
    saved = create(client, auth, world, placement=str(running_flex), kind="smaajob", outcome="")
    assert saved.status_code == 302
    assert stored(app, story_id_from(saved)).kind == "fleksjob"
    # re-shown with an error, the form shows the placement's type too
    html = create(client, auth, world, placement=str(running_flex), kind="smaajob", outcome="", text="kort"
                  ).get_data(as_text=True)
    assert re.search(r'<option selected value="fleksjob">', html)
    # without a placement the chosen type stands
    assert stored(app, story_id_from(create(client, auth, world, placement="", kind="loentilskud",
                                            outcome=""))).kind == "loentilskud"
    page = client.get("/historier/ny").get_data(as_text=True)
    assert "Type forløb (følger det valgte forløb)" in page
    assert "kan kun offentliggøres om et forløb, der er afsluttet med ordinært job, fleksjob eller uddannelse" in page


@pytest.fixture
def placement_at_a(app, world):
    """A function that adds a placement at partner A and returns its id."""
    def add(**fields) -> int:
        with app.app_context():
            citizen = db.session.get(Citizen, world["citizen"])
            values = dict(citizen=citizen, company_id=world["partner"].company_id, kind="virksomhedspraktik",
                          start_date=date(2026, 11, 20), weekly_hours=12)
            placement = Placement(**{**values, **fields})
            db.session.add(placement)
            db.session.commit()
            return placement.id
    return add


@pytest.mark.parametrize("fields, outcome, message, at", [
    ({}, "", "Forløbet er ikke afsluttet endnu; gem historien som kladde så længe.", "placement"),
    ({"start_date": date(2026, 6, 1), "end_date": date(2027, 1, 31), "end_reason": "ordinaert_job"}, "",
     "Forløbet er ikke afsluttet endnu", "placement"),
    ({"start_date": date(2026, 6, 1), "end_date": date(2026, 9, 30), "end_reason": "afbrudt"}, "afbrudt",
     "Forløbet endte med »Afbrudt«: en god historie kan kun offentliggøres om et forløb", "placement"),
    ({"start_date": date(2026, 6, 1), "end_date": date(2026, 9, 30), "end_reason": "forloeb_slut"}, "",
     "Forløbet endte med »Sluttede som aftalt (ikke i job)«", "placement"),
    ({"start_date": date(2026, 6, 1), "end_date": date(2026, 9, 30), "end_reason": "uddannelse"}, "",
     "Vælg udfaldet »Uddannelse«, som forløbet endte med", "outcome"),
], ids=["just-started", "end-ahead", "interrupted", "ended-as-agreed", "no-outcome"])
def test_only_a_placement_ended_in_a_success_gets_a_published_story(app, client, auth, world, placement_at_a, frozen_today,
                                                                     fields, outcome, message, at):
    """Review, finding 2: a story about a placement started days ago, »Udfald: Intet udfald
    endnu«, was published to every partner. A draft may be kept; publishing is refused."""
    placement = placement_at_a(**fields)
    auth.switch_to(world["consultant"].email)
    draft = create(client, auth, world, placement=str(placement), outcome=outcome)
    assert draft.status_code == 302
    story_id = story_id_from(draft)
    refused = publish(client, auth, story_id)
    assert refused.status_code == 400 and stored(app, story_id).status == "draft"
    html = refused.get_data(as_text=True)
    assert message in html
    assert f'id="{at}-error"' in html  # at the field to put right


def test_a_placement_ended_in_a_success_gets_its_story_published(app, client, auth, world, placement_at_a):
    placement = placement_at_a(start_date=date(2026, 6, 1), end_date=date(2026, 9, 30), end_reason="fleksjob",
                               kind="fleksjob")
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world, placement=str(placement), outcome="fleksjob"))
    assert publish(client, auth, story_id).status_code == 302
    assert stored(app, story_id).status == "published"


def test_no_outcome_for_a_running_placement(app, client, auth, world, running_flex):
    """The review: a running fleksjob published as "Småjob → Ordinært job"."""
    auth.switch_to(world["consultant"].email)
    refused = create(client, auth, world, placement=str(running_flex), kind="fleksjob", outcome="ordinaert_job")
    assert refused.status_code == 400 and count(app) == 0
    assert "Forløbet er ikke afsluttet endnu: vælg »Intet udfald endnu«" in refused.get_data(as_text=True)
    assert create(client, auth, world, placement=str(running_flex), kind="fleksjob", outcome="").status_code == 302


def test_outcome_must_be_how_the_placement_ended(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    refused = create(client, auth, world, outcome="uddannelse")
    assert refused.status_code == 400 and count(app) == 0
    assert "Forløbet endte med »Ordinært job«" in refused.get_data(as_text=True)


def test_a_draft_that_no_longer_fits_its_placement_cannot_be_published(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world))
    with app.app_context():
        db.session.get(SuccessStory, story_id).kind = "fleksjob"  # as stored before this rule
        db.session.commit()
    response = publish(client, auth, story_id)
    assert response.status_code == 400 and stored(app, story_id).status == "draft"
    html = response.get_data(as_text=True)
    assert "Forløbet er af typen »Småjob«" in html
    # the re-shown saved story still offers (and has chosen) its placement
    assert re.search(rf'<option selected value="{world["placement"]}">Forløb nr. ', html)


def test_placement_list_holds_only_the_chosen_companys_placements(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    blank = client.get("/historier/ny").get_data(as_text=True)
    assert CITIZEN_NAME not in blank and "Vælg først virksomheden" in blank
    token = auth.csrf_token("/historier/ny")
    shown = client.post("/historier/ny", data={"company": str(world["partner_b"].company_id), "title": "Min titel",
                                              "vis_forloeb": "1", "csrf_token": token})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and count(app) == 0 and "Min titel" in html
    assert "Historien er ikke gemt endnu: vælg forløbet og tryk »Gem som kladde«" in html
    assert f'Forløb nr. {world["placement_b"]} ·' in html and f'Forløb nr. {world["placement"]} ·' not in html
    story_id = story_id_from(create(client, auth, world))
    edit = client.get(f"/historier/{story_id}/rediger").get_data(as_text=True)
    assert f'Forløb nr. {world["placement"]} ·' in edit and f'Forløb nr. {world["placement_b"]} ·' not in edit
    assert "slut 31.03.2026: Ordinært job" in edit  # the list says how each placement went


# --- Review: a story gives away no health details (portal.health_words.HEALTH_WORDS) ---

@pytest.mark.parametrize("field, value, shown", [
    ("text", TEXT + " Skånehensynene blev aftalt fra start.", "»Skånehensynene«"),
    ("text", TEXT + " Forløbet endte med et fleksjob i virksomheden.", "»fleksjob«"),
    ("text", TEXT + " Hun var sygemeldt på grund af stress.", "»sygemeldt«, »på grund af«, »stress«"),
    ("title", "Fra Fleksjob til fast job", "»Fleksjob«"),
])
def test_saving_refuses_health_details_at_the_field(app, client, auth, world, field, value, shown):
    auth.switch_to(world["consultant"].email)
    response = create(client, auth, world, **{field: value})
    assert response.status_code == 400 and count(app) == 0
    html = response.get_data(as_text=True)
    label = {"text": "Historien", "title": "Overskriften"}[field]
    error = re.search(rf'id="{field}-error"><span class="sr-only">Fejl:</span>(.*?)</span>', html, re.DOTALL)
    assert error is not None, "the message is at the field"
    assert f"{label} må ikke nævne helbred, begrænsninger eller skånehensyn: {shown}." in error.group(1)
    assert value in html  # what was typed is kept to rewrite


def test_editing_a_draft_refuses_health_details(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world))
    token = auth.csrf_token(f"/historier/{story_id}/rediger")
    response = client.post(f"/historier/{story_id}/rediger", data={
        **form_data(world, text=TEXT + " Hun har en diagnose."), "csrf_token": token})
    assert response.status_code == 400 and "»diagnose«" in response.get_data(as_text=True)
    assert stored(app, story_id).text == TEXT


def stored_before_the_rule(app, story_id: int, text: str, status: str | None = None) -> None:
    with app.app_context():
        story = db.session.get(SuccessStory, story_id)
        story.text = text
        if status:
            story.status, story.published_at = status, datetime.now(timezone.utc)
        db.session.commit()


def test_a_draft_saved_before_the_rule_cannot_be_published(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world))
    stored_before_the_rule(app, story_id, TEXT + " Skånehensynene blev aftalt fra start.")
    response = publish(client, auth, story_id)
    assert response.status_code == 400 and stored(app, story_id).status == "draft"
    html = response.get_data(as_text=True)
    assert "»Skånehensynene«" in re.search(r'data-testid="action-error"(.*?)</div>', html, re.DOTALL).group(1)
    assert "»Skånehensynene«" in re.search(r'id="text-error"><span class="sr-only">Fejl:</span>(.*?)</span>', html,
                                           re.DOTALL).group(1)
    assert "Historien er ikke gemt" not in html  # it is saved, only not published


def test_partners_do_not_see_a_story_published_before_the_rule(app, client, auth, world):
    story_id = published_story(client, auth, world, title="Gammel historie")
    clean = published_story(client, auth, world, title="Ren historie")
    stored_before_the_rule(app, story_id, TEXT + " Han fik fleksjob efter sin depression.")
    auth.switch_to(world["partner_b"].email)
    html = client.get("/historier/").get_data(as_text=True)
    assert "Ren historie" in html and f'data-story-id="{clean}"' in html
    assert "Gammel historie" not in html and "depression" not in html
    auth.switch_to(world["consultant"].email)
    staff = client.get("/historier/").get_data(as_text=True)
    row = re.search(rf'data-story-id="{story_id}">(.*?)</tr>', staff, re.DOTALL).group(1)
    assert "Skjult for virksomhederne: nævner helbred eller skånehensyn" in row
    assert "Skjult for virksomhederne" not in re.search(rf'data-story-id="{clean}">(.*?)</tr>', staff,
                                                        re.DOTALL).group(1)


def test_the_partner_page_promises_what_the_rules_hold(client, auth, world):
    auth.switch_to(world["partner"].email)
    promise = re.search(r'data-testid="stories-promise">(.*?)</p>', client.get("/historier/").get_data(as_text=True),
                        re.DOTALL).group(1)
    assert "hverken borgerens navn, helbred eller skånehensyn" in " ".join(promise.split())


def test_the_demo_stories_hold_no_health_details_and_do_not_single_out_the_person():
    from portal.demo import stories as demo_stories
    from portal.demo.generator import generate_demo
    from portal.stories.service import health_words

    demo = generate_demo(7, date(2026, 11, 23))
    assert demo.stories
    for story in demo.stories:
        company = demo.companies[story.company].name
        text = f"{story.title}\n{story.text}"
        assert not health_words(text), text
        assert company not in text and not re.search(r"\d", text), text  # no hours, months, company
    parts = [*demo_stories.OPENINGS, *demo_stories.MIDDLES, *demo_stories.ENDINGS,
             *demo_stories.OUTCOME_PHRASES.values()]
    assert not [part for part in parts if health_words(part)]


# --- Review B 4: a story never shows fleksjob (reduced capacity to work is health data) ---

@pytest.fixture
def ended_flex(app, world):
    """A fleksjob at partner A that ended in a fleksjob on 30 September; its id."""
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        placement = Placement(citizen=citizen, company_id=world["partner"].company_id, kind="fleksjob",
                              start_date=date(2026, 3, 1), weekly_hours=12, end_date=date(2026, 9, 30),
                              end_reason="fleksjob")
        db.session.add(placement)
        db.session.commit()
        return placement.id


def test_a_fleksjob_story_shows_job_like_an_ordinary_job(app, client, auth, world, ended_flex):
    """The review: »Østjysk Kødcentral A/S · Virksomhedspraktik · Udfald: Fleksjob« told every partner."""
    published_story(client, auth, world, title="Fleks-historien", placement=str(ended_flex), kind="fleksjob",
                    outcome="fleksjob")
    published_story(client, auth, world, title="Ordinær-historien")  # småjob ending in ordinært job
    auth.switch_to(world["partner_b"].email)
    page = client.get("/historier/").get_data(as_text=True)
    assert "Fleks-historien" in page and "Ordinær-historien" in page
    shown = re.findall(r'<article.*?</article>|<form method="get".*?</form>', page, re.DOTALL)
    assert len(shown) == 3 and "fleksjob" not in "".join(shown).lower()  # type, outcome, filter options
    cards = dict(re.findall(r'data-testid="story-title">([^<]+)</h2>.*?data-testid="story-outcome">([^<]+)<', page,
                            re.DOTALL))
    assert cards == {"Fleks-historien": "Udfald: Job", "Ordinær-historien": "Udfald: Job"}
    # the filter cannot single fleksjob out: »fleksjob« is no filter (all shown), »job« holds both kinds
    assert "Ordinær-historien" in client.get("/historier/?kind=fleksjob").get_data(as_text=True)
    job = client.get("/historier/?kind=job").get_data(as_text=True)
    assert "Fleks-historien" in job and "Ordinær-historien" not in job  # the other one is a småjob
    auth.switch_to(world["consultant"].email)
    staff = client.get("/historier/").get_data(as_text=True)
    row = re.search(r'Fleks-historien</a></td>(.*?)</tr>', staff, re.DOTALL).group(1)
    assert "Fleksjob" not in row and row.count("<td>Job</td>") == 2  # staff see what partners see


# --- Review T 1: a placement cancelled before its start (end reason "aflyst") has no outcome ---

@pytest.fixture
def cancelled(app, world):
    """A placement at partner A cancelled before its planned start of 1 March 2026; its id."""
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        placement = Placement(citizen=citizen, company_id=world["partner"].company_id, kind="smaajob",
                              start_date=date(2026, 3, 1), end_date=date(2026, 3, 1), end_reason="aflyst",
                              weekly_hours=4)
        db.session.add(placement)
        db.session.commit()
        return placement.id


def test_aflyst_is_no_outcome_a_story_can_have(app, client, auth, world, cancelled):
    """»Aflyst før start« was offered, and the database's CHECK then refused it (a 500)."""
    auth.switch_to(world["consultant"].email)
    form = client.get("/historier/ny").get_data(as_text=True)
    assert 'value="aflyst"' not in form and "Aflyst før start" not in form
    for placement in (world["placement"], cancelled):
        refused = create(client, auth, world, placement=str(placement), outcome="aflyst")
        assert refused.status_code == 400 and count(app) == 0
        assert "Vælg en af mulighederne på listen." in refused.get_data(as_text=True)


def test_a_cancelled_placement_has_no_outcome_and_gets_no_published_story(app, client, auth, world, cancelled):
    auth.switch_to(world["consultant"].email)
    refused = create(client, auth, world, placement=str(cancelled), outcome="afbrudt")
    assert refused.status_code == 400 and count(app) == 0
    assert "Forløbet blev aflyst før start og har intet udfald" in refused.get_data(as_text=True)
    saved = create(client, auth, world, placement=str(cancelled), outcome="")
    assert saved.status_code == 302
    story_id = story_id_from(saved)
    edit = client.get(f"/historier/{story_id}/rediger").get_data(as_text=True)
    assert f"Forløb nr. {cancelled} · Småjob · start 01.03.2026 · aflyst før start ·" in edit
    response = publish(client, auth, story_id)
    assert response.status_code == 400 and stored(app, story_id).status == "draft"
    assert "Forløbet blev aflyst før start: en historie om et forløb" in response.get_data(as_text=True)


def _form_id(client) -> str:
    html = client.get("/historier/ny").get_data(as_text=True)
    return re.search(r'name="form_id" value="([^"]+)"', html).group(1)


def test_the_same_new_story_form_sent_twice_saves_one_story(app, client, auth, world):
    """Back + send again (or a double click) goes to the story the first POST saved (review AF 9)."""
    auth.switch_to(world["consultant"].email)
    form_id = _form_id(client)
    data = {**form_data(world), "form_id": form_id, "csrf_token": auth.csrf_token("/historier/ny")}
    first = client.post("/historier/ny", data=data)
    again = client.post("/historier/ny", data=data)
    assert count(app) == 1
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "Historien er allerede gemt som kladde." in client.get(again.headers["Location"]).get_data(as_text=True)


def test_a_changed_resend_of_the_new_story_form_is_shown_again_not_saved(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    form_id = _form_id(client)
    token = auth.csrf_token("/historier/ny")
    assert client.post("/historier/ny", data={**form_data(world), "form_id": form_id, "csrf_token": token}
                       ).status_code == 302
    changed = client.post("/historier/ny", data={**form_data(world, title="En anden overskrift"),
                                                 "form_id": form_id, "csrf_token": token})
    html = changed.get_data(as_text=True)
    assert changed.status_code == 409 and count(app) == 1
    assert "allerede gemt som kladde" in html and 'value="En anden overskrift"' in html
    new_id = re.search(r'name="form_id" value="([^"]+)"', html).group(1)
    assert new_id != form_id  # sending it now saves a second story, as asked
    assert client.post("/historier/ny", data={**form_data(world, title="En anden overskrift"),
                                              "form_id": new_id, "csrf_token": token}).status_code == 302
    assert count(app) == 2


def _edit_page(client, story_id: int) -> dict:
    """The edit form's token and base as a GET rendered them (what that tab would send)."""
    html = client.get(f"/historier/{story_id}/rediger").get_data(as_text=True)
    return {"csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1),
            "base": re.search(r'name="base" type="hidden" value="([^"]*)"', html).group(1)}


def test_a_stale_story_edit_is_refused_and_merged_not_saved_over_the_other(app, client, auth, world):
    """A and B open the same story; A changes the headline, then B sends the text: B's form must
    not change the headline back (review AF 8)."""
    story_id = published_story(client, auth, world)
    page_a, page_b = _edit_page(client, story_id), _edit_page(client, story_id)
    saved_a = client.post(f"/historier/{story_id}/rediger",
                          data={**form_data(world, title="Ny overskrift fra A"), **page_a})
    assert saved_a.status_code == 302
    b_text = TEXT + " Tilføjet af B."
    stale = client.post(f"/historier/{story_id}/rediger", data={**form_data(world, text=b_text), **page_b})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    story = stored(app, story_id)
    assert (story.title, story.text) == ("Ny overskrift fra A", TEXT)  # nothing of B's saved yet
    assert "ændret af en anden, mens du redigerede, så intet er gemt endnu" in html
    assert "overskriften (nu »Ny overskrift fra A«)" in html
    # the form: A's headline (saved now) and B's text (typed), with the saved story's base
    assert 'value="Ny overskrift fra A"' in html and "Tilføjet af B." in html
    base = re.search(r'name="base" type="hidden" value="([^"]*)"', html).group(1)
    again = client.post(f"/historier/{story_id}/rediger", data={
        **form_data(world, title="Ny overskrift fra A", text=b_text), "csrf_token": page_b["csrf_token"],
        "base": base})
    assert again.status_code == 302
    story = stored(app, story_id)
    assert (story.title, story.text) == ("Ny overskrift fra A", b_text)


def test_a_field_both_changed_keeps_what_this_user_typed_and_names_the_other(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world))
    page_a, page_b = _edit_page(client, story_id), _edit_page(client, story_id)
    assert client.post(f"/historier/{story_id}/rediger",
                       data={**form_data(world, title="Overskrift fra A"), **page_a}).status_code == 302
    stale = client.post(f"/historier/{story_id}/rediger",
                        data={**form_data(world, title="Overskrift fra B"), **page_b})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and stored(app, story_id).title == "Overskrift fra A"
    assert "I har begge ændret overskriften (den anden: »Overskrift fra A«)" in html
    assert 'value="Overskrift fra B"' in html


def test_the_same_edit_sent_again_is_not_a_conflict(app, client, auth, world):
    """Back + send of one's own save (or the same change by both) loses nothing: it is saved."""
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world))
    page = _edit_page(client, story_id)
    data = {**form_data(world, title="Samme overskrift"), **page}
    assert client.post(f"/historier/{story_id}/rediger", data=data).status_code == 302
    assert client.post(f"/historier/{story_id}/rediger", data=data).status_code == 302
    assert stored(app, story_id).title == "Samme overskrift"


def test_a_stale_edit_names_the_other_persons_choices_as_saved(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    story_id = story_id_from(create(client, auth, world))
    page_a, page_b = _edit_page(client, story_id), _edit_page(client, story_id)
    assert client.post(f"/historier/{story_id}/rediger", data={
        **form_data(world, outcome="", consent_confirmed=None), **page_a}).status_code == 302
    stale = client.post(f"/historier/{story_id}/rediger", data={**form_data(world, title="Fra B"), **page_b})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "udfaldet (nu »Intet udfald endnu«)" in html and "samtykket (nu ikke bekræftet)" in html
    assert 'value="Fra B"' in html and 'name="consent_confirmed" type="checkbox" value="y" checked' not in html
    assert re.search(r'<option selected value="">Intet udfald endnu', html)
