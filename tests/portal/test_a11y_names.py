"""Accessible names and structure a screen reader relies on (review P 3-7): what a link says
out of context (a links list, Tab), whose row a cell is on, explanations that need no hover,
and heading order."""
from __future__ import annotations

import re
from collections import defaultdict

import lxml.html
import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import User
from tests.clock import TODAY
from tests.portal.test_candidates import world  # noqa: F401 - the fixture
from tests.portal.test_concept_card import concept_table  # noqa: F401 - the fixture

QUEUES = ("forslag", "svar", "del-navnet", "opslag-slut", "hotline", "kan-ikke-matches", "opfoelgning",
          "samtaler", "samtykker")


@pytest.fixture
def demo(app, password_hash, frozen_today):
    """The demo data (a smaller set); the demo consultant's e-mail."""
    from portal.demo.loader import load_demo

    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=150, password_hash=password_hash)
        return db.session.scalar(sa.select(User.email).where(User.email == "konsulent@demo.jobbro.dk"))


@pytest.fixture
def start_page(client, auth, demo):
    """The demo consultant's start page, parsed."""
    auth.login(demo)
    return lxml.html.fromstring(client.get("/").get_data(as_text=True))


def name_of(element) -> str:
    """The accessible name as a link or button gets it here: aria-label, else all its text
    (visually hidden text included, which is the point of it)."""
    return " ".join((element.get("aria-label") or element.text_content()).split())


def test_every_key_figure_link_says_what_it_counts(start_page):
    links = start_page.xpath("//main//a[@href]")
    assert links
    bare = [name_of(a) for a in links if re.fullmatch(r"[\d.,\s%]*", name_of(a))]
    assert bare == []
    figure = start_page.xpath('//a[@href="#forslag"]')[0]
    count = figure.xpath('.//*[@data-testid="figure-forslag"]')[0].text_content()
    assert name_of(figure) == f"{count} forslag venter på din vurdering"


def test_no_two_queue_links_share_a_name_but_lead_to_different_places(start_page):
    targets: dict[str, set[str]] = defaultdict(set)
    for key in QUEUES:
        for a in start_page.xpath(f'//section[@data-testid="queue-{key}"]//tbody//a[@href]'):
            targets[name_of(a)].add(a.get("href"))
    assert len(targets) > 20  # the demo fills the queues
    assert {n: sorted(h) for n, h in targets.items() if len(h) > 1} == {}
    fix = start_page.xpath('//*[@data-testid="fix"]')[0]
    row_name = name_of(fix.xpath("ancestor::tr/th")[0])
    assert name_of(fix) in (f"Tilføj CV ({row_name})", f"Tilføj jobmål ({row_name})",
                            f"Tildel virksomhedskonsulent ({row_name})")


def test_two_hotline_requests_with_the_same_subject_are_told_apart(app, client, auth, demo):
    from store.models import HotlineRequest

    auth.login(demo)
    first = lxml.html.fromstring(client.get("/").get_data(as_text=True)).xpath(
        '//section[@data-testid="queue-hotline"]//tbody//a[@href]')[0]
    request_id = int(first.get("href").rsplit("/", 1)[1])
    with app.app_context():
        original = db.session.get(HotlineRequest, request_id)
        copy = HotlineRequest(**{column: getattr(original, column) for column in (
            "company_id", "category", "urgency", "subject", "status", "assigned_to_id", "created_by_id",
            "created_at", "due_at")})
        db.session.add(copy)
        db.session.commit()
        copy_id, subject = copy.id, copy.subject
    for path, rows in (("/", '//section[@data-testid="queue-hotline"]//tbody//a[@href]'),
                       ("/hotline/?vis=alle", '//tr[@data-testid="hotline-row"]//a[@href]')):
        page = lxml.html.fromstring(client.get(path).get_data(as_text=True))
        links = {a.get("href"): name_of(a) for a in page.xpath(rows)}
        one, other = links[f"/hotline/{request_id}"], links[f"/hotline/{copy_id}"]
        assert one != other and one.startswith(subject) and other.startswith(subject), path


def test_every_queue_row_is_headed_by_its_citizen_or_subject(start_page):
    rows = start_page.xpath('//tr[@data-testid="queue-row"]')
    assert len(rows) > 20
    for row in rows:
        first = row[0]
        assert (first.tag, first.get("scope")) == ("th", "row"), lxml.html.tostring(row)[:200]
        assert all(cell.tag == "td" for cell in row[1:])


def hover_only(doc) -> list[str]:
    """Elements in main whose title only a mouse can bring up (not focusable)."""
    focusable = {"a", "button", "input", "select", "textarea", "summary"}
    return [f'{el.tag}[{el.get("data-testid") or el.get("class")}]' for el in doc.xpath("//main//*[@title]")
            if el.tag not in focusable and el.get("tabindex") is None]


def read_how_to(doc) -> dict[str, str]:
    """The terms the ranking's »Sådan læses tallene på kortene« explains, with their text."""
    (box,) = doc.xpath('//details[@data-testid="how-to-read"]')
    return {" ".join(dt.text_content().split()): " ".join(dt.getnext().text_content().split())
            for dt in box.xpath(".//dt")}


