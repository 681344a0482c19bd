"""The CV check is fast (review AK 6) and gives what the per-sentence check gave before: the
result is cached per text and citizen, repeated sentences are checked once, the company's
candidate page and the download reuse the check, and the CV page names every kind that is taken out."""
from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from portal import cv_details, private_details
from portal.citizens import cv_sharing
from portal.extensions import db
from store.models import Citizen, CvDocument, Proposal
from store.models.base import utcnow
from tests.portal.proposal_fixtures import build_world, set_status

CITIZEN = SimpleNamespace(name="Zqxnavn Olsen", phone="+45 12 34 56 78", email="zq@example.dk")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def reference(text: str, citizen) -> cv_sharing.CheckedCv:
    """The check as it was before review AK 6 (one find() per sentence, every time), with the
    CV-only details of review AK 3."""
    lines, withheld = [], []
    for line in text.split("\n"):
        kept = []
        for sentence in filter(None, (part.strip() for part in _SENTENCE_END.split(line))):
            if found := private_details.find(sentence, citizen) + cv_details.find(sentence):
                withheld += [detail for detail in found if detail not in withheld]
            else:
                kept.append(sentence)
        if kept or not line.strip():
            lines.append(" ".join(kept))
    return cv_sharing.CheckedCv(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip(), tuple(withheld))


SENTENCES = ["Lagermedarbejder hos Firma N.", "Kørte truck.", "Sygemeldt med stress 2024.", "Født 1990.",
             "Zqxnavn Olsen", "Tlf. 12 34 56 78.", "Gift, 2 børn.", "Adresse: Vestergade 12, 8722 Hedensted",
             "Medlem af Enhedslisten!", "Godt samarbejde med kolleger?", "36 år", "Erfaring, 36 år",
             "Jeg er polsk.", "Taler polsk.", "", " ", "8722 Hedensted", "Kok på italiensk restaurant."]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(SENTENCES), st.sampled_from([" ", "\n", "\n\n", "\n\n\n", "  "])),
                max_size=12),
       st.text(alphabet="abc .!?\n12", max_size=30))
def test_the_result_is_the_per_sentence_checks(parts, noise):
    text = "".join(sentence + gap for sentence, gap in parts) + noise
    assert cv_sharing.checked(SimpleNamespace(text=text), CITIZEN) == reference(text, CITIZEN)


def test_a_long_cv_is_checked_once_per_distinct_sentence_and_cached(monkeypatch):
    line = "2015-2019: Lagermedarbejder hos Firma N. Ansvar for pluk og pak. Kørte truck. Godt samarbejde med kolleger!"
    text = "\n".join([line] * 1700) + "\nUnik linje om zqx-arbejde."
    calls = []
    real = private_details.find
    monkeypatch.setattr(private_details, "find", lambda sentence, citizen=None: calls.append(sentence) or real(sentence, citizen))
    first = cv_sharing.checked(SimpleNamespace(text=text), CITIZEN)
    assert len(calls) == 5  # four sentences repeated 1,700 times, and one more
    again = cv_sharing.checked(SimpleNamespace(text=text), SimpleNamespace(**vars(CITIZEN)))
    assert again is first and len(calls) == 5  # the same text and citizen: no check at all
    other = cv_sharing.checked(SimpleNamespace(text=text), SimpleNamespace(name="Bo Hansen", phone="", email=""))
    assert len(calls) == 10 and other.text == first.text  # another citizen is checked for their own name


def test_the_cv_page_names_every_kind_that_is_taken_out(app, client, auth, make_user):
    world = build_world(app, make_user)
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/borgere/{world['citizen']}/cv").get_data(as_text=True)
    section = html.split('data-testid="cv-sharing"', 1)[1].split("</section>", 1)[0]
    for label in (*private_details.KINDS.values(), *cv_details.KINDS.values()):
        assert label in section, label


def test_the_company_candidate_page_checks_a_cv_once(app, client, auth, make_user, monkeypatch, frozen_today):
    """The page must know whether anything is left (no »Hent CV« for nothing), but a view after
    the first, and the download, reuse the check."""
    world = build_world(app, make_user)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).share_cv = True
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.add(CvDocument(citizen_id=world["citizen"], text="Lagerarbejde hos Zqxfirma i fem år. Kørte truck.",
                                  content_type="txt", original_filename="", created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    set_status(app, world["proposal"], "disclosed", consent=True)
    calls = []
    real = private_details.find
    monkeypatch.setattr(private_details, "find", lambda sentence, citizen=None: calls.append(sentence) or real(sentence, citizen))
    auth.switch_to(world["company"].email)
    for _ in range(3):
        page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
        assert "Hent CV (tekstfil)" in page
    download = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/cv")
    assert download.get_data(as_text=True) == "Lagerarbejde hos Zqxfirma i fem år. Kørte truck.\n"
    cv_checks = [sentence for sentence in calls if "truck" in sentence or "Zqxfirma" in sentence]
    assert sorted(cv_checks) == ["Kørte truck.", "Lagerarbejde hos Zqxfirma i fem år."]  # not per view
