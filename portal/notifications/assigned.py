"""Tell a consultant who is given citizens as VK or beskæftigelsesrådgiver (review AV 6), removed
as one (``caseload_removed``: a removal is no »Du har fået borgere«), or who stays while the other
seat changes (``caseload_changed``: »Borger nr. N, som du er VK for, har nu …«).

Nærhedsprincip and few changes of caseworker only work when the new caseworker knows the case is
theirs: the proposals, consents and answers that follow ``Citizen.vk_id`` land on their list.
:func:`announce_assigned` tells the new VK and the new adviser of one citizen (a reassignment on
the citizen's page or by the API's upsert), and the ones removed or kept (review AZ 1);
:func:`announce_handover` sends one summary to the consultant who takes over a caseload
(``portal.admin.caseload.hand_over``) and :func:`announce_handed_over` one to the consultant it
was taken from, and :func:`announce_handover_kept` one to each VK or adviser who stays on citizens
it moved; :func:`announce_imported`, :func:`announce_import_removed` and
:func:`announce_import_kept` one summary per VK an import gave citizens or took them from, and per
adviser who stays while the import changed the VK.
None tells the person who made the change (they know), and all add to the caller's session
(the caller commits, with the change).

The notices never name the citizen: a notice outlives an erasure (``portal.privacy.scrubbing.NAMING_KINDS``),
so a citizen is »borger nr. N«, linked to the citizen's page; a summary links to the consultant's
own list (»Mine borgere«), or, for a caseload taken away, to the successor's list.
"""
from __future__ import annotations

from store.models import Citizen, User

from ..extensions import db
from ..i18n import and_list, plural
from .service import notify, path_for

KIND = "caseload_assigned"
KIND_REMOVED = "caseload_removed"  # removed as VK or adviser (and no seat left on the case)
KIND_CHANGED = "caseload_changed"  # kept a seat while the other one changed


def _roles(vk: bool, adviser: bool) -> str:
    return and_list(role for role, held in (("VK", vk), ("beskæftigelsesrådgiver", adviser)) if held)


def announce_assigned(citizen: Citizen, *, old_vk_id: int | None, old_adviser_id: int | None,
                      by: User | None, tell_others: bool = False) -> int:
    """After ``citizen``'s VK or adviser changed (already set on it): tell each caseworker but
    ``by`` once: a new one that the case is theirs and, with ``tell_others`` (a change on the
    caseworker page or the API's upsert, review AZ 1: a seat taken by someone else is never silent),
    one removed that it is not (``caseload_removed``) and a VK or adviser who stays who now holds
    the other seat (``caseload_changed``). An import tells in summaries instead
    (:func:`announce_imported`, :func:`announce_import_removed`, :func:`announce_import_kept`).
    Returns how many were told."""
    before, after = (old_vk_id, old_adviser_id), (citizen.vk_id, citizen.adviser_id)
    if before == after:
        return 0
    by_id = getattr(by, "id", None)
    who = f" af {by.name}" if by is not None and by.name else ""
    link = path_for("citizens.detail", citizen_id=citizen.id)
    told = 0
    for user_id in dict.fromkeys(person for person in (*after, *before) if person is not None):
        if user_id == by_id:
            continue
        # By id: the relationship may still hold the caseworker loaded before the change.
        user = db.session.get(User, user_id)
        if user is None:
            continue
        held = [person == user_id for person in before]
        holds = [person == user_id for person in after]
        gained = [now and not then for then, now in zip(held, holds)]
        if any(gained):
            lost = [then and not now for then, now in zip(held, holds)] if tell_others else [False, False]
            sent = _tell_new(user, citizen, gained, lost, who, link)
        elif not tell_others:
            continue
        elif any(held) and not any(holds):
            sent = _tell_removed(user, citizen, held, who, link)
        else:
            sent = _tell_kept(user, citizen, holds, before, who, link)
        told += bool(sent)
    return told