def test_the_ranking_explains_its_figures_in_the_page_not_in_tooltips(
        concept_table, app, client, auth, world):  # noqa: F811
    from tests.portal.test_rerank_channel_card import DENSE_MODEL, _store

    _store(app, DENSE_MODEL)
    auth.login(world["consultant"].email)
    anna = world["ids"]["Anna Lagerbæk"]
    for url, whose in ((f"/kandidater/opslag/{world['opening_id']}", "borgere, der opfylder kravene"),
                       (f"/kandidater/borger/{anna}", "opslag, borgeren opfylder kravene til")):
        doc = lxml.html.fromstring(client.get(url).get_data(as_text=True))
        assert doc.xpath('//*[@data-testid="goal-concept"]') and doc.xpath('//*[@data-testid="learned-adjustment"]')
        assert hover_only(doc) == [], url
        said = read_how_to(doc)
        assert list(said) == ["Samlet match", "Fælles ESCO-erhverv", "Lært model", "Score"], url
        assert said["Samlet match"].startswith("Hele CV’et og alle jobmål mod hele opslaget, justeret af den lærte")
        assert "peger på de samme ESCO-erhverv" in said["Fælles ESCO-erhverv"]
        assert "Modellen er lært af jobcentrets egne beslutninger." in said["Lært model"]
        assert f"kun rækkefølgen blandt {whose}," in said["Lært model"]
        assert "»små fakta og afrunding« de fakta, der hver flyttede under 0,005" in said["Lært model"]
        assert "afstand, timer og sprog er parrets øvrige fakta med deres vægt" in said["Score"]


def test_without_a_learned_model_or_shared_occupations_the_explanation_leaves_them_out(client, auth,
                                                                                        world):  # noqa: F811
    auth.login(world["consultant"].email)
    doc = lxml.html.fromstring(client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True))
    assert hover_only(doc) == []
    said = read_how_to(doc)
    assert list(said) == ["Samlet match", "Score"]
    assert "lærte" not in said["Samlet match"] and "lærte" not in said["Score"]


def test_a_proposals_stored_explanation_says_what_the_match_is_without_a_tooltip(app):
    from flask import render_template_string

    explanation = {"similarity_band": "middel", "learned": {"similarity_band": "høj", "delta": 0.04},
                   "matched_goal": "Kok"}
    with app.test_request_context("/"):
        html = render_template_string('{% from "macros/match.html" import stored_explanation %}'
                                      "{{ stored_explanation(e, 0.51) }}", e=explanation)
    doc = lxml.html.fromstring(f"<main>{html}</main>")
    assert hover_only(doc) == []
    assert name_of(doc.xpath('//*[@data-testid="explanation-whole"]')[0]) == (
        "Hele CV’et og alle jobmål mod hele opslaget, justeret af den lærte model.")


def test_a_citizens_openings_page_has_a_heading_for_the_list(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    doc = lxml.html.fromstring(client.get(f"/kandidater/borger/{world['ids']['Anna Lagerbæk']}")
                               .get_data(as_text=True))
    levels = [int(h.tag[1]) for h in doc.xpath("//main//*[self::h1 or self::h2 or self::h3 or self::h4]")]
    assert levels[:3] == [1, 2, 3]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    list_heading = doc.xpath('//ol[@data-testid="opening-ranking"]/preceding::h2[1]')[0]
    assert name_of(list_heading) == "Bedst egnede opslag"


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_api_docs_darken_swaggers_colours_to_four_and_a_half_to_one(app, client, auth, make_user):
    """Swagger UI's method labels (white on #61affe: 2.3:1), »Authorize« and »OAS 3.1« failed
    1.4.3 (review P 7); the page's own stylesheet, loaded after Swagger's, overrides them."""
    from pathlib import Path

    auth.login(make_user("company").email)
    doc = lxml.html.fromstring(client.get("/api/docs").get_data(as_text=True))
    sheets = [link.get("href") for link in doc.xpath('//link[@rel="stylesheet"]')]
    assert sheets.index("/static/css/api-docs.css") > sheets.index("/static/vendor/swagger-ui/swagger-ui.css")
    css = (Path(app.static_folder) / "css" / "api-docs.css").read_text()
    rules = {" ".join(s.split()): body for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", re.sub(
        r"/\*.*?\*/", "", css, flags=re.S)) for s in selectors.split(",")}

    def colour(selector: str, prop: str) -> str:
        return re.search(rf"(?:^|;)\s*{prop}\s*:\s*(#[0-9a-f]{{6}})", rules[selector]).group(1)

    for method in ("get", "post", "put", "delete", "patch", "head", "options"):
        label = f"#swagger-ui .opblock.opblock-{method} .opblock-summary-method"
        assert contrast("#ffffff", colour(label, "background")) >= 4.5, method
    assert contrast("#ffffff", colour("#swagger-ui .btn.authorize", "color")) >= 4.5
    assert contrast("#ffffff", colour("#swagger-ui .info .title small.version-stamp", "background-color")) >= 4.5
    assert contrast("#ffffff", colour("#swagger-ui .btn.execute", "background-color")) >= 4.5
    assert contrast("#efefef", colour("#swagger-ui .json-schema-2020-12-expand-deep-button", "color")) >= 4.5
