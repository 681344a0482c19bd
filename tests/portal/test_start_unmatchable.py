"""The start page's "cannot be matched" list, read without loading the whole caseload: the
same citizens as Citizen.matchable says, whatever their CVs and jobmål look like."""
from __future__ import annotations

import re
from datetime import date

from portal.extensions import db
from portal.main.queue import unmatchable_citizens
from store.models import Citizen, CvDocument, JobGoal, User


def _citizen(name, *, vk_id=None, adviser_id=None, goals=("Lager",), cvs=("CV med tekst",), **fields):
    citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                      case_start=date(2026, 1, 5), hours_available=10, vk_id=vk_id, adviser_id=adviser_id,
                      **fields)
    citizen.job_goals.extend(JobGoal(title=g, position=i) for i, g in enumerate(goals))
    citizen.cv_documents.extend(CvDocument(text=t) for t in cvs)
    return citizen


def test_the_list_is_exactly_the_caseload_citizens_that_are_not_matchable(app, make_user):
    me, other = make_user("consultant"), make_user("consultant")
    with app.app_context():
        db.session.add_all([
            _citizen("Anna Klar", vk_id=me.id),
            _citizen("Bent Blankt nyeste CV", vk_id=me.id, cvs=("Gammelt CV", " \n\u00a0\t")),
            _citizen("Carla Uden CV", vk_id=me.id, cvs=()),
            _citizen("Dan Uden jobmål", adviser_id=me.id, vk_id=other.id, goals=()),
            _citizen("Eva Uden VK", adviser_id=me.id),
            _citizen("Finn Nyt CV", vk_id=me.id, cvs=(" ", "Nu med tekst")),
            _citizen("Gitte Lukket", vk_id=me.id, cvs=(), case_closed=date(2026, 6, 1)),
            _citizen("Hans Andens", vk_id=other.id, cvs=()),
            _citizen("Ida Begrænset", vk_id=me.id, cvs=(), restricted=True),  # listed, marked (review AV 2)
        ])
        db.session.commit()
        user = db.session.get(User, me.id)
        listed = unmatchable_citizens(user)
        assert [c.name for c in listed] == ["Bent Blankt nyeste CV", "Carla Uden CV", "Dan Uden jobmål",
                                            "Eva Uden VK", "Ida Begrænset"]
        assert [c.missing_for_matching for c in listed] == [["CV"], ["CV"], ["jobmål"],
                                                            ["virksomhedskonsulent"], ["CV"]]
        assert [c.restricted for c in listed] == [False, False, False, False, True]


def _figure(html: str) -> int:
    return int(re.search(r'data-testid="figure-kan-ikke-matches" data-count="(\d+)"', html).group(1))


def _list_ids(client) -> list[int]:
    ids, page = [], 1
    while True:
        found = re.findall(r'data-testid="citizen-row" data-citizen-id="(\d+)"',
                           client.get(f"/borgere/?incomplete=y&page={page}").get_data(as_text=True))
        if not found:
            return ids
        ids, page = ids + [int(i) for i in found], page + 1


def test_start_page_count_is_the_rows_of_the_list_it_links_to(app, client, auth, make_user):
    """Review AV 2: the start page read its own rule (the VK taken as active, restricted citizens
    left out), so its »N borgere mangler« differed from /borgere/?incomplete=y. Both now read
    portal.citizens.queries.incomplete_caseload."""
    me, other = make_user("consultant"), make_user("consultant")
    gone = make_user("consultant", active=False)  # a VK deactivated without a handover
    with app.app_context():
        citizens = [
            _citizen("Anna Klar", vk_id=me.id),
            _citizen("Bo Rådgiver hos mig, VK deaktiveret", vk_id=gone.id, adviser_id=me.id),
            _citizen("Cille Rådgiver hos mig, aktiv VK", vk_id=other.id, adviser_id=me.id, goals=()),
            _citizen("Dorte Rådgiver hos mig, klar", vk_id=other.id, adviser_id=me.id),
            _citizen("Erik Begrænset", vk_id=me.id, cvs=(), restricted=True),
            _citizen("Frida Uden CV", vk_id=me.id, cvs=()),
            _citizen("Gorm Andens", vk_id=other.id, cvs=()),
        ]
        db.session.add_all(citizens)
        db.session.commit()
        ids = {c.name.split()[0]: c.id for c in citizens}
    auth.login(me.email)
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('data-testid="queue-kan-ikke-matches"'):]
    section = section[:section.index("</section>")]
    shown = [int(i) for i in re.findall(r'<th scope="row"><a href="/borgere/(\d+)"', section)]
    listed = _list_ids(client)
    assert sorted(shown) == sorted(listed) == sorted([ids["Bo"], ids["Cille"], ids["Erik"], ids["Frida"]])
    assert _figure(html) == len(listed) == 4
    assert 'href="/borgere/?incomplete=y"' in section
    # the deactivated VK is named as the list names it, with its fix
    assert f'href="/borgere/{ids["Bo"]}/sagsbehandlere" data-testid="fix">Tildel ny VK' in section
    # the restricted citizen is marked, with no fix offered
    row = section[section.index(f'href="/borgere/{ids["Erik"]}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-testid="restricted"' in row and 'data-testid="fix"' not in row


def test_start_page_says_one_in_the_singular(app, client, auth, make_user):
    """Review AV 8: »1 hotline-henvendelser«, »1 borgere …«: after 1 the figure's words and the
    caseload line are singular; after any other number plural."""
    from datetime import datetime, timedelta, timezone

    from store.models import HotlineRequest

    me, company_user = make_user("consultant"), make_user("company")
    with app.app_context():
        db.session.add(_citizen("Eneste Uden CV", vk_id=me.id, cvs=()))
        db.session.add(HotlineRequest(company_id=company_user.company_id, category="fravaer", urgency="hoej",
                                      subject="Fravær", created_by_id=company_user.id, assigned_to_id=me.id,
                                      due_at=datetime.now(timezone.utc) + timedelta(days=1)))
        db.session.commit()
    auth.login(me.email)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/").get_data(as_text=True)))
    assert "Du har 1 borger i din sagsstamme" in text
    assert "1 borger mangler CV, jobmål eller VK" in text
    assert "1 hotline-henvendelse venter på svar" in text
    assert "0 samtaler at aftale eller afholde" in text and "0 kandidater i bero" in text
    assert not re.search(r"\b1 (borgere|hotline-henvendelser|samtaler|samtykker|kandidater)\b", text)


def test_the_list_is_in_the_citizen_lists_danish_order(app, make_user):
    """The start page's rows are the list's rows, in the list's order: Æ, Ø, Å after Z, case
    folded (review AY 2)."""
    me = make_user("consultant")
    names = ["Åse Ærlig", "Ærø Æbelø", "Ørsted Ølby", "zacharias Zulu", "Anna Ahorn", "émile Ebbe"]
    with app.app_context():
        db.session.add_all([_citizen(name, vk_id=me.id, cvs=()) for name in names])
        db.session.commit()
        listed = [c.name for c in unmatchable_citizens(db.session.get(User, me.id))]
        assert listed == ["Anna Ahorn", "émile Ebbe", "zacharias Zulu", "Ærø Æbelø", "Ørsted Ølby", "Åse Ærlig"]
