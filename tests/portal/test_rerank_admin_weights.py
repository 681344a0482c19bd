"""/admin/indexer/relevans reads each weight for the administrator: which way a high value
of the fact moves a pair, with the fact's Danish label."""
from __future__ import annotations

import json

from matching.rerank import STATE_KEY, RerankModel
from portal.extensions import db
from portal.matching_runtime import scoring_name
from store.models import IndexerState

# Short commutes up, many shared words down, the opening kind hardly at all.
MODEL = RerankModel(("relevance", "proximity", "shared_terms", "kind_smaajob"), (0.5, 0.5, 0.3, 0.2),
                    (0.2, 0.3, 0.2, 0.4), (0.8, 0.6, -0.4, 0.001), -0.5, 0.5, 0.05)


def test_each_weight_says_which_way_it_moves_a_pair(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jobcenter.dk")
    report = {"trained_at": "2026-11-30T02:00:00+00:00", "decisions": 426, "positives": 151, "train": 340,
              "test": 86, "min_decisions": 200, "max_adjustment": 0.15, "in_use": True, "reason": "test",
              "model": MODEL.to_dict(),
              "figures": {"hand": {"auc": 0.795, "map": 0.763, "ndcg10": 0.853, "openings": 12},
                          "learned": {"auc": 0.858, "map": 0.876, "ndcg10": 0.923, "openings": 12}}}
    with app.app_context():
        db.session.merge(IndexerState(key=STATE_KEY, value=json.dumps({"encoder": scoring_name(), **report})))
        db.session.commit()
    auth.login(admin.email)
    html = client.get("/admin/indexer/relevans").get_data(as_text=True)
    table = html.split('data-testid="rerank-weights"')[1].split("</table>")[0]
    rows = {cells[0]: cells[1:] for cells in (
        [c.split("</td>")[0] for c in row.split("<td>")[1:]] for row in table.split("<tr>")[2:])}
    assert rows["samlet match"] == ["0,800", "rykker parret op"]
    assert rows["kort afstand"] == ["0,600", "rykker parret op"]
    assert rows["fælles ord"] == ["-0,400", "rykker parret ned"]
    assert rows["opslagstype småjob"][1] == "betyder næsten intet"
    assert list(rows) == ["samlet match", "kort afstand", "fælles ord", "opslagstype småjob"]  # largest first
