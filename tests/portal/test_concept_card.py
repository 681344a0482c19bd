"""The concept channel where consultants see it: a jobmål sharing ESCO occupations with the
opening's title is lifted, the card says by how much they share, and the profiles are kept
in the database's embedding cache beside the vectors (computed once, for every process)."""
from __future__ import annotations

import re

import pytest

from matching.concepts import build_table, save_table
from matching.encoders import HashingEncoder
from portal.extensions import db
from portal.matching_runtime import _runtime, scoring_name
from store.embedding_store import DbEmbeddingCache
from tests.portal.test_candidates import world  # noqa: F401 - the fixture

ENCODER = HashingEncoder(256)  # the tests' encoder (MATCHING_ENCODER=hashing)
TITLES = [("Lagermedarbejder", ("c_warehouse",)), ("Lagerarbejder", ("c_warehouse",)),
          ("Truckfører på lager", ("c_warehouse", "c_forklift")), ("Social- og sundhedshjælper", ("c_care",)),
          ("Hjemmehjælper", ("c_care",))]
NAMES = [("c_warehouse", "Lagermedarbejder"), ("c_forklift", "Truckfører"), ("c_care", "Sosu-hjælper")]


@pytest.fixture
def concept_table(app, tmp_path):
    """A small table for the hashing encoder, configured before the runtime is built."""
    table = build_table(TITLES, ENCODER.encode_queries([t for t, _ in TITLES]), [c for c, _ in NAMES],
                        ENCODER.encode_queries([n for _, n in NAMES]))
    path = tmp_path / "concepts-test.npz"
    save_table(table, path, {"version": "concepts-test", "base_encoder": ENCODER.name})
    app.config["MATCHING_CONCEPTS"] = str(path)
    return path


def test_the_card_shows_the_shared_occupations_and_the_profiles_are_cached(concept_table, app, client, auth,
                                                                           world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    card = html.split('data-citizen="%d"' % world["ids"]["Anna Lagerbæk"])[1].split("</li>")[0]
    shown = re.search(r'data-testid="goal-concept"[^>]*>· fælles ESCO-erhverv med titlen løftede jobmålets '
                      r'match med \+(\d),(\d\d)<', card)
    assert shown and 0.01 <= float(f"{shown.group(1)}.{shown.group(2)}") <= 1.0
    with app.app_context():
        runtime = _runtime()
        assert runtime.concepts is not None and scoring_name() == f"{ENCODER.name}; concepts-test (lift 0.4)"
        keys = [runtime.concepts.key_of("query", t) for t in ("Lagermedarbejder med truckcertifikat",
                                                               "Lagermedarbejder")]
        assert set(DbEmbeddingCache(db.session, ENCODER.name).get_many(keys)) == set(keys)


def test_without_the_channel_the_card_says_nothing_about_it(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert "Jobmål der matcher:</strong> Lagermedarbejder" in html
    assert 'data-testid="goal-concept"' not in html  # the shipped table is e5's: off for hashing
    with app.app_context():
        assert _runtime().concepts is None and scoring_name() == ENCODER.name


@pytest.mark.parametrize("setting, expected", [
    ("table", "concepts-test: løfter hvert jobmål med de ESCO-erhverv, det deler med opslagets titel (vægt 0,4; "
              "5 stillingsbetegnelser fra 2 nationale lister, 4 ESCO-erhverv)"),
    ("shipped", "Slået fra: tabellen concepts-v1 er lavet til sprogmodellen e5-small-4bit, ikke til hashing-256"),
    ("none", "Slået fra (MATCHING_CONCEPTS=none)"),
])
def test_the_indexer_page_says_whether_the_channel_is_on(app, client, auth, make_user, tmp_path, setting, expected):
    if setting == "table":
        table = build_table(TITLES, ENCODER.encode_queries([t for t, _ in TITLES]), [c for c, _ in NAMES],
                            ENCODER.encode_queries([n for _, n in NAMES]))
        save_table(table, tmp_path / "t.npz", {"version": "concepts-test", "base_encoder": ENCODER.name,
                                               "summary": {"titles": 5, "concepts": 4, "lists": ["a", "b"]}})
        app.config["MATCHING_CONCEPTS"] = str(tmp_path / "t.npz")
    elif setting == "none":
        app.config["MATCHING_CONCEPTS"] = "none"
    admin = make_user("admin", email="admin@jobcenter.dk")
    auth.login(admin.email)
    html = client.get("/admin/indexer").get_data(as_text=True)
    row = re.search(r'data-testid="concept-channel">(.*?)</td>', html, re.S)
    assert row and row.group(1) == expected