def _tell_new(user: User, citizen: Citizen, gained: list[bool], lost: list[bool], who: str, link: str):
    instead = f" i stedet for {_roles(*lost)}" if any(lost) else ""
    text = f"Du er sat som {_roles(*gained)}{instead} for borger nr. {citizen.id}{who}."
    body = (f"{text}\n\nSagen er din nu: forslag, samtykker og svar fra virksomheder om borgeren "
            "kommer på din liste. Se borgeren, og hvad der mangler, i portalen.")
    return notify(user, KIND, text, link, subject=f"Du har fået borger nr. {citizen.id}", body=body,
                  link_intro="Se borgeren her")


def _tell_removed(user: User, citizen: Citizen, held: list[bool], who: str, link: str):
    text = f"Du er ikke længere {_roles(*held)} for borger nr. {citizen.id}: ændret{who}."
    body = (f"{text}\n\n{_seats(citizen)}\n\nForslag, samtykker og svar fra virksomheder om borgeren "
            "kommer ikke længere på din liste. Er ændringen en fejl, så tal med den, der lavede den.")
    return notify(user, KIND_REMOVED, text, link,
                  subject=f"Du er ikke længere sagsbehandler for borger nr. {citizen.id}",
                  body=body, link_intro="Se borgeren her")


def _tell_kept(user: User, citizen: Citizen, holds: list[bool], before: tuple, who: str, link: str):
    """A VK or adviser who stays, told who now holds the other seat (``caseload_changed``)."""
    changes = [f"{_seat_holder(person)} som {role}" if person else f"ingen {role}"
               for role, person, then in zip(("VK", "beskæftigelsesrådgiver"), (citizen.vk_id, citizen.adviser_id),
                                             before) if person != then]
    if not changes:
        return None
    text = (f"Borger nr. {citizen.id}, som du er {_roles(*holds)} for, har nu {' og '.join(changes)}: "
            f"ændret{who}.")
    body = f"{text}\n\n{_seats(citizen)}"
    return notify(user, KIND_CHANGED, text, link, subject=f"Nye sagsbehandlere for borger nr. {citizen.id}", body=body,
                  link_intro="Se borgeren her")


def _seat_holder(user_id: int) -> str:
    person = db.session.get(User, user_id)
    return person.name if person is not None and person.name else "en konsulent"


def _seats(citizen: Citizen) -> str:
    """Who holds the seats now, in a sentence."""
    vk = _seat_holder(citizen.vk_id) if citizen.vk_id else "ingen"
    adviser = _seat_holder(citizen.adviser_id) if citizen.adviser_id else "ingen"
    return f"Borgerens VK er nu {vk}, og beskæftigelsesrådgiveren er {adviser}."


def announce_handover(successor: User, *, citizens: int, advised: int, leaving: User,
                      by: User | None) -> bool:
    """One summary for ``successor``, who took over ``citizens`` citizens as VK and ``advised``
    as adviser from ``leaving`` (nothing when neither, or when ``successor`` did it)."""
    if not (citizens or advised) or successor.id == getattr(by, "id", None):
        return False
    parts = [f"{count} {plural(count, 'borger', 'borgere')} som {role}"
             for count, role in ((citizens, "VK"), (advised, "beskæftigelsesrådgiver")) if count]
    text = f"Du har overtaget {and_list(parts)} fra {leaving.name}."
    body = (f"{text}\n\nSagerne er dine nu: forslag, samtykker og svar fra virksomheder om borgerne "
            "kommer på din liste. Du finder borgerne under »Mine borgere«.")
    return notify(successor, KIND, text, path_for("citizens.index"),
                  subject=f"Du har overtaget sager fra {leaving.name}", body=body,
                  link_intro="Se dine borgere her") is not None


