"""A row that would create a citizen already in the portal (review AJ 3).

The same name and the same e-mail or phone as a live citizen
(:func:`portal.citizens.service.likely_duplicates`) makes a row a likely duplicate: typically
a person first typed in by hand (»Opret borger«, no case-system id) whom the case system now
sends. Such a row is refused and reported with the citizen it looks like (default), or its
external id is attached to that citizen, which the row then updates, or it is created anyway;
the administrator chooses on the import form (``--lookalikes`` on the command line).
"""
from __future__ import annotations

import sqlalchemy as sa

from .. import audit
from ..privacy import blocklist
from ..citizens import service as citizen_service
from ..extensions import db
from store.models import Citizen, User
from store.outbox import record_change

LOOKALIKE_CHOICES = ("refuse", "attach", "create")


def likely(record) -> list[citizen_service.LikelyDuplicate]:
    """The citizens a row that would create a citizen looks like (none when the row's
    external id is already a citizen's, whom the row updates, or is blocked after an erasure,
    which upsert refuses as such). A row without e-mail and phone costs no query."""
    profile = record.profile
    found = citizen_service.likely_duplicates(profile.name, phone=profile.phone or "", email=profile.email or "")
    if not found:
        return []
    # The same id by the web's rule (review AV 7): »av-9« is the citizen »AV-9«, whom the row updates.
    if db.session.scalar(sa.select(Citizen.id).where(citizen_service.same_external_id(record.external_id))
                         .limit(1)) is not None:
        return []
    if blocklist.block_reason(db.session, record.external_id) is not None:
        return []
    return found


def attachable(likely: list[citizen_service.LikelyDuplicate]) -> Citizen | None:
    """The one citizen a row's external id may be attached to: the only likely duplicate, with
    no external id of its own, and neither restricted nor anonymised."""
    if len(likely) != 1:
        return None
    citizen = likely[0].citizen
    if citizen.external_id or citizen.restricted or citizen.anonymised_at is not None:
        return None
    return citizen


def attach(citizen: Citizen, external_id: str, actor: User | None) -> None:
    """Give ``citizen`` the row's external id (audited, and told to the index and the API's
    readers through the outbox); the caller's upsert then updates the citizen from the row."""
    citizen.external_id = external_id
    db.session.flush()
    record_change(db.session, "citizen", citizen.id)
    audit.record("citizen_imported", citizen_id=citizen.id, purpose="external id attached", user=actor)


def message(likely: list[citizen_service.LikelyDuplicate], choice: str, from_file: set[int] = frozenset()) -> str:
    """Why the row is refused, naming the citizens it looks like and what to choose instead
    (``from_file``: the ids of citizens an earlier row of the same file created)."""
    who = "; ".join((f"rækken med eksternt id {d.citizen.external_id} i filen" if d.citizen.id in from_file
                     else f"borger nr. {d.citizen.id}")
                    + f" (samme navn og {' og '.join(d.same)}"
                    + ("" if d.citizen.external_id else ", oprettet i portalen uden id") + ")" for d in likely[:5])
    other = "Er det en anden person, så vælg »Opret alligevel« (--lookalikes create på kommandolinjen)."
    if choice == "attach" or attachable(likely) is None:
        # only advise attaching when it can work (review AK 8); else say why it cannot
        return f"Rækken ligner {who}. Den er ikke indlæst: {_not_attachable(likely, from_file)} {other}"
    return (f"Rækken ligner {who}. Den er ikke indlæst, så samme person ikke får to sager. "
            "Er det den samme person, så vælg »Knyt id'et til borgeren« under »Rækker, der ligner en borger i "
            f"portalen« (--lookalikes attach på kommandolinjen), og kør filen igen. {other}")


def _not_attachable(likely: list[citizen_service.LikelyDuplicate], from_file: set[int]) -> str:
    """Why the row's external id cannot be attached to the citizen it looks like (Danish)."""
    if len(likely) != 1:
        return ("den ligner flere borgere, så id'et kan ikke knyttes til én af dem; find ud af, hvem det er, "
                "og giv rækken den rette borgers id fra fagsystemet.")
    citizen = likely[0].citizen
    if citizen.id in from_file:
        return ("en tidligere række i filen er samme person; fjern den ene række, eller ret id'et, hvis det er "
                "to personer.")
    if citizen.external_id:
        return (f"borger nr. {citizen.id} har allerede id'et {citizen.external_id} fra fagsystemet, så rækkens id "
                "kan ikke knyttes til den; er det samme person, så ret id'et i fagsystemets fil.")
    return (f"borger nr. {citizen.id} er under begrænset behandling og kan ikke ændres, så id'et kan ikke "
            "knyttes til den, før begrænsningen er ophævet.")
