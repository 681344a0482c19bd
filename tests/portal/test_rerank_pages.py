"""The learned re-ranking where people see it: the ranking card says what the model changed,
and /admin/indexer/relevans shows the model in use, its training date and its figures."""
from __future__ import annotations

import json
import re
from decimal import Decimal as D

import pytest

from indexer import rerank_train
from matching.domain import Explanation
from matching.rerank import STATE_KEY, Adjustment, LearnedMatch, RerankModel
from portal.candidates.reasons import learned_line
from portal.extensions import db
from portal.matching_runtime import scoring_name
from portal.i18n import format_date
from store.models import IndexerState
from tests.portal.rerank_fixtures import seed_decisions, train_secret
from tests.portal.test_candidates import _names_in_order, world  # noqa: F401 - the fixture

# Favours short commutes: Anna (same postcode as the opening) gains.
NEAR_MODEL = RerankModel(("relevance", "proximity"), (0.5, 0.5), (0.2, 0.3), (1.0, 2.0), 0.0, 0.5, 0.05)


def _store(app, report: dict) -> None:
    with app.app_context():
        db.session.merge(IndexerState(key=STATE_KEY, value=json.dumps({"encoder": scoring_name(), **report})))
        db.session.commit()


def _report(model: RerankModel, in_use: bool) -> dict:
    return {"trained_at": "2026-11-30T02:00:00+00:00", "decisions": 250, "positives": 120, "train": 200,
            "test": 50, "min_decisions": 200, "max_adjustment": 0.15, "in_use": in_use,
            "reason": "test", "model": model.to_dict(),
            "figures": {"hand": {"auc": 0.6, "map": 0.5, "ndcg10": 0.7, "openings": 5},
                        "learned": {"auc": 0.7, "map": 0.6, "ndcg10": 0.8, "openings": 5}}}


def _scores(html: str) -> list[str]:
    return re.findall(r'<span class="jobbro-score">score ([\d,]+)</span>', html)


def test_the_ranking_card_shows_the_learned_adjustment(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}"
    plain = client.get(url).get_data(as_text=True)
    assert 'data-testid="learned-adjustment"' not in plain
    _store(app, _report(NEAR_MODEL, in_use=True))
    html = client.get(url).get_data(as_text=True)
    card = html.split('data-testid="learned-adjustment"')[1].split("</p>")[0]
    assert re.search(r"Justeret af lært model:</strong> \+0,\d\d \(samlet match 0,\d\d → 0,\d\d", card)
    assert "kortere afstand end for de fleste +0," in card
    # The page's explanation above the cards (once a tooltip on each band) says what moved the band.
    said = html.split('data-testid="how-to-read"')[1].split("</details>")[0]
    assert "justeret af den lærte model" in said
    # The parts shown add up to the adjustment on every card (the rest is named "øvrige fakta").
    for card in html.split('data-testid="learned-adjustment"')[1:]:
        card = card.split("</p>")[0]
        total = re.search(r"Justeret af lært model:</strong> ([+−]\d,\d\d)", card)
        if total is None:
            assert "ingen mærkbar justering" in card
            continue
        # the before and after shown differ by the change shown (not each rounded on its own)
        before, after = re.search(r"samlet match (\d,\d\d) → (\d,\d\d)", card).groups()
        number = lambda text: float(text.replace("−", "-").replace(",", "."))  # noqa: E731
        assert round(number(after) - number(before), 2) == number(total.group(1))
        parts = re.findall(r" ([+−]\d,\d\d)(?=;|$)", card.split("Hvorfor:")[1]) if "Hvorfor:" in card else []
        value = lambda text: float(text.replace("−", "-").replace(",", "."))  # noqa: E731
        assert round(sum(map(value, parts)), 2) == value(total.group(1))  # exactly, as shown (review F4)
    assert _scores(html)[0] != _scores(plain)[0]
    # A pair's learned score does not depend on k.
    assert _scores(client.get(url + "?k=1").get_data(as_text=True)) == _scores(html)[:1]
    assert _names_in_order(html)[0] == "Anna Lagerbæk"


def test_a_model_that_is_not_in_use_or_names_a_refused_feature_changes_nothing(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}"
    plain = client.get(url).get_data(as_text=True)
    _store(app, _report(NEAR_MODEL, in_use=False))
    assert _scores(client.get(url).get_data(as_text=True)) == _scores(plain)
    forbidden = _report(NEAR_MODEL, in_use=True)
    forbidden["model"]["features"] = ["relevance", "benefit_group"]
    _store(app, forbidden)
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="learned-adjustment"' not in html and _scores(html) == _scores(plain)


