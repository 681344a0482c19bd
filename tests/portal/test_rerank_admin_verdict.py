"""/admin/indexer/relevans says true things an administrator can act on: the minimum is a
number of decisions, MAP decides (both figures shown), a model not in use changes nothing,
and numbers have decimal commas."""
from __future__ import annotations

import json
import re

from matching.rerank import STATE_KEY, RerankModel
from portal.admin.relevance import encoder_label
from portal.extensions import db
from portal.matching_runtime import scoring_name
from store.models import IndexerState

MODEL = RerankModel(("relevance", "proximity", "best_goal_relevance", "best_goal_fit"), (0.5, 0.5, 0.5, 0.5),
                    (0.2, 0.3, 0.2, 0.2), (0.8, 0.6, 0.3, 0.0), -0.5, 0.5, 0.05)


def _page(app, client, auth, make_user, *, in_use: bool, learned: dict, hand: dict) -> str:
    report = {"trained_at": "2026-11-30T02:00:00+00:00", "decisions": 629, "positives": 179, "train": 503,
              "test": 126, "min_decisions": 200, "max_adjustment": 0.15, "in_use": in_use,
              "reason": "trænerens egen tekst", "model": MODEL.to_dict(),
              "figures": {"hand": {**hand, "ndcg10": 0.9, "openings": 12},
                          "learned": {**learned, "ndcg10": 0.9, "openings": 12}}}
    with app.app_context():
        db.session.merge(IndexerState(key=STATE_KEY, value=json.dumps({"encoder": scoring_name(), **report})))
        db.session.commit()
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    return client.get("/admin/indexer/relevans").get_data(as_text=True)


def _cell(html: str, testid: str) -> str:
    return re.sub(r"\s+", " ", html.split(f'data-testid="{testid}">')[1].split("</td>")[0])


def test_a_model_that_loses_on_map_says_map_decides_and_that_nothing_comes_from_it(app, client, auth, make_user):
    html = _page(app, client, auth, make_user, in_use=False,
                 learned={"auc": 0.879, "map": 0.822}, hand={"auc": 0.825, "map": 0.831})
    assert _cell(html, "rerank-decisions") == "629, heraf 179 godkendt (mindst 200 beslutninger kræves – opfyldt)"
    reason = _cell(html, "rerank-reason")
    assert "Det afgørende mål er MAP på de seneste beslutninger" in reason
    assert "MAP 0,822 mod 0,831, altså ikke højere" in reason and "AUC 0,879 mod 0,825" in reason
    assert "en højere AUC er ikke nok" in reason and "De håndsatte vægte bruges." in reason
    assert "trænerens egen tekst" not in html
    assert "Modellens vægte (modellen bruges ikke lige nu)" in html
    use = html.split('data-testid="rerank-weights-use">')[1].split("</p>")[0]
    assert "intet på\n  rangeringerne kommer fra den" in use
    assert "står på" not in html.split('data-testid="rerank-weights"')[1]
    assert "er ikke tekstkanalerne" in html  # the two "bedste jobmål" facts are told apart


def test_a_model_in_use_says_why_and_where_its_changes_show(app, client, auth, make_user):
    html = _page(app, client, auth, make_user, in_use=True,
                 learned={"auc": 0.858, "map": 0.876}, hand={"auc": 0.795, "map": 0.763})
    reason = _cell(html, "rerank-reason")
    assert "opfyldte det: MAP 0,876 mod 0,763 og AUC 0,858 mod 0,795" in reason
    assert reason.endswith("Den bruges i rangeringen.")
    assert "står på\n  rangeringen ved kandidaten" in html.split('data-testid="rerank-weights-use">')[1]


def test_a_model_that_loses_on_auc_says_so(app, client, auth, make_user):
    html = _page(app, client, auth, make_user, in_use=False,
                 learned={"auc": 0.7, "map": 0.9}, hand={"auc": 0.8, "map": 0.8})
    assert "AUC 0,700 mod 0,800, altså lavere" in _cell(html, "rerank-reason")


def test_the_concept_lift_is_shown_with_a_decimal_comma():
    assert encoder_label("e5-small+occupation-v1; concepts-v1 (lift 0.4)") == \
        "e5-small+occupation-v1; concepts-v1 (lift 0,4)"
    assert encoder_label("e5-small-4bit") == "e5-small-4bit"