def announce_handed_over(leaving: User, successor: User, *, citizens: list[int], advised: list[int],
                         by: User | None) -> bool:
    """One summary for ``leaving``, whose open cases as VK (``citizens``) and as adviser
    (``advised``, the citizens' numbers) were handed over to ``successor`` (``caseload_removed``),
    linked to the successor's list of them (as VK, else as adviser). Nothing when none moved, when
    ``leaving`` did it, or when ``leaving`` is deactivated (:func:`notify` tells no inactive user;
    the caller leaves it out when it deactivates ``leaving`` in the same step)."""
    if not (citizens or advised) or leaving.id == getattr(by, "id", None):
        return False
    parts = [f"{role} for {len(ids)} borger{'' if len(ids) == 1 else 'e'}"
             for role, ids in (("VK", citizens), ("beskæftigelsesrådgiver", advised)) if ids]
    who = f" af {by.name}" if by is not None and by.name else ""
    text = f"Du er ikke længere {' og '.join(parts)}: sagerne er overdraget til {successor.name}{who}."
    lists = [f"Som {role}: borger {_numbers(ids)}." for role, ids in (("VK", citizens),
                                                                       ("beskæftigelsesrådgiver", advised)) if ids]
    body = (f"{text}\n\n{' '.join(lists)}\n\nForslag, samtykker og svar fra virksomheder om dem kommer ikke "
            f"længere på din liste, men hos {successor.name}. Er overdragelsen en fejl, så tal med den, der "
            "lavede den.")
    seat = {"vk": successor.id} if citizens else {"raadgiver": successor.id}
    role = "VK" if citizens else "beskæftigelsesrådgiver"
    return notify(leaving, KIND_REMOVED, text, path_for("citizens.index", scope="all", **seat),
                  subject=f"Dine sager er overdraget til {successor.name}", body=body,
                  link_intro=f"Se borgerne med {successor.name} som {role} her") is not None


def announce_handover_kept(kept: dict[int, tuple[list[int], list[int]]], *, successor: User, leaving: User,
                           by: User | None) -> int:
    """After a handover: one summary (``caseload_changed``) per VK or adviser who stays on citizens
    whose other seat went from ``leaving`` to ``successor`` (review BJ 7: a single change, the API
    and an import tell them too), ``kept[user_id]``: the numbers of the citizens given a new VK
    (the user is their adviser) and of those given a new adviser (the user is their VK), never
    names; linked to the user's list of them (filtered by the successor's seat). Nobody is told
    twice: not ``by``, ``leaving`` (told by :func:`announce_handed_over`) nor ``successor`` (told by
    :func:`announce_handover`). Returns how many were told."""
    told = 0
    who = f" af {by.name}" if by is not None and by.name else ""
    for user_id, (new_vk, new_adviser) in kept.items():
        if user_id in (getattr(by, "id", None), leaving.id, successor.id) or not (new_vk or new_adviser):
            continue
        user = db.session.get(User, user_id)
        if user is None:
            continue
        parts = [f"{role} for {len(ids)} borger{'' if len(ids) == 1 else 'e'}, som du er {yours} for"
                 for role, ids, yours in (("VK", new_vk, "beskæftigelsesrådgiver"),
                                          ("beskæftigelsesrådgiver", new_adviser, "VK")) if ids]
        text = (f"Sager er overdraget fra {leaving.name} til {successor.name}{who}: {successor.name} er nu "
                f"{', og '.join(parts)}.")
        lines = [f"Ny {role}: borger {_numbers(ids)}." for role, ids in (("VK", new_vk),
                                                                         ("beskæftigelsesrådgiver", new_adviser)) if ids]
        body = (f"{text}\n\n" + "\n".join(lines) + f"\n\nDu er stadig sagsbehandler for dem. Skriv til "
                f"{successor.name} om dem i stedet for {leaving.name}.")
        if new_vk and new_adviser:
            link, intro = path_for("citizens.index", scope="mine"), "Se dine borgere her"
        else:
            seat, role = ({"vk": successor.id}, "VK") if new_vk else ({"raadgiver": successor.id},
                                                                       "beskæftigelsesrådgiver")
            link = path_for("citizens.index", scope="mine", **seat)
            intro = f"Se dine borgere med {successor.name} som {role} her"
        if notify(user, KIND_CHANGED, text, link, subject=f"Ny sagsbehandler for dine borgere: {successor.name}",
                  body=body, link_intro=intro):
            told += 1
    return told


