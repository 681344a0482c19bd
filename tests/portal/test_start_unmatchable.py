"""The start page's "cannot be matched" list, read without loading the whole caseload: the
same citizens as Citizen.matchable says, whatever their CVs and jobmål look like."""
from __future__ import annotations

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
            _citizen("Ida Begrænset", vk_id=me.id, cvs=(), restricted=True),  # nothing may be added
        ])
        db.session.commit()
        user = db.session.get(User, me.id)
        listed = unmatchable_citizens(user)
        assert [c.name for c in listed] == ["Bent Blankt nyeste CV", "Carla Uden CV", "Dan Uden jobmål",
                                            "Eva Uden VK"]
        assert [c.missing_for_matching for c in listed] == [["CV"], ["CV"], ["jobmål"],
                                                            ["virksomhedskonsulent"]]
