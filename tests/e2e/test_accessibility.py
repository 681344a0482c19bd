"""WCAG 2.1 AA: axe-core checks the main pages of every role in the real browser.

The portal is a Danish public-sector site, so webtilgængelighedsloven requires WCAG 2.1 AA.
One live portal with the demo municipality serves the whole module; each role logs in once.
Every page (start page, menu entries, one detail page per area, a form showing a validation
error, a confirmation step) gets axe injected from node_modules (never served by the portal) and fails on any
violation of impact "serious" or "critical".
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from portal import create_app
from portal.citizens import cv_removal, cv_sharing
from portal.demo.loader import load_demo
from portal.demo.people import ADMIN_LOGIN, COMPANY_LOGIN, CONSULTANT_LOGIN, PARTNER_LOGIN
from portal.extensions import db
from store.models import Citizen, Company, HotlineRequest, JobRun, Opening, Placement, Proposal, User
from store.clock import today, utcnow
from tests.conftest import PASSWORD, ROOT
from tests.e2e.helpers import loaded

pytestmark = pytest.mark.e2e

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
LOGINS = {"company": COMPANY_LOGIN, "partner": PARTNER_LOGIN,
          "consultant": CONSULTANT_LOGIN, "admin": ADMIN_LOGIN}


@dataclass(frozen=True)
class Page:
    """A page to check: who sees it, where it is, and how to make it show a form error."""

    role: str  # "anonymous" or a key of LOGINS
    path: str  # may hold {placeholders} filled from the demo ids
    submit: str | None = None  # button to press (browser validation off) to show errors
    fills: dict[str, str] = field(default_factory=dict)  # CSS selector -> value before submit
    unticks: tuple[str, ...] = ()  # CSS selectors of checkboxes to untick (the first match each) before submit
    shows: str | None = None  # CSS selector the page must show (after submit: in place of a form error)
    status: int = 200  # e.g. 403 for the page telling ordinary companies stories are for partners


PAGES = {
    "anonymous-login": Page("anonymous", "/auth/login"),
    "anonymous-login-error": Page("anonymous", "/auth/login", submit="Log ind"),
    "anonymous-forgot": Page("anonymous", "/glemt-adgangskode"),
    "anonymous-privacy": Page("anonymous", "/om/privatliv"),
    "anonymous-accessibility": Page("anonymous", "/om/tilgaengelighed"),
    "anonymous-forgot-error": Page("anonymous", "/glemt-adgangskode", submit="Send link"),
    "company-start": Page("company", "/"),
    "company-openings": Page("company", "/opslag/"),
    "company-opening-detail": Page("company", "/opslag/{company_opening}"),
    "company-opening-form-error": Page("company", "/opslag/ny", submit="Opret opslag"),
    "company-placements": Page("company", "/forloeb/"),
    "company-placement-detail": Page("company", "/forloeb/{company_placement}"),
    "company-hours-error": Page("company", "/forloeb/{company_placement}", submit="Gem timer",
                                fills={"input[name=hours]": "-5"}),
    "company-hotline": Page("company", "/hotline/"),
    "company-hotline-detail": Page("company", "/hotline/{company_hotline}"),
    "company-hotline-form-error": Page("company", "/hotline/ny", submit="Send henvendelse"),
    "company-stories-partners-only": Page("company", "/historier/", status=403),
    "partner-start": Page("partner", "/"),
    "partner-openings": Page("partner", "/opslag/"),
    "partner-placements": Page("partner", "/forloeb/"),
    "partner-hotline": Page("partner", "/hotline/"),
    "partner-stories": Page("partner", "/historier/"),
    "consultant-start": Page("consultant", "/"),
    "consultant-candidates": Page("consultant", "/kandidater/"),
    "consultant-ranking": Page("consultant", "/kandidater/opslag/{open_opening}"),
    "consultant-proposal": Page("consultant", "/kandidater/forslag/{proposal}"),
    "consultant-citizens": Page("consultant", "/borgere/"),
    "consultant-citizen-detail": Page("consultant", "/borgere/{citizen}"),
    "consultant-citizen-cv": Page("consultant", "/borgere/{citizen}/cv"),
    "consultant-citizen-job-goals": Page("consultant", "/borgere/{citizen}/jobmaal"),
    "consultant-citizen-profile-error": Page("consultant", "/borgere/{citizen}/profil", submit="Gem profil",
                                             fills={"input[name=name]": "", "input[name=postcode]": "0000"}),
    "consultant-followups": Page("consultant", "/forloeb/opfoelgning"),
    "consultant-placement-detail": Page("consultant", "/forloeb/{placement}/konsulent"),
    "consultant-hotline": Page("consultant", "/hotline/"),
    "consultant-hotline-detail": Page("consultant", "/hotline/{hotline}"),
    "consultant-goals": Page("consultant", "/maal/"),
    "consultant-stories": Page("consultant", "/historier/"),
    "consultant-story-form-error": Page("consultant", "/historier/ny", submit="Gem som kladde"),
    "consultant-partners": Page("consultant", "/partner/partnere", shows="[data-testid^=partner-row-]"),
    "consultant-partner-report": Page("consultant", "/partner/partnere/{partner}/rapport",
                                      shows="[data-testid=staff-read-only]"),
    "consultant-hotline-figure-list": Page("consultant", "/maal/hotline?tal=modtaget&maaned={hotline_month}",
                                           shows="[data-testid=figure-row]"),
    "consultant-cv-delete": Page("consultant", "/borgere/{cv_citizen}/cv/{cv}/slet",
                                 shows="[data-testid=cv-delete-form]"),
    "consultant-cv-delete-error": Page("consultant", "/borgere/{cv_citizen}/cv/{cv}/slet", submit="Slet CV'et"),
    "consultant-cv-delete-shared": Page("consultant", "/borgere/{shared_cv_citizen}/cv/{shared_cv}/slet",
                                        shows="[data-testid=cv-delete-withdraw-link]", status=409),
    # The demo_portal fixture records scheduled job runs: a warning and a run of each kind show.
    "admin-start": Page("admin", "/", shows="[data-testid=jobs-overdue] [data-job=hotline-reminders]"),
    "admin-users": Page("admin", "/admin/users"),
    "admin-user-form-error": Page("admin", "/admin/users/new", submit="Opret bruger"),
    "admin-companies": Page("admin", "/admin/companies"),
    "admin-company-detail": Page("admin", "/admin/companies/{company}"),
    "admin-rules": Page("admin", "/admin/regler"),
    # Unticking a pair asks first (nothing is saved until »Ja, gem reglerne«).
    "admin-rules-confirm": Page("admin", "/admin/regler", submit="Gem regler",
                                unticks=("input[type=checkbox]:checked",),
                                shows="[data-testid=eligibility-confirm]"),
    "admin-hotline-duty": Page("admin", "/hotline/vagt", shows="[data-testid=duty-form]"),
    "admin-indexer": Page("admin", "/admin/indexer"),
    "admin-citizen-erase": Page("admin", "/borgere/{citizen}/slet"),
    "company-api-tokens": Page("company", "/profil/adgangsnoegler"),
    "company-webhooks": Page("company", "/webhooks/"),
    "company-webhook-form-error": Page("company", "/webhooks/ny", submit="Opret webhook"),
    "admin-api-tokens": Page("admin", "/admin/adgangsnoegler"),
    "admin-import": Page("admin", "/admin/import/"),
    "admin-audit-log": Page("admin", "/admin/adgangslog"),
    "admin-audit-log-filter-error": Page("admin", "/admin/adgangslog?borger=abc&fra=2026-01-10&til=2026-01-01",
                                         status=400),
}


def _demo_ids() -> dict[str, int | str]:
    """One object per detail page: the company user's own, others from the whole municipality
    (``hotline_month``: the month of the newest hotline request, so its figure list has rows)."""
    company_id = db.session.scalar(sa.select(User.company_id).where(User.email == COMPANY_LOGIN))

    def first(model, *where) -> int:
        found = db.session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))
        assert found is not None, f"the demo data has no {model.__name__} for {where}"
        return found

    newest_request = db.session.scalar(sa.select(sa.func.max(HotlineRequest.created_at)))
    assert newest_request is not None, "the demo data has no hotline request"
    # A CV no company has under a consent: its delete page shows the form (a shared one is refused).
    cv_citizen, cv = next(
        ((citizen, version) for citizen in db.session.scalars(
            sa.select(Citizen).where(Citizen.vk_id.is_not(None)).order_by(Citizen.id))
         for version in citizen.cv_documents if not cv_removal.shared_with(citizen, version)),
        (None, None))
    assert cv is not None, "the demo data has no CV that is not shared"
    shared = next((item for proposal in db.session.scalars(
        sa.select(Proposal).where(Proposal.share_cv.is_(True)).order_by(Proposal.id))
        for item in cv_sharing.sharing(proposal.citizen) if item.cv is not None), None)
    assert shared is not None, "no CV is shared with a company (see _share_a_cv)"
    return {
        "company_opening": first(Opening, Opening.company_id == company_id),
        "company_placement": first(Placement, Placement.company_id == company_id),
        "company_hotline": first(HotlineRequest, HotlineRequest.company_id == company_id),
        "open_opening": first(Opening, Opening.status == "open"),
        "proposal": first(Proposal),
        "citizen": first(Citizen, Citizen.vk_id.is_not(None)),
        "placement": first(Placement),
        "hotline": first(HotlineRequest),
        "company": first(Company),
        "partner": first(Company, Company.code_of_care.is_(True)),
        "hotline_month": f"{newest_request:%Y-%m}",
        "cv_citizen": cv_citizen.id,
        "cv": cv.id,
        "shared_cv_citizen": shared.proposal.citizen_id,
        "shared_cv": shared.cv.id,
    }


def _record_job_runs() -> None:
    """The admin start page's »Planlagte job« with every kind of row: one job ran fine, one
    failed (the warning), one never ran."""
    now = utcnow()
    db.session.add_all([
        JobRun(job="retention", started_at=now - timedelta(hours=2), finished_at=now - timedelta(hours=2),
               outcome="ok", summary="3 borgere anonymiseret"),
        JobRun(job="hotline-reminders", started_at=now - timedelta(minutes=10),
               finished_at=now - timedelta(minutes=10), outcome="failed", summary="Fejlede: OperationalError"),
    ])
    db.session.commit()


def _share_a_cv() -> None:
    """One disclosed proposal shares the CV (the demo's share none): the CV delete page's refusal."""
    for proposal in db.session.scalars(sa.select(Proposal).where(Proposal.status == "disclosed")
                                       .order_by(Proposal.id.desc())):
        if cv_sharing.consented_version(proposal) is not None:
            proposal.share_cv = True
            db.session.commit()
            return


@pytest.fixture(scope="module")
def axe_path() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (or `make test`), axe-core is a devDependency",
                    pytrace=False)
    return str(AXE)


@pytest.fixture(scope="module")
def demo_portal(tmp_path_factory, password_hash):
    """The portal with the demo municipality (few citizens), on 127.0.0.1:<free port>."""
    folder = tmp_path_factory.mktemp("a11y")
    app = create_app({
        "TESTING": True, "DATABASE_URL": f"sqlite:///{folder / 'a11y.sqlite'}",
        "SECRET_KEY": "a11y-secret", "PSEUDONYM_KEY": "a11y-pseudonym",
        "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory",
        "UPLOAD_FOLDER": str(folder / "uploads"),
    })
    with app.app_context():
        db.create_all()
        load_demo(db.session, today(), citizen_count=120, password_hash=password_hash)
        _record_job_runs()
        _share_a_cv()
        ids = _demo_ids()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", ids
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def role_pages(browser, demo_portal) -> Callable[[str], object]:
    """A logged-in Playwright page per role, created on first use and kept for the module."""
    url, _ids = demo_portal
    contexts, pages = [], {}

    def get(role: str):
        if role not in pages:
            # bypass_csp: the injected axe script is inline, which the portal's CSP forbids.
            context = browser.new_context(base_url=url, locale="da-DK", bypass_csp=True)
            contexts.append(context)
            page = context.new_page()
            if role != "anonymous":
                page.goto("/auth/login")
                page.get_by_label("E-mail").fill(LOGINS[role])
                page.get_by_label("Adgangskode").fill(PASSWORD)
                page.get_by_role("button", name="Log ind").click()
                page.get_by_test_id("start-page").wait_for()
            pages[role] = page
        return pages[role]

    yield get
    for context in contexts:
        context.close()


def _open(page, spec: Page, ids: dict[str, int | str]) -> None:
    response = page.goto(spec.path.format(**ids))
    assert response is not None and response.status == spec.status, \
        f"{spec.path} answered {response and response.status}, expected {spec.status}"
    if spec.submit is None:
        if spec.shows is not None:
            loaded(page)
            assert page.locator(spec.shows).count(), f"{spec.path} does not show {spec.shows}"
        return
    for selector, value in spec.fills.items():
        page.locator(f"main {selector}").fill(value)
    for selector in spec.unticks:
        page.locator(f"main {selector}").first.uncheck()
    # Server-side validation is what we want to see: switch the browser's own checks off.
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.locator("main").get_by_role("button", name=spec.submit, exact=True).click()
    page.locator(spec.shows or ".form-error-message, .alert-error").first.wait_for()


def _report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(node["target"]) for node in v["nodes"][:4])
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}x) -> {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(name, role_pages, demo_portal, axe_path):
    spec = PAGES[name]
    page = role_pages(spec.role)
    _open(page, spec, demo_portal[1])
    serious = _serious_violations(page, axe_path)
    assert not serious, f"{name} ({page.url}):\n{_report(serious)}"
    too_wide = _too_wide_at_320px(page)
    assert not too_wide, f"{name} ({page.url}) needs horizontal scrolling at 320 px (WCAG 1.4.10): {too_wide}"


def test_skip_link_comes_first_and_leads_to_the_content(role_pages):
    from playwright.sync_api import expect

    page = role_pages("anonymous")
    page.goto("/auth/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Gå til sidens indhold"
    page.keyboard.press("Enter")
    # The jump is a same-page navigation the browser reports a moment later: wait for it.
    expect(page).to_have_url(re.compile(r"#main-content$"))
    assert page.locator("main#main-content").is_visible()


def test_the_check_catches_a_planted_violation(role_pages, axe_path):
    """The harness can fail: an unlabelled input and grey-on-white text are reported."""
    page = role_pages("anonymous")
    page.goto("/auth/login")
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend',
            '<input type="text" name="planted"><p style="color:#ccc;background:#fff">Planted</p>');
    }""")
    rules = {v["id"] for v in _serious_violations(page, axe_path)}
    assert {"label", "color-contrast"} <= rules, rules


def _too_wide_at_320px(page) -> list[str]:
    """Elements reaching beyond a 320 px wide window.

    Data tables and charts are two-dimensional content that may scroll (the 1.4.10 exception);
    chart.js also resizes its canvas asynchronously, so measuring it would be a race. Measured
    once the page has loaded: until jobbro.js has put each table in its scroll box, a wide table
    widens the page.
    """
    loaded(page)
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        return page.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('body *')]
                .filter(e => !e.closest('table, canvas') && e.getBoundingClientRect().right > width + 1)
                .slice(0, 5).map(e => e.outerHTML.slice(0, 80));
        }""")
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


def _serious_violations(page, axe_path: str) -> list[dict]:
    """Run axe with the WCAG 2.1 A/AA rules on the page; the serious and critical findings.

    Only once the page has loaded: a page found by one of its elements after a form was sent may
    still be parsed, and jobbro.js has not yet named the table regions nor added the error
    summary's links (axe would judge a page no user sees).
    """
    loaded(page)
    page.add_script_tag(path=axe_path)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS)
    return [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]
