"""/admin/indexer/relevans reads each weight for the administrator: which way a high value
of the fact moves a pair, with the fact's Danish label, beside the weight the decisions alone
gave it, and which facts the bound ≥ 0 held at 0 (review F1)."""
from __future__ import annotations

import json

from matching.rerank import STATE_KEY, RerankModel
from portal.extensions import db
from portal.matching_runtime import scoring_name
from store.models import IndexerState

# Short commutes up most, the best jobmål held at 0 by the bound, shared words hardly at all.
MODEL = RerankModel(("relevance", "proximity", "best_goal_relevance", "shared_terms"), (0.5, 0.5, 0.3, 0.2),
                    (0.2, 0.3, 0.2, 0.4), (0.6, 0.8, 0.0, 0.001), -0.5, 0.5, 0.05)
FIGURES = {"hand": {"auc": 0.795, "map": 0.763, "ndcg10": 0.853, "openings": 12},
           "learned": {"auc": 0.858, "map": 0.876, "ndcg10": 0.923, "openings": 12}}


def _page(app, client, auth, make_user, **extra) -> str:
    admin = make_user("admin", email="admin@jobcenter.dk")
    report = {"trained_at": "2026-11-30T02:00:00+00:00", "decisions": 426, "positives": 151, "train": 340,
              "test": 86, "min_decisions": 200, "max_adjustment": 0.15, "in_use": True, "reason": "test",
              "model": MODEL.to_dict(), "figures": FIGURES, **extra}
    with app.app_context():
        db.session.merge(IndexerState(key=STATE_KEY, value=json.dumps({"encoder": scoring_name(), **report})))
        db.session.commit()
    auth.login(admin.email)
    return client.get("/admin/indexer/relevans").get_data(as_text=True)


def _rows(html: str) -> dict[str, list[str]]:
    table = html.split('data-testid="rerank-weights"')[1].split("</table>")[0]
    return {cells[0]: cells[1:] for cells in (
        [c.split("</td>")[0] for c in row.split("<td>")[1:]] for row in table.split("<tr>")[2:])}


def test_each_weight_says_which_way_it_moves_a_pair_and_what_the_bound_held(app, client, auth, make_user):
    html = _page(app, client, auth, make_user, monotone={
        "free": {"relevance": 0.9, "proximity": 0.7, "best_goal_relevance": -1.07, "shared_terms": 0.01},
        "held_at_zero": ["best_goal_relevance"]})
    rows = _rows(html)
    assert rows["kort afstand"] == ["0,800", "0,700", "rykker parret op"]
    assert rows["samlet match"] == ["0,600", "0,900", "rykker parret op"]
    assert rows["bedste jobmål mod opslaget"] == [
        "0,000", "-1,070", "holdt på 0: uden kravet ville modellen have trukket parret ned"]
    assert rows["fælles ord"][-1] == "betyder næsten intet"
    assert list(rows) == ["kort afstand", "samlet match", "fælles ord", "bedste jobmål mod opslaget"]  # largest first
    held = html.split('data-testid="rerank-weights-held">')[1].split("</p>")[0]
    assert "Kravet holdt »bedste jobmål mod opslaget« på 0" in held and "»uden kravet«" in held
    assert "opslagstype" not in html.split('data-testid="rerank-weights"')[1]


def test_a_report_from_before_the_bound_shows_no_free_column(app, client, auth, make_user):
    rows = _rows(_page(app, client, auth, make_user))
    assert rows["kort afstand"] == ["0,800", "rykker parret op"]


def test_the_jobmaal_check_is_shown_and_a_failure_links_to_the_pairs(app, client, auth, make_user):
    html = _page(app, client, auth, make_user, in_use=False,
                 jobmaal_check={"pairs": 958, "reversed": 2, "examples": [
                     {"opening_id": 4, "above": 71, "below": 38}]})
    reason = html.split('data-testid="rerank-reason">')[1].split("</td>")[0]
    assert "faldt i jobmålstjekket: i 2 af 958 par" in reason and "De håndsatte vægte bruges." in reason
    check = html.split('data-testid="rerank-jobmaal-check">')[1].split("</p>")[0]
    assert "satte\n  den anden øverst i 2 af 958 par" in check
    examples = html.split('data-testid="rerank-jobmaal-examples">')[1].split("</ul>")[0]
    assert 'href="/kandidater/opslag/4"' in examples and 'href="/kandidater/forslag/38"' in examples


def test_a_passed_jobmaal_check_says_so(app, client, auth, make_user):
    html = _page(app, client, auth, make_user, jobmaal_check={"pairs": 958, "reversed": 0, "examples": []})
    assert "Modellen holdt rækkefølgen i alle 958 par." in html
    assert "og den bestod jobmålstjekket." in html.split('data-testid="rerank-reason">')[1].split("</td>")[0]
    assert 'data-testid="rerank-jobmaal-examples"' not in html


def test_a_stored_model_of_an_older_format_says_why_it_is_not_used(app, client, auth, make_user):
    old = {**MODEL.to_dict(), "format": 6}
    html = _page(app, client, auth, make_user, model=old)
    assert "Håndsatte vægte" in html.split('data-testid="rerank-in-use">')[1].split("</td>")[0]
    assert "ældre format" in html.split('data-testid="rerank-refused">')[1].split("</td>")[0]
    assert "(se Model nedenfor)" in html.split('data-testid="rerank-reason">')[1].split("</td>")[0]
