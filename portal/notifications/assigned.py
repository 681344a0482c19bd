"""Tell a consultant who is given citizens as VK or beskæftigelsesrådgiver (review AV 6).

Nærhedsprincip and few changes of caseworker only work when the new caseworker knows the case is
theirs: the proposals, consents and answers that follow ``Citizen.vk_id`` land on their list.
:func:`announce_assigned` tells the new VK and the new adviser of one citizen (a reassignment on
the citizen's page, or an import that changes the VK); :func:`announce_handover` sends one
summary to the consultant who takes over a caseload (``portal.admin.caseload.hand_over``).
Neither tells the person who made the change (they know), and both add to the caller's session
(the caller commits, with the change).

The notices never name the citizen: a notice outlives an erasure (``portal.privacy.NAMING_KINDS``),
so a citizen is »borger nr. N«, linked to the citizen's page; a handover links to the
consultant's own list (»Mine borgere«).
"""
from __future__ import annotations

from store.models import Citizen, User

from ..extensions import db
from .service import notify, path_for

KIND = "caseload_assigned"


def _roles(vk: bool, adviser: bool) -> str:
    return " og ".join(role for role, held in (("VK", vk), ("beskæftigelsesrådgiver", adviser)) if held)


def announce_assigned(citizen: Citizen, *, old_vk_id: int | None, old_adviser_id: int | None,
                      by: User | None) -> int:
    """After ``citizen``'s VK or adviser changed (already set on it): tell each new caseworker
    but ``by``, once even when one person became both. Returns how many were told."""
    new: dict[int, list[bool]] = {}
    if citizen.vk_id is not None and citizen.vk_id != old_vk_id:
        new.setdefault(citizen.vk_id, [False, False])[0] = True
    if citizen.adviser_id is not None and citizen.adviser_id != old_adviser_id:
        new.setdefault(citizen.adviser_id, [False, False])[1] = True
    by_id = getattr(by, "id", None)
    told = 0
    link = path_for("citizens.detail", citizen_id=citizen.id)
    for user_id, (as_vk, as_adviser) in new.items():
        if user_id == by_id:
            continue
        # By id: the relationship may still hold the caseworker loaded before the change.
        user = db.session.get(User, user_id)
        if user is None:
            continue
        who = f" af {by.name}" if by is not None and by.name else ""
        text = f"Du er sat som {_roles(as_vk, as_adviser)} for borger nr. {citizen.id}{who}."
        body = (f"{text}\n\nSagen er din nu: forslag, samtykker og svar fra virksomheder om borgeren "
                "kommer på din liste. Se borgeren, og hvad der mangler, i portalen.")
        if notify(user, KIND, text, link, subject=f"Du har fået borger nr. {citizen.id}", body=body,
                  link_intro="Se borgeren her"):
            told += 1
    return told


def announce_handover(successor: User, *, citizens: int, advised: int, leaving: User,
                      by: User | None) -> bool:
    """One summary for ``successor``, who took over ``citizens`` citizens as VK and ``advised``
    as adviser from ``leaving`` (nothing when neither, or when ``successor`` did it)."""
    if not (citizens or advised) or successor.id == getattr(by, "id", None):
        return False
    parts = [f"{count} borger{'' if count == 1 else 'e'} som {role}"
             for count, role in ((citizens, "VK"), (advised, "beskæftigelsesrådgiver")) if count]
    text = f"Du har overtaget {' og '.join(parts)} fra {leaving.name}."
    body = (f"{text}\n\nSagerne er dine nu: forslag, samtykker og svar fra virksomheder om borgerne "
            "kommer på din liste. Du finder borgerne under »Mine borgere«.")
    return notify(successor, KIND, text, path_for("citizens.index"),
                  subject=f"Du har overtaget sager fra {leaving.name}", body=body,
                  link_intro="Se dine borgere her") is not None


def announce_imported(counts: dict[int, int], users: dict[int, User]) -> int:
    """After an import: one summary per consultant the file made VK of ``counts[user_id]``
    citizens (created with them, or moved to them). Returns how many were told."""
    told = 0
    for user_id, count in counts.items():
        user = users.get(user_id)
        if user is None or not count:
            continue
        text = (f"En import fra fagsystemet har gjort dig til VK for {count} "
                f"borger{'' if count == 1 else 'e'}.")
        body = (f"{text}\n\nSagerne er dine nu: forslag, samtykker og svar fra virksomheder om borgerne "
                "kommer på din liste. Du finder borgerne under »Mine borgere«.")
        if notify(user, KIND, text, path_for("citizens.index"),
                  subject="Du har fået borgere ved en import", body=body, link_intro="Se dine borgere her"):
            told += 1
    return told
