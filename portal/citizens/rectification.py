"""A corrected name, phone or e-mail reaches the companies that have it (GDPR art. 16 and 19,
review AU 3).

The citizen agrees to share »my phone« or »my e-mail«, not a particular string: the consent
copies them into ``Proposal.shared_profile`` (:func:`portal.proposals.record_consent`), and the
company's pages and API read that copy. So when the profile's phone or e-mail changes (the
profile form, the import and the API all save through
:func:`portal.citizens.service.update_profile`), :func:`correct` writes the new value into the
copy of every proposal whose consent in force shares it (a detail removed from the profile is
removed from the copy). The name is read live from the citizen already.

Each company that sees the citizen's name now (:func:`portal.proposals.identity_released`) and
has a corrected detail (the name; the phone or e-mail when its consent shares it) is told by
pseudonym which details were corrected, never the values (:func:`.recipients.tell_corrected`),
and the consultant is told on save which companies got it.
"""
from __future__ import annotations

import sqlalchemy as sa

from .. import proposals
from ..extensions import db
from . import recipients
from store import clock
from store.models import Citizen, Proposal

WATCHED = ("name", "phone", "email")


def correct(citizen: Citizen, changed: list[str]) -> recipients.Corrected:
    """Update the shared copies of the ``changed`` contact details and tell the companies that
    have them; the caller commits. Nothing happens when none of :data:`WATCHED` changed."""
    fields = [name for name in WATCHED if name in changed]
    if not fields:
        return recipients.Corrected()
    today = clock.today()
    concerned: list[tuple[Proposal, list[str]]] = []
    for proposal in db.session.scalars(sa.select(Proposal).where(
            Proposal.citizen_id == citizen.id, Proposal.status.in_(("consented", "disclosed")))
            .order_by(Proposal.id)):
        if proposals.active_consent(proposal, today) is None:
            continue
        profile = dict(proposal.shared_profile or {})
        touched = []
        for key in proposals.CONTACT_KEYS:
            if key in fields and key in profile:
                value = (getattr(citizen, key) or "").strip()
                if value:
                    profile[key] = value
                else:
                    del profile[key]
                touched.append(key)
        if touched:
            proposal.shared_profile = profile  # a new dict, so the JSON column is marked changed
        told = (["name"] if "name" in fields else []) + touched
        if told and proposals.identity_released(proposal, today):
            concerned.append((proposal, told))
    return recipients.tell_corrected(citizen, concerned)


def saved_message(corrected: recipients.Corrected) -> str:
    """What the consultant is told on save about the companies (empty: none concerned)."""
    def listed(names: tuple[str, ...]) -> str:
        return " og ".join(filter(None, [", ".join(names[:-1]), names[-1]]))

    parts = []
    if corrected.told:
        parts.append(f"{listed(corrected.told)} har borgerens navn og har fået besked om rettelsen; "
                     "kontaktoplysningerne på kandidatens side er opdateret.")
    if corrected.untold:
        parts.append(f"{listed(corrected.untold)} har borgerens navn, men ingen aktiv bruger, der kan få besked: "
                     "giv dem besked om rettelsen selv.")
    return " ".join(parts)
