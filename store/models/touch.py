"""A change to a child row touches its parent's ``updated_at``.

A proposal changes for its readers when a consent is recorded, withdrawn or replaced, or an
interview is offered, booked or cancelled; a placement when hours or an event are logged; a
hotline request when a message is written. Those are rows of their own, so the parent's
``onupdate`` would not fire, and a system polling with ``updated_since`` (the API) would miss
them. One flush hook does it for every code path (web, API, jobs) rather than each service
remembering to.
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .base import utcnow
from .handoff import Interview
from .hotline import HotlineMessage, HotlineRequest
from .placements import HoursLog, Placement, PlacementEvent
from .proposals import Consent, Proposal

# child class: (relationship to the parent, its foreign key, the parent class)
PARENTS = {
    Consent: ("proposal", "proposal_id", Proposal),
    Interview: ("proposal", "proposal_id", Proposal),
    HoursLog: ("placement", "placement_id", Placement),
    PlacementEvent: ("placement", "placement_id", Placement),
    HotlineMessage: ("request", "request_id", HotlineRequest),
}


def _parent(session: Session, child):
    relation, key, parent_class = PARENTS[type(child)]
    loaded = inspect(child).attrs[relation].loaded_value  # no lazy load inside a flush
    if isinstance(loaded, parent_class):
        return loaded
    parent_id = getattr(child, key)
    return session.get(parent_class, parent_id) if parent_id is not None else None


@event.listens_for(Session, "before_flush")
def _touch_parents(session: Session, _context, _instances) -> None:
    changed = [obj for obj in session.new if type(obj) in PARENTS]
    changed += [obj for obj in session.dirty if type(obj) in PARENTS and session.is_modified(obj)]
    changed += [obj for obj in session.deleted if type(obj) in PARENTS]
    if not changed:
        return
    now = utcnow()
    with session.no_autoflush:
        for child in changed:
            parent = _parent(session, child)
            if parent is not None and parent not in session.deleted:
                parent.updated_at = now
