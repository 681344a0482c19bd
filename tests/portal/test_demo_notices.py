"""The demo seed gives the notices its hotline answers would have given (review AT 9): the start
page said »Jobcentret har svaret på #95 …« while Beskeder said »Du har ingen beskeder«."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.demo.generator import DEMO_LOGINS
from portal.demo.loader import load_demo
from portal.extensions import db
from portal.hotline import notify
from store.models import HotlineMessage, HotlineRequest, Notification, User

TODAY = date(2026, 11, 23)


def _notices(kind: str = "hotline_answered") -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)
                                   .order_by(Notification.id)))


def test_every_answered_request_notified_the_company_user_who_wrote(app):
    with app.app_context():
        counts = load_demo(db.session, TODAY, citizen_count=150)
        answered = db.session.scalars(sa.select(HotlineRequest)
                                      .where(HotlineRequest.first_response_at.is_not(None))).all()
        assert answered and counts["notifications"] == len(_notices())
        by_link = {(n.user_id, n.link): n for n in _notices()}
        for request in answered:
            notice = by_link.pop((request.created_by_id, f"/hotline/{request.id}"))
            assert notice.created_at == request.first_response_at
            assert notice.text == f"Jobcentret har svaret på jeres henvendelse #{request.id} til hotline"
            later = [m.created_at for m in request.messages
                     if m.author_id == request.created_by_id and m.created_at > request.first_response_at]
            assert notice.read_at == (min(later) if later else None)  # read when they wrote again
        assert not by_link  # none for a request without an answer
        assert any(n.read_at is None for n in _notices()) and any(n.read_at for n in _notices())
        # The demo company's log-in has its own (it wrote some of its company's requests).
        login = db.session.scalar(sa.select(User).where(User.email == DEMO_LOGINS["company"]))
        assert any(n.user_id == login.id for n in _notices())


def test_a_seeded_notice_says_what_a_real_answer_says(app):
    """The same kind, text and link as ``portal.hotline.notify.announce_answer`` gives."""
    with app.test_request_context():
        load_demo(db.session, TODAY, citizen_count=150)
        request = db.session.scalars(sa.select(HotlineRequest)
                                     .where(HotlineRequest.first_response_at.is_not(None))
                                     .order_by(HotlineRequest.id)).first()
        seeded = {(n.user_id, n.kind, n.text, n.link) for n in _notices() if n.link == f"/hotline/{request.id}"}
        assert seeded
        before = {n.id for n in _notices()}
        # The company users who wrote in the thread, as the real answer counts them.
        writers = db.session.scalars(sa.select(HotlineMessage.author_id)
                                     .where(HotlineMessage.request_id == request.id)).all()
        assert request.created_by_id in writers
        notify.announce_answer(request)
        db.session.flush()
        real = {(n.user_id, n.kind, n.text, n.link) for n in _notices() if n.id not in before}
        db.session.rollback()
        assert real == seeded
