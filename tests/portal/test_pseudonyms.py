"""Pseudonyms are stable per (citizen, opening) and unlinkable across openings."""
from __future__ import annotations

from portal.pseudonyms import pseudonym


def test_stable_for_the_same_pair():
    assert pseudonym(7, 3, key="k") == pseudonym(7, 3, key="k")


def test_different_openings_give_unrelated_pseudonyms():
    names = {pseudonym(7, opening, key="k") for opening in range(200)}
    assert len(names) == 200


def test_depends_on_the_secret_key():
    assert pseudonym(7, 3, key="k1") != pseudonym(7, 3, key="k2")


def test_no_separator_ambiguity():
    # "1" + "23" and "12" + "3" must not collide.
    assert pseudonym(1, 23, key="k") != pseudonym(12, 3, key="k")


def test_uses_the_configured_key(app):
    with app.app_context():
        assert pseudonym(1, 2) == pseudonym(1, 2, key=app.config["PSEUDONYM_KEY"])
        assert pseudonym(1, 2).startswith("Kandidat ")