def announce_imported(counts: dict[int, int], users: dict[int, User]) -> int:
    """After an import: one summary per consultant the file made VK of ``counts[user_id]``
    citizens (created with them, or moved to them). Returns how many were told."""
    told = 0
    for user_id, count in counts.items():
        user = users.get(user_id)
        if user is None or not count:
            continue
        text = (f"En import fra fagsystemet har gjort dig til VK for {count} "
                f"{plural(count, 'borger', 'borgere')}.")
        body = (f"{text}\n\nSagerne er dine nu: forslag, samtykker og svar fra virksomheder om borgerne "
                "kommer på din liste. Du finder borgerne under »Mine borgere«.")
        if notify(user, KIND, text, path_for("citizens.index"),
                  subject="Du har fået borgere ved en import", body=body, link_intro="Se dine borgere her"):
            told += 1
    return told


MAX_NUMBERS = 20  # citizen numbers named in a summary's mail; the rest counted


def announce_import_removed(taken: dict[int, list[int]], users: dict[int, User]) -> int:
    """After an import: one summary per consultant who was VK of the citizens ``taken[user_id]``
    (their numbers, never names) until the file made someone else VK (``caseload_removed``),
    linked to the consultant's own list. Returns how many were told."""
    told = 0
    for user_id, citizen_ids in taken.items():
        user = users.get(user_id)
        if user is None or not citizen_ids:
            continue
        count = len(citizen_ids)
        text = (f"En import fra fagsystemet har sat en anden som VK for {count} "
                f"{plural(count, 'borger', 'borgere')}, som du var VK for.")
        body = (f"{text}\n\nDet gælder borger {_numbers(citizen_ids)}. Forslag, samtykker og svar fra virksomheder om "
                "dem kommer ikke længere på din liste. Er ændringen en fejl, så tal med den, der står for "
                "importen, eller ret VK i fagsystemet.")
        if notify(user, KIND_REMOVED, text, path_for("citizens.index"),
                  subject="Du er ikke længere VK for borgere efter en import", body=body,
                  link_intro="Se dine borgere her"):
            told += 1
    return told


def announce_import_kept(kept: dict[int, list[tuple[int, int | None]]], users: dict[int, User]) -> int:
    """After an import: one summary per adviser who stays on the citizens the file gave another
    VK (``kept[user_id]``: (citizen number, new VK) pairs; never names), as the web and the API
    tell an adviser who stays (``caseload_changed``), linked to the adviser's own list, where the
    citizens still are. Returns how many were told."""
    told = 0
    for user_id, pairs in kept.items():
        user = users.get(user_id)
        if user is None or not pairs:
            continue
        count = len(pairs)
        text = (f"En import fra fagsystemet har sat en ny VK for {count} "
                f"{plural(count, 'borger', 'borgere')}, "
                "som du er beskæftigelsesrådgiver for.")
        by_vk: dict[int | None, list[int]] = {}
        for citizen_id, vk_id in pairs[:MAX_NUMBERS]:
            by_vk.setdefault(vk_id, []).append(citizen_id)
        lines = [f"Borger {', '.join(f'nr. {cid}' for cid in ids)}: nu {_seat_holder(vk_id) if vk_id else 'ingen'} "
                 "som VK." for vk_id, ids in by_vk.items()]
        if count > MAX_NUMBERS:
            lines.append(f"Og {count - MAX_NUMBERS} {plural(count - MAX_NUMBERS, 'borger', 'borgere')} mere.")
        body = (f"{text}\n\n" + "\n".join(lines) + "\n\nDu er stadig beskæftigelsesrådgiver for dem. Er "
                "ændringen en fejl, så tal med den, der står for importen, eller ret VK i fagsystemet.")
        if notify(user, KIND_CHANGED, text, path_for("citizens.index"),
                  subject="Ny VK for borgere, du er beskæftigelsesrådgiver for", body=body,
                  link_intro="Se dine borgere her"):
            told += 1
    return told


def _numbers(citizen_ids: list[int]) -> str:
    """»nr. 4, nr. 7 og 3 flere«: the first :data:`MAX_NUMBERS` numbers, the rest counted."""
    numbers = [f"nr. {cid}" for cid in citizen_ids[:MAX_NUMBERS]]
    more = len(citizen_ids) - MAX_NUMBERS
    return and_list([*numbers, f"{more} flere"]) if more > 0 else ", ".join(numbers)