def test_the_admin_page_shows_the_model_its_date_and_figures(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jobcenter.dk")
    vk = make_user("consultant", email="vk@jobcenter.dk")
    auth.login(admin.email)
    html = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert 'data-testid="rerank-none"' in html
    assert "/admin/indexer/relevans" in client.get("/admin/indexer").get_data(as_text=True)
    with app.app_context():
        seed_decisions(vk.id, prefer="goal")
        report = rerank_train.run(db.session, secret=train_secret(), encoder_name=scoring_name())
    html = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert re.search(r'data-testid="rerank-in-use"><strong>Lært model</strong>', html)
    assert f'data-testid="rerank-trained-at">{format_date(report["trained_at"])}<' in html
    assert re.search(r'data-testid="rerank-decisions">240, heraf \d+ godkendt '
                     r'\(mindst 200 beslutninger kræves – opfyldt\)<', html)  # enough: not "kan først bruges fra"
    hand = html.split('data-testid="rerank-figures-hand"')[1].split("</tr>")[0]
    learned = html.split('data-testid="rerank-figures-learned"')[1].split("</tr>")[0]
    for row, figures in ((hand, report["figures"]["hand"]), (learned, report["figures"]["learned"])):
        assert f"{figures['map']:.3f}".replace(".", ",") in row
    assert "bedste jobmål mod opslaget" in html.split('data-testid="rerank-weights"')[1]


def test_only_administrators_see_the_page(client, auth, make_user):
    vk = make_user("consultant", email="vk@jobcenter.dk")
    auth.login(vk.email)
    assert client.get("/admin/indexer/relevans").status_code == 403


def test_the_admin_page_says_which_facts_the_model_uses_and_how_they_were_chosen(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    report = _report(NEAR_MODEL, in_use=True)
    html = _relevance_page(app, client, report)
    assert 'data-testid="rerank-feature-set"' not in html  # an older report: nothing claimed
    report["feature_set"] = {"chosen": "uden kanaler", "validation_decisions": 40,
                             "validation": {"uden kanaler": {"auc": 0.81, "map": 0.74},
                                            "med kanaler": {"auc": 0.8, "map": 0.7}}}
    html = _relevance_page(app, client, report)
    chosen = html.split('data-testid="rerank-feature-set"')[1].split("</p>")[0]
    assert "<strong>uden kanaler</strong>" in chosen and "de seneste 40 af" in chosen
    rows = html.split('data-testid="rerank-feature-sets"')[1].split("</table>")[0]
    assert "uden kanaler (valgt)" in rows and "0,740" in rows and "med kanaler</th><td>0,800" in rows


def _relevance_page(app, client, report: dict) -> str:
    _store(app, report)
    response = client.get("/admin/indexer/relevans")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_model_trained_with_another_encoder_is_not_used(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}"
    plain = client.get(url).get_data(as_text=True)
    _store_raw(app, {**_report(NEAR_MODEL, in_use=True), "encoder": "e5-small-other-version"})
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="learned-adjustment"' not in html and _scores(html) == _scores(plain)


def test_the_admin_page_says_when_the_model_was_trained_with_another_encoder(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    _store_raw(app, {**_report(NEAR_MODEL, in_use=True), "encoder": "e5-small-other-version"})
    html = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert re.search(r'data-testid="rerank-in-use"><strong>Håndsatte vægte</strong>', html)
    mismatch = html.split('data-testid="rerank-encoder"')[1].split("</td>")[0]
    assert "e5-small-other-version" in mismatch and "trænes igen" in mismatch
    _store(app, _report(NEAR_MODEL, in_use=True))
    html = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert re.search(r'data-testid="rerank-in-use"><strong>Lært model</strong>', html)
    assert "trænes igen" not in html.split('data-testid="rerank-encoder"')[1].split("</td>")[0]


def _store_raw(app, report: dict) -> None:
    with app.app_context():
        db.session.merge(IndexerState(key=STATE_KEY, value=json.dumps(report)))
        db.session.commit()


def test_the_admin_page_says_how_many_decided_pairs_the_model_remembers(app, client, auth, make_user):
    from tests.indexer.test_rerank_history_train import _follow_the_jobmaal

    admin = make_user("admin", email="admin@jobcenter.dk")
    vk = make_user("consultant", email="vk@jobcenter.dk")
    with app.app_context():
        _follow_the_jobmaal(seed_decisions(vk.id, openings=10, citizens=24))
        report = rerank_train.run(db.session, secret=train_secret(), encoder_name=scoring_name())
    auth.login(admin.email)
    html = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert report["history_pairs"] == 4
    history = html.split('data-testid="rerank-history"')[1].split("</p>")[0]
    assert re.search(r"beslutninger om\s+4 par af jobmål og opslagstitel", history)
    assert re.search(rf"talt over alle\s+{report['decisions']} beslutninger", history)
    assert "tidligere beslutninger om samme jobmål og titel" in html.split('data-testid="rerank-weights"')[1]
    chosen = html.split('data-testid="rerank-feature-set"')[1].split("</strong>")[0]
    assert chosen.endswith("<strong>med tidligere beslutninger")


def test_the_stored_model_is_loaded_once_per_stored_report(app):
    from portal.matching_runtime import learned_model

    _store(app, _report(NEAR_MODEL, in_use=True))
    with app.app_context():
        first = learned_model()
        assert first == NEAR_MODEL and learned_model() is first  # not parsed again per ranking
    _store(app, _report(NEAR_MODEL, in_use=False))
    with app.app_context():
        assert learned_model() is None  # a new stored report is read again
    forbidden = _report(NEAR_MODEL, in_use=True)
    forbidden["model"]["features"] = ["relevance", "benefit_group"]
    _store(app, forbidden)
    with app.app_context():
        assert learned_model() is None and learned_model() is None  # refused every time, not crashed


def test_a_model_whose_history_was_counted_under_another_key_is_not_used(app, client, auth, world,  # noqa: F811
                                                                        make_user):
    """A portal with another PSEUDONYM_KEY than the indexer's cannot read the model's decision
    history: the hand-set weights rank, and the administrator is told why and what happens."""
    import dataclasses

    from matching.rerank import DecisionHistory, history_secret, key_check

    with_history = RerankModel(("relevance", "proximity", "goal_history"), (0.5, 0.5, 0.0), (0.2, 0.3, 0.1),
                               (1.0, 2.0, 1.0), 0.0, 0.5, 0.05)
    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}"
    plain = client.get(url).get_data(as_text=True)
    other = dataclasses.replace(with_history, history=DecisionHistory(0.5, {}, key_check(history_secret("other"))))
    _store(app, _report(other, in_use=True))
    html = client.get(url).get_data(as_text=True)
    assert 'data-testid="learned-adjustment"' not in html and _scores(html) == _scores(plain)
    auth.logout()
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    page = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert re.search(r'data-testid="rerank-in-use"><strong>Håndsatte vægte</strong>', page)
    assert "anden <code>PSEUDONYM_KEY</code> end portalens" in page.split('data-testid="rerank-history-key"')[1]
    with app.app_context():
        mine = dataclasses.replace(with_history, history=DecisionHistory(0.5, {}, key_check(train_secret())))
    _store(app, _report(mine, in_use=True))
    page = client.get("/admin/indexer/relevans").get_data(as_text=True)
    assert 'data-testid="rerank-history-key"' not in page
    assert re.search(r'data-testid="rerank-in-use"><strong>Lært model</strong>', page)
    auth.logout()
    auth.login(world["consultant"].email)
    assert 'data-testid="learned-adjustment"' in client.get(url).get_data(as_text=True)



def test_a_decision_keeps_the_band_the_consultant_saw_and_learns_from_the_hand_set_facts(app, client, auth, world):  # noqa: F811
    """Approving a pair scores it with the learned adjustment the ranking showed (a fact about
    the pair), so the company is shown the same band; the stored facts the re-ranking learns
    from stay the hand-set ones (it never learns from its own adjustment)."""
    from portal.candidates import service
    from portal.openings.service import shared_candidates
    from store.models import Citizen, Opening, Proposal

    # Pulls every pair far up: the band moves for sure.
    lifting = RerankModel(("relevance", "proximity"), (0.1, 0.5), (0.2, 0.3), (1.0, 2.0), 5.0, 0.5, 0.05)
    _store(app, _report(lifting, in_use=True))
    auth.login(world["consultant"].email)
    url = f"/kandidater/opslag/{world['opening_id']}"
    html = client.get(url).get_data(as_text=True)
    card = html.split(f'data-citizen="{world["ids"]["Anna Lagerbæk"]}"')[1].split("</li>")[0]
    shown = re.search(r"Samlet match: ([\w ]+?) <span", card).group(1)
    token = auth.csrf_token(url)
    client.post(f"{url}/borger/{world['ids']['Anna Lagerbæk']}",
                data={"decision": "approve", "reason": "Passer godt", "csrf_token": token})
    with app.app_context():
        proposal = db.session.query(Proposal).one()
        stored = proposal.explanation
        assert stored["learned"]["similarity_band"] == shown and stored["learned"]["delta"] > 0
        hand = service.matching_service().explain_pair(
            service.citizen_profiles(db.session, [db.session.get(Citizen, proposal.citizen_id)])[proposal.citizen_id],
            service.opening_profile(db.session.get(Opening, world["opening_id"])))
        assert stored["relevance"] == pytest.approx(hand.explanation.relevance, abs=1e-6)
        assert stored["similarity_band"] == hand.explanation.similarity_band
        proposal_id, hand_band = proposal.id, stored["similarity_band"]
    # The proposal page shows the consultant the band they decided on, and what the model did.
    page = client.get(f"/kandidater/forslag/{proposal_id}").get_data(as_text=True)
    said = page.split('data-testid="match-explanation">')[1].split("</dd>")[0]
    assert f">{shown}</span>" in said and "justeret af lært model +0," in said and f"vægte: {hand_band})" in said
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = "disclosed"  # visible to the company
        db.session.commit()
        assert [c.similarity_band for c in shared_candidates(db.session.get(Opening, world["opening_id"]))] == [shown]


def test_the_admin_page_names_the_minimum_as_a_wait_only_while_there_are_too_few_decisions(app, client, auth,
                                                                                          make_user):
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    html = _relevance_page(app, client, {**_report(NEAR_MODEL, in_use=False), "decisions": 150})
    assert "150, heraf 120 godkendt (modellen kan først bruges fra 200 beslutninger)<" in html


def test_every_fact_behind_an_adjustment_is_one_click_away_and_the_list_adds_up(app, client, auth, world):  # noqa: F811
    many = RerankModel(("relevance", "proximity", "hours_fit", "shared_terms", "best_goal_fit"),
                       (0.5, 0.5, 0.5, 0.1, 0.3), (0.2, 0.3, 0.3, 0.2, 0.4), (1.0, 2.0, 1.0, 1.0, 1.5),
                       0.0, 0.5, 0.05)
    _store(app, _report(many, in_use=True))
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    value = lambda text: float(text.replace("−", "-").replace(",", "."))  # noqa: E731
    lists = html.split('data-testid="learned-all"')[1:]
    assert lists and "kortere afstand end for de fleste" in lists[0]
    for listed, card in zip(lists, html.split('data-testid="learned-adjustment"')[1:]):
        total = value(re.search(r"Justeret af lært model:</strong> ([+−]\d,\d\d)", card).group(1))
        items = re.findall(r"<li[^>]*>[^<]* ([+−]\d,\d\d)</li>", listed.split("</details>")[0])
        assert round(sum(map(value, items)), 2) == total
    assert "opslaget er" not in html  # no opening kind (review F11)


def test_the_shown_before_and_after_add_up_to_the_shown_change():
    """0,530 adjusted by +0,0085 to 0,5385: each rounded alone read «+0,01 (0,53 → 0,53)», and
    »before« as after less the rounded change «0,52 → 0,53», which is not the hand-set figure
    (review BP 4). Now both are the true figures and the change is their difference."""
    def line(hand: float, delta: float) -> tuple:
        e = Explanation((), (), "middel", round(hand + delta, 6), 1.0, 1.0, (), ())
        got = learned_line(LearnedMatch("c", "o", 0.5, e, 0.0, Adjustment(delta, hand, (("proximity", delta),))))
        return got["before"], got["after"], got["change"]

    assert line(0.530, 0.0085) == (D("0.53"), D("0.53"), D("0"))  # the card: »ingen mærkbar justering«
    assert line(0.4120, -0.0260) == (D("0.41"), D("0.38"), D("-0.03"))  # a lowering
