"""A case-system id is the same id without regard to case, spaces and Unicode form, everywhere.

One rule (``store.models.citizens.external_id_key``: NFKC and full Unicode case folding), kept
in ``Citizen.external_id_key`` by a model hook and indexed (migration 0035): »ÆØ-1« and »æø-1«
are one id on SQLite too (whose ``lower()`` folds only A-Z), on »Opret borger«, in the import,
the API and the citizen list's search. An erased id is blocked by the hash of its folded form,
so »av-9« and » AV-9 « are refused after »AV-9« was erased; a block written before (the hash of
the id exactly as stored) still refuses the id, and lifting a block lifts both kinds.
"""
from __future__ import annotations

import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.citizens import service
from portal.extensions import db
from portal.imports import service as import_service
from portal.imports.runner import run_import
from portal.privacy.blocklist import block_reason, external_id_hash, forget_erasure, was_erased
from portal.privacy.erasure import erase_citizen
from store.models import Citizen
from store.models.citizens import ErasedExternalId, external_id_key
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN
from tests.imports.files import citizen_row, csv_bytes
from tests.portal.citizen_fixtures import make_citizen
from tests.portal.test_citizens_new import FORM, citizens, post
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.mark.parametrize("one, other", [
    ("ÆØ-1", "æø-1"),
    ("AV-9", "av-9"),
    ("SAG/2026/Å-1", "sag/2026/A\u030a-1"),  # a composed Å and A with a combining ring
    ("ＡＶ-９", "av-9"),  # full-width
    ("STRASSE-1", "Straße-1"),  # full folding: ß is ss
    ("SAG  1", "sag 1"),  # whitespace runs as one space
])
def test_the_rule_folds_case_unicode_form_and_spaces(one, other):
    assert external_id_key(one) == external_id_key(other)
    assert service.folded_external_id(f"\u00a0 {one} \u200b") == external_id_key(other)


def test_the_rule_keeps_different_ids_apart():
    assert external_id_key("AV-9") != external_id_key("AV-90")
    assert external_id_key("ÆØ-1") != external_id_key("AØ-1")
    assert external_id_key(None) is None


def test_the_key_follows_every_write_of_the_id(app):
    cid = make_citizen(app, external_id="ÆØ-1")
    with app.app_context():
        citizen = db.session.get(Citizen, cid)
        assert citizen.external_id_key == "æø-1"
        citizen.external_id = "SAG-Ü"
        db.session.commit()
        assert db.session.scalar(sa.select(Citizen.external_id_key).where(Citizen.id == cid)) == "sag-ü"
        citizen.external_id = None
        db.session.commit()
        assert db.session.scalar(sa.select(Citizen.external_id_key).where(Citizen.id == cid)) is None
    assert _key_of(app, make_citizen(app, name="Uden Id")) is None


def _key_of(app, cid: int) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(Citizen.external_id_key).where(Citizen.id == cid))


def test_danish_letters_are_one_id_on_sqlite_in_every_lookup(app, client, auth, make_user):
    """SQLite's lower() left »ÆØ« as it was: »æø-1« was another citizen there, not on PostgreSQL."""
    cid = make_citizen(app, name="Åse Ørum", external_id="ÆØ-1")
    with app.app_context():
        assert db.session.scalars(sa.select(Citizen.id).where(service.same_external_id(" æø-1 "))).all() == [cid]
        assert import_service.find_citizen(db.session, "æø-1").id == cid
        [duplicate] = service.likely_duplicates("Åse Ørum", external_id="æø-1")
        assert duplicate.citizen.id == cid and duplicate.same == ("id i fagsystemet",)
    auth.login(make_user("consultant").email)
    html = post(client, auth, external_id="æø-1").get_data(as_text=True)
    assert f"borger nr. {cid}" in html and "uden forskel på store og små bogstaver" in html
    assert [c.id for c in citizens(app)] == [cid]
    listed = client.get("/borgere/?scope=all&q=" + quote("æø-1")).get_data(as_text=True)
    assert "Åse Ørum" in listed
    report = _import(app, [citizen_row("æø-1", "Åse Ørum", **{"Timer pr. uge": "20"})])
    assert report.counts["updated"] == 1 and report.links[0].entity_id == cid
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    got = client.get("/api/v1/citizens/" + quote("æø-1"), headers=bearer(raw))
    assert got.status_code == 200 and got.json["id"] == cid and got.json["external_id"] == "ÆØ-1"


