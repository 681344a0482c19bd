"""Review BJ 1: a company that sees the name under a consent whose text covers the name alone
(»samtykke-v1«) but was given the phone before (``Proposal.shared_contacts``) is told that the
corrected phone is not for it to use, not sent to a candidate page that does not show it; the
consultant's flash and the ``proposal.rectified`` webhook say the same."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import MailMessage, Proposal
from tests.portal import test_citizen_rectification as base
from tests.portal.test_citizen_rectification import NEW_PHONE, _flash, _notices, _post, _queued, _who

world = base.world
queued_mail_stays = base.queued_mail_stays

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def v1(app, world):  # noqa: F811 (the fixture by name)
    """The first company's consent is under »samtykke-v1«; it was given the phone before the
    scope rule (shared_contacts), and its copy still holds the phone and e-mail."""
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.consents[-1].text_version = "samtykke-v1"
        proposal.shared_contacts = ["phone"]
        db.session.commit()
    return world


def _mail(app, user) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(MailMessage.body).where(
            MailMessage.user_id == user.id, MailMessage.kind == "candidate_data")).one()


def test_a_corrected_phone_the_consent_does_not_show_is_not_to_be_used(app, client, auth, v1):
    scoped = v1
    html = _flash(_post(app, client, auth, scoped, phone=NEW_PHONE))
    assert ("Firma 0 har borgerens navn og har fået besked om rettelsen (rettet: telefonnummer); samtykket dækker "
            "ikke telefonnummer, så virksomheden ser det ikke og har fået besked om ikke at bruge det, den fik."
            ) in html
    assert "kandidatens side viser de rettede oplysninger" not in html
    [notice] = _notices(app, scoped["company"])
    assert notice.text == (f"Oplysningerne om {_who(app, scoped)} til »Praktik i kantinen« er rettet hos jobcentret: "
                           "telefonnummer. Det, I fik, er ikke længere rigtigt: brug det ikke. Samtykket viser jer "
                           "det ikke i portalen.")
    body = _mail(app, scoped["company"])
    assert "Brug de rettede oplysninger, som står på kandidatens side" not in body
    assert "samtykket dækker ikke telefonnummer" in body
    [hook] = _queued(app, scoped)["a"]
    assert hook["data"]["fields"] == ["phone"] and hook["data"]["readable"] is False
    assert hook["data"]["readable_fields"] == [] and set(hook["links"]) == {"portal"}
    # the company's page indeed shows no phone
    auth.switch_to(scoped["company"].email)
    page = client.get(f"/opslag/{scoped['opening']}/kandidat/{scoped['proposal']}").get_data(as_text=True)
    assert NEW_PHONE not in page


def test_a_corrected_name_and_phone_shows_the_name_only(app, client, auth, v1):
    scoped = v1
    html = _flash(_post(app, client, auth, scoped, name="Qzvwxy Rettetsen", phone=NEW_PHONE))
    assert ("Firma 0 har borgerens navn og har fået besked om rettelsen (rettet: navn og telefonnummer); "
            "kandidatens side viser det rettede (navn), samtykket dækker ikke telefonnummer") in html
    [notice] = _notices(app, scoped["company"])
    assert notice.text == (f"Oplysningerne om {_who(app, scoped)} til »Praktik i kantinen« er rettet hos jobcentret: "
                           "navn og telefonnummer. Se de rettede oplysninger (navn) på kandidatens side. "
                           "Telefonnummeret, I fik, er ikke længere rigtigt: brug det ikke. I ser det ikke i portalen.")
    [hook] = _queued(app, scoped)["a"]
    assert hook["data"]["fields"] == ["name", "phone"] and hook["data"]["readable"] is False
    assert hook["data"]["readable_fields"] == ["name"] and set(hook["links"]) == {"portal", "api"}
    # a company that sees everything corrected reads it all (v2, unchanged)
    [other] = _queued(app, scoped)["b"]
    assert other["data"]["readable"] is True and other["data"]["readable_fields"] == ["name"]


def test_companies_told_alike_share_one_sentence():
    from portal.citizens import recipients, rectification

    corrected = recipients.Corrected(told=("A", "B"), fields={"A": ("phone",), "B": ("phone",)},
                                     hidden={"A": ("phone",), "B": ("phone",)})
    assert rectification.saved_message(corrected) == (
        "A og B har borgerens navn og har fået besked om rettelsen (rettet: telefonnummer); samtykket dækker ikke "
        "telefonnummer, så de ser det ikke og har fået besked om ikke at bruge det, de fik.")
