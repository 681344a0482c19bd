"""Two consultants approve the candidate profile from pages opened at once (review BH 10).
Before, the later (older) page silently replaced the colleague's approved profile, and both
were told it was approved. Now the form carries the approval its page showed; a newer one is
shown, with its text, and replaced only when the form is sent again."""
from __future__ import annotations

import re

import pytest

from tests.portal import test_consent_step
from tests.portal.test_consent_step import PROFILE, consent_data, csrf, page_of, post, proposal_row

world = test_consent_step.world

pytestmark = pytest.mark.usefixtures("frozen_today")

MINE = {**PROFILE, "experience": "Kok i kantine i 5 år. Min udgave (B)."}


def _seen(html: str) -> str:
    return re.search(r'name="approved_seen" value="([^"]*)"', html).group(1)


def test_an_older_page_does_not_replace_a_colleagues_approved_profile_silently(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    stale = page_of(client, world)  # my page, opened before the colleague approved
    assert _seen(stale) == ""
    assert post(client, world, "profil", **PROFILE).status_code == 302  # the colleague's approval (A)
    refused = post(client, world, "profil", **MINE, csrf_token=csrf(stale), approved_seen="")
    html = " ".join(refused.get_data(as_text=True).split())
    assert refused.status_code == 400
    assert f"Profilen er netop godkendt af {world['consultant'].name} (" in html
    assert "så din er ikke gemt. Den godkendte profil: erfaring: »Kok i kantine i 5 år. Madlavning til 200 personer.«" in html
    assert "Min udgave (B).</textarea>" in html  # mine kept in the form
    assert proposal_row(app, world).shared_profile["experience"] == PROFILE["experience"]
    again = post(client, world, "profil", **MINE, csrf_token=csrf(stale), approved_seen=_seen(html))
    assert again.status_code == 302  # sent again: a choice, it replaces theirs
    assert proposal_row(app, world).shared_profile["experience"] == MINE["experience"]


def test_a_page_showing_the_current_approval_saves(app, client, auth, world):
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    page = page_of(client, world)
    assert _seen(page) != ""
    assert post(client, world, "profil", **MINE, approved_seen=_seen(page)).status_code == 302
    assert proposal_row(app, world).shared_profile["experience"] == MINE["experience"]


def test_the_page_writes_the_mark_the_approval_compares(app, client, auth, world, monkeypatch):
    """Review BN 5: one function marks the approval a page showed (profile.approval_mark), in
    the field profile.SEEN_FIELD names; the page writes it and the approval compares it, so a
    change of the mark cannot leave the page refusing its own form."""
    from portal.candidates import profile

    monkeypatch.setattr(profile, "approval_mark", lambda at: "godkendt:" + (at.isoformat() if at else "ingen"))
    monkeypatch.setattr(profile, "SEEN_FIELD", "shown_approval")
    auth.login(world["consultant"].email)
    post(client, world, "samtykke", **consent_data())
    post(client, world, "profil", **PROFILE)
    page = page_of(client, world)
    shown = re.search(r'name="shown_approval" value="([^"]*)"', page).group(1)
    assert shown.startswith("godkendt:20")
    assert post(client, world, "profil", **MINE, shown_approval=shown).status_code == 302
    assert proposal_row(app, world).shared_profile["experience"] == MINE["experience"]