def test_the_import_of_new_citizens_and_the_lookup_use_the_index(app):
    """The rule compares the indexed key (0035), never lower(external_id), which no index served."""
    make_citizen(app, name="Anna Hansen", external_id="AV-9")
    with statements(app) as seen:
        report = _import(app, [citizen_row(f"NY-{i}", f"Borger {i}") for i in range(3)] + [citizen_row("av-9")])
    assert report.counts == {**report.counts, "created": 3, "updated": 1}
    assert not [s for s in seen if "lower(citizen.external_id)" in s]
    assert [s for s in seen if "citizen.external_id_key =" in s]
    with app.app_context():
        query = sa.select(Citizen.id).where(service.same_external_id("av-9"))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = " ".join(str(row) for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_citizen_external_id_key" in plan


def _import(app, rows: list[list]):
    with app.app_context():
        return run_import("citizens", io.BytesIO(csv_bytes(rows)), "borgere.csv", actor=None, dry_run=False,
                          cv_folder=app.config["UPLOAD_FOLDER"])


# --- The erasure block --------------------------------------------------------------------------

def _erase_av9(app) -> None:
    cid = make_citizen(app, external_id="AV-9")
    with app.app_context():
        assert erase_citizen(db.session, cid, purpose="test")
        db.session.commit()
        assert db.session.scalars(sa.select(ErasedExternalId.key_hash)).all() == [external_id_hash("av-9")]


def _legacy_block_av9(app) -> None:
    """A block written before 0035: the hash of the id exactly as it was stored."""
    with app.app_context():
        db.session.add(ErasedExternalId(key_hash=external_id_hash("AV-9")))
        db.session.commit()


BLOCKS = {"erased now": _erase_av9, "blocked before the folding": _legacy_block_av9}


@pytest.fixture(params=list(BLOCKS))
def blocked(request, app):
    BLOCKS[request.param](app)
    return request.param


@pytest.mark.parametrize("typed", ["AV-9", "av-9", " AV-9 ", "AV-9\u00a0"])
def test_an_erased_id_is_refused_on_the_web_in_any_case(app, client, auth, make_user, blocked, typed):
    auth.login(make_user("consultant").email)
    html = post(client, auth, external_id=typed).get_data(as_text=True)
    assert "er slettet efter databeskyttelsesforordningens art. 17" in html
    assert citizens(app) == []


@pytest.mark.parametrize("typed", ["AV-9", "av-9", " AV-9 "])
def test_an_erased_id_is_refused_by_the_import_in_any_case(app, blocked, typed):
    report = _import(app, [citizen_row(typed)])
    assert report.counts["refused"] == 1 and "art. 17" in report.problems[0].message
    assert citizens(app) == []


@pytest.mark.parametrize("sent", ["AV-9", "av-9"])
def test_an_erased_id_is_refused_by_the_api_in_any_case(app, client, make_user, blocked, sent):
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    for answer in (client.put(f"/api/v1/citizens/{sent}", json=CITIZEN, headers=bearer(raw)),
                   client.get(f"/api/v1/citizens/{sent}", headers=bearer(raw))):
        assert answer.status_code == 410, answer.json
        assert "art. 17" in answer.json["detail"]
    assert citizens(app) == []


def test_a_fresh_block_refuses_the_id_in_any_unicode_form(app):
    _erase_av9(app)
    with app.app_context():
        assert was_erased(db.session, "ＡＶ-９") and was_erased(db.session, "Av-9")
        assert not was_erased(db.session, "AV-90")


def test_a_new_block_beside_an_old_one_and_lifting_lifts_both(app):
    """Erasing a citizen whose id an old block holds too adds the folded block; lifting by any
    spelling lifts both, so the id can be created again."""
    _legacy_block_av9(app)
    cid = make_citizen(app, external_id="AV-9")  # a citizen stored with the id all the same
    with app.app_context():
        assert erase_citizen(db.session, cid, purpose="test")
        db.session.commit()
        assert set(db.session.scalars(sa.select(ErasedExternalId.key_hash))) == {
            external_id_hash("AV-9"), external_id_hash("av-9")}
        assert block_reason(db.session, "av-9") == "erased"
        assert forget_erasure(db.session, " av-9 ")
        db.session.commit()
        assert db.session.scalars(sa.select(ErasedExternalId.key_hash)).all() == []
        assert not was_erased(db.session, "AV-9") and not forget_erasure(db.session, "AV-9")
    assert _import(app, [citizen_row("av-9")]).counts["created"] == 1


def test_lifting_an_old_block_by_another_case(app, client, make_user):
    _legacy_block_av9(app)
    raw = make_token(app, make_user("admin", email="admin@jc.dk"))
    assert client.delete("/api/v1/citizens/av-9/erasure", headers=bearer(raw)).status_code == 204
    with app.app_context():
        assert db.session.scalars(sa.select(ErasedExternalId.key_hash)).all() == []
    consultant = make_token(app, make_user("consultant", email="vk@jc.dk"))
    assert client.put("/api/v1/citizens/AV-9", json=CITIZEN, headers=bearer(consultant)).status_code == 201


def test_anonymisation_blocks_the_folded_id(app):
    from portal.privacy.blocklist import block_external_id

    cid = make_citizen(app, external_id="ÆØ-7")
    with app.app_context():
        block_external_id(db.session, db.session.get(Citizen, cid), "anonymised")
        db.session.commit()
        assert db.session.get(Citizen, cid).external_id_key is None
        assert block_reason(db.session, "æø-7") == "anonymised"
    report = _import(app, [citizen_row("æø-7")])
    assert report.counts["refused"] == 1 and "anonymiseret" in report.problems[0].message


def test_the_form_still_creates_a_new_id(app, client, auth, make_user):
    _erase_av9(app)
    auth.login(make_user("consultant").email)
    answer = post(client, auth, external_id="AV-10")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert [(c.external_id, c.external_id_key, c.name) for c in citizens(app)] == [
        ("AV-10", "av-10", " ".join(FORM["name"].split()))]


def test_two_citizens_with_the_id_in_different_case_are_blocked_once(app):
    """Ids stored before the one rule may differ only in case: anonymising both in one run writes
    the one folded block (no second row with the same hash)."""
    from datetime import date

    from portal.privacy.retention import anonymise_expired

    for external_id in ("AV-9", "av-9"):
        make_citizen(app, external_id=external_id, case_closed=date(2020, 1, 1), case_close_reason="flyttet")
    with app.app_context():
        assert anonymise_expired(db.session, today=date(2026, 11, 23),
                                 retention_days=1200) == 2
        db.session.commit()
        assert db.session.scalars(sa.select(ErasedExternalId.key_hash)).all() == [external_id_hash("av-9")]
        assert db.session.execute(sa.select(Citizen.external_id, Citizen.external_id_key)).all() == [(None, None)] * 2
        assert block_reason(db.session, "Av-9") == "anonymised"
