"""The best jobmål's channels where people see them: a model that weighs the dense channel
moves a candidate and the ranking card names it in Danish, as does the admin page's table."""
from __future__ import annotations

import json
import re

from matching.rerank import FEATURE_LABELS, FEATURE_REASONS, STATE_KEY, RerankModel
from portal.extensions import db
from portal.matching_runtime import scoring_name
from store.models import IndexerState
from tests.portal.test_candidates import world  # noqa: F401 - the fixture

# Weighs the dense channel of the best jobmål heavily: every pair with a measured channel gains.
DENSE_MODEL = RerankModel(("relevance", "best_goal_dense"), (0.5, 0.0), (0.2, 0.1), (1.0, 2.0), 0.0, 0.5, 0.05)


def _store(app, model: RerankModel) -> None:
    report = {"trained_at": "2026-11-30T02:00:00+00:00", "decisions": 250, "positives": 120, "train": 200,
              "test": 50, "min_decisions": 200, "max_adjustment": 0.15, "in_use": True, "reason": "test",
              "model": model.to_dict(),
              "feature_set": {"chosen": "med kanaler", "validation": {}, "validation_decisions": 40},
              "figures": {"hand": {"auc": 0.6, "map": 0.5, "ndcg10": 0.7, "openings": 5},
                          "learned": {"auc": 0.7, "map": 0.6, "ndcg10": 0.8, "openings": 5}}}
    with app.app_context():
        db.session.merge(IndexerState(key=STATE_KEY, value=json.dumps({"encoder": scoring_name(), **report})))
        db.session.commit()


def test_the_card_names_the_dense_channel_the_model_weighed(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}"
    _store(app, DENSE_MODEL)
    html = client.get(url).get_data(as_text=True)
    cards = [part.split("</p>")[0] for part in html.split('data-testid="learned-adjustment"')[1:]]
    assert cards
    assert FEATURE_LABELS["best_goal_dense"] == "bedste jobmål mod opslaget i betydning"  # the admin table's
    reason = FEATURE_REASONS["best_goal_dense"][0]
    assert reason == "bedste jobmål ligner opslaget mere i betydning end for de fleste"
    assert all(re.search(rf"Hvorfor: (.*; )?{reason} \+0,\d\d", card) for card in cards)


def test_the_admin_page_lists_the_channel_with_its_label(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jobcenter.dk")
    auth.login(admin.email)
    _store(app, DENSE_MODEL)
    html = client.get("/admin/indexer/relevans").get_data(as_text=True)
    table = html.split('data-testid="rerank-weights"')[1].split("</table>")[0]
    assert f"<td>{FEATURE_LABELS['best_goal_dense']}</td>" in table
