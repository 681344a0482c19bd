"""The one pager under the paged lists (templates/macros/pager.html): where the page is, in Danish
numbers, and links that keep the list's own arguments (users, mail queue, closed hotline requests,
placements, follow-ups, hours of a month use it)."""
from __future__ import annotations

from datetime import timedelta

from flask import render_template_string

from portal.admin.service import PER_PAGE, ReadPage
from portal.extensions import db
from store import clock
from store.models import MailMessage

CALL = '{% from "macros/pager.html" import pager %}'


def _page(page: int, per_page: int, total: int) -> ReadPage:
    shown = max(0, min(per_page, total - (page - 1) * per_page))
    return ReadPage(page=page, per_page=per_page, error_out=False, items=list(range(shown)), total=total)


def test_the_position_and_both_links_keep_the_lists_arguments_in_order(app):
    with app.test_request_context():
        html = render_template_string(
            CALL + "{{ pager(page, 'lukkede henvendelser', 'hotline.index', {'vis': 'lukket', 'ansvarlig': 7}, "
            "testid='closed-pages') }}", page=_page(2, 50, 120))
    assert '<nav aria-label="Sider" data-testid="closed-pages">' in html
    assert "Viser 51–100 af 120 lukkede henvendelser · side 2 af 3." in html
    assert '<a href="/hotline/?vis=lukket&amp;ansvarlig=7&amp;side=1" rel="prev">Forrige side</a>' in html
    assert '<a href="/hotline/?vis=lukket&amp;ansvarlig=7&amp;side=3" rel="next">Næste side</a>' in html


def test_the_last_page_has_no_next_link_an_argument_left_out_is_no_link_part_and_the_note_is_said(app):
    with app.test_request_context():
        html = render_template_string(
            CALL + "{{ pager(page, 'forløb', 'hotline.index', {'vis': 'lukket', 'ansvarlig': none}, "
            "note='De afsluttede står til sidst.') }}", page=_page(3, 50, 120))
    assert "Viser 101–120 af 120 forløb · side 3 af 3. De afsluttede står til sidst." in html
    assert 'href="/hotline/?vis=lukket&amp;side=2" rel="prev"' in html and 'rel="next"' not in html
    assert "data-testid" not in html  # no testid asked for, none given


def test_large_figures_are_written_the_danish_way(app):
    with app.test_request_context():
        html = render_template_string(CALL + "{{ pager(page, 'mails', 'admin.mail_queue') }}",
                                      page=_page(1200, 10, 12_345))
    assert "Viser 11.991–12.000 af 12.345 mails · side 1.200 af 1.235." in html


def test_the_mail_queue_pages_with_it(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    with app.app_context():
        now = clock.utcnow()
        db.session.add_all([MailMessage(user_id=admin.id, to_address="a@jc.dk", kind="hotline_new",
                                        subject=f"Mail {n}", body="x", status="pending", attempts=2,
                                        last_error="ConnectionRefusedError", created_at=now - timedelta(minutes=n),
                                        available_at=now + timedelta(minutes=30))
                            for n in range(PER_PAGE + 3)])
        db.session.commit()
    auth.login(admin.email)
    first = client.get("/admin/mail").get_data(as_text=True)
    assert f"Viser 1–{PER_PAGE} af {PER_PAGE + 3} mails · side 1 af 2." in first
    assert '<a href="/admin/mail?side=2" rel="next">Næste side</a>' in first and 'rel="prev"' not in first
    second = client.get("/admin/mail?side=2").get_data(as_text=True)
    assert f"Viser {PER_PAGE + 1}–{PER_PAGE + 3} af {PER_PAGE + 3} mails · side 2 af 2." in second
    assert '<a href="/admin/mail?side=1" rel="prev">Forrige side</a>' in second
