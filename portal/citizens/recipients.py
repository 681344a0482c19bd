"""Who holds the citizen's name: the companies an erasure, a restriction, a withdrawn consent or a
correction concerns (GDPR art. 7(3), 16, 17, 18 and 19).

A company holds the name while one of its proposals releases it
(:func:`portal.proposals.identity_released`: disclosed, a live consent, not restricted). The
erase and restrict forms name these companies beforehand, and :func:`tell` tells them, in the
transaction that makes the change: each active user of the company gets a ``candidate_data``
notice (and mail) naming the candidate by the pseudonym the company knows and the opening,
never by name, with what to do (delete what they received; not use it while restricted; may
use it again once the restriction is lifted). A withdrawn consent concerns one proposal, so
only that opening's company is told (``only``), whenever the name was disclosed to it (even if
the consent had run out), in neutral words: the candidate is no longer relevant, delete what
you received; never why. If the pair has a placement that has not ended, the company knows the
person as its trainee or employee and is not asked to delete: the notice says the placement
stands and the job centre will contact them (as the candidate's page says).

A restricted citizen's name is hidden from every company, and a lapsed consent hides it too,
yet the companies that were given it still have it (and perhaps a downloaded CV): the erase
form names every company the name was ever shared with (``given``), and an erasure tells them.

A correction of the name, phone or e-mail (:func:`tell_corrected`, art. 16 and 19) reaches every
company given the name (:func:`given_proposals`), like an erasure: one that sees it now is sent
to the candidate's page, one that no longer does is told only not to use what it got (see
:mod:`portal.citizens.rectification` for which fields, and what stays out).

Retention deletes an anonymised case's proposals once the whole case lies before the figures'
reach (:func:`portal.privacy.coarsening.coarsen_out_of_reach`); it tells the companies through :func:`tell`
too (``anonymised``), as an erasure does: the same companies, notices and webhook events.

An erasure deletes the proposals, and with them the portal's only record of who got the name.
So :func:`tell` keeps it in the audit log for ``erased``: an ``erasure_recipients_told`` event
(``anonymisation_recipients_told`` for ``anonymised``)
with the citizen's id (which the ``citizen_erased`` event carries too) and the ids of the
companies told, and of those that held the name but have no active user to tell (the VK must
contact them). No name, no opening title, nothing else about the citizen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import audit, consents, name_order, proposals
from ..extensions import db
from ..i18n import and_list, format_date
from ..notifications.service import notify, path_for
from ..placements.service import running_placement_start
from ..pseudonyms import pseudonym
from ..webhooks import events as webhook_events
from store import clock
from store.models import Citizen, Opening, Proposal, User


@dataclass(frozen=True)
class NameHolder:
    """A company that has the citizen's name, and the openings it got it through."""

    company: str
    openings: tuple[str, ...]


def name_holders(citizen: Citizen, *, despite_restriction: bool = False,
                 given: bool = False) -> list[NameHolder]:
    """The companies that see the citizen's name now, by company name (case aside).

    Args:
        despite_restriction: also those that see it only once the restriction is lifted, i.e.
            that were given it before the restriction (the lift form).
        given: every company the name was ever shared with, whatever its consent or a
            restriction says now: they may still have it (the erase form; :func:`tell` for
            ``erased`` tells the same companies).
    """
    by_company: dict[str, list[str]] = {}
    for proposal in (given_proposals(citizen) if given else _releasing(citizen, despite_restriction)):
        by_company.setdefault(proposal.opening.company.name, []).append(proposal.opening.title)
    return [NameHolder(name, tuple(titles))
            for name, titles in sorted(by_company.items(), key=lambda item: name_order.sort_key(item[0]))]


def given_proposals(citizen: Citizen) -> list[Proposal]:
    """The citizen's proposals whose company was given the name (``disclosed_at``, or disclosed
    before that column was kept), whatever happened after: the recipients an erasure, an
    anonymisation and a correction (art. 19) tell."""
    return list(db.session.scalars(
        sa.select(Proposal).where(Proposal.citizen_id == citizen.id,
                                  sa.or_(Proposal.disclosed_at.is_not(None), Proposal.status == "disclosed"))
        .options(selectinload(Proposal.opening).selectinload(Opening.company))
        .order_by(Proposal.id)))


def _releasing(citizen: Citizen, despite_restriction: bool) -> list[Proposal]:
    """The citizen's disclosed proposals that release the name (see :func:`name_holders`)."""
    today = clock.today()
    rows = db.session.scalars(
        sa.select(Proposal).where(Proposal.citizen_id == citizen.id, Proposal.status == "disclosed")
        .options(selectinload(Proposal.opening).selectinload(Opening.company),
                 selectinload(Proposal.consents))
        .order_by(Proposal.id))
    held = []
    for proposal in rows:
        released = proposals.identity_released(proposal, today)
        if not released and despite_restriction and citizen.restricted:
            # What identity_released would say once the restriction is lifted.
            released = consents.active_consent(proposal, today) is not None
        if released:
            held.append(proposal)
    return held


# What each event asks of the company: (the notice's line, the mail's further words).
_EVENTS = {
    "erased": ("{who} til »{title}« er ikke længere aktuel, og borgerens oplysninger er slettet hos "
               "jobcentret. Slet det, I har fået om kandidaten (navn, kontaktoplysninger, CV).",
               "Borgeren har fået sine oplysninger slettet (databeskyttelsesforordningens art. 17). "
               "Jobcentret skal give jer besked (art. 19): slet navn, kontaktoplysninger og et "
               "eventuelt hentet CV, også i mails og egne systemer. Kandidaten er fjernet fra "
               "jeres opslag."),
    # Retention deletes the proposals of an anonymised case once it lies before the figures' reach
    # (portal.privacy.coarsening.coarsen_out_of_reach): told as an erasure is, with its own reason.
    "anonymised": ("{who} til »{title}« er ikke længere aktuel, og borgerens oplysninger er anonymiseret "
                   "hos jobcentret. Slet det, I har fået om kandidaten (navn, kontaktoplysninger, CV).",
                   "Borgerens sag blev afsluttet for længe siden, og jobcentret har anonymiseret "
                   "oplysningerne, fordi opbevaringsperioden er udløbet. Slet navn, kontaktoplysninger og "
                   "et eventuelt hentet CV, også i mails og egne systemer. Kandidaten er fjernet fra "
                   "jeres opslag."),
    "restricted": ("Oplysningerne om {who} til »{title}« må ikke bruges for nu: behandlingen er "
                   "begrænset. Jobcentret giver besked, når den er ophævet.",
                   "Borgeren har fået behandlingen af sine oplysninger begrænset "
                   "(databeskyttelsesforordningens art. 18). Indtil jobcentret giver besked, må I "
                   "ikke bruge navn, kontaktoplysninger eller CV, I har fået om kandidaten, men I "
                   "skal heller ikke slette dem. Forslaget står stille imens."),
    "lifted": ("Begrænsningen for {who} til »{title}« er ophævet: I kan igen bruge oplysningerne "
               "om kandidaten.",
               "Begrænsningen af behandlingen er ophævet, og forslaget kan gå videre. Kandidatens "
               "navn og kontaktoplysninger vises igen i portalen."),
    # Neutral: the company is not told that, or why, the citizen withdrew the consent.
    "withdrawn": ("{who} til »{title}« er ikke længere aktuel. Slet det, I har fået om kandidaten "
                  "(navn, kontaktoplysninger, CV).",
                  "Jobcentret har ikke længere grundlag for at dele kandidatens oplysninger med jer. "
                  "Slet navn, kontaktoplysninger og et eventuelt hentet CV, også i mails og egne "
                  "systemer, og kontakt ikke kandidaten om opslaget. Kandidatens navn og "
                  "kontaktoplysninger vises ikke længere i portalen."),
    # The pair has a placement that has not ended: the company knows the person as its trainee or
    # employee on another footing, so it is not asked to delete; the VK takes it up with them.
    "withdrawn_placement": ("{who} til »{title}« er ikke længere aktuel som kandidat, og navnet vises "
                            "ikke længere i portalen. Forløbet fra {start} står stadig under jeres "
                            "forløb; jobcentret kontakter jer om, hvad der sker med det.",
                            "Kandidatens navn og kontaktoplysninger vises ikke længere i portalen. "
                            "Jobcentret kontakter jer om forløbet."),
}


def tell(citizen: Citizen, event: str, *, only: Proposal | None = None) -> int:
    """Tell each company that holds the citizen's name about an erasure, a restriction, its
    lifting or a withdrawn consent (GDPR art. 19); the caller commits, with the change itself.

    Call it before the change for ``erased``, ``anonymised``, ``restricted`` and ``withdrawn``
    (who holds the name then) and after it for ``lifted`` (who sees it again). ``anonymised``
    is retention deleting an anonymised case's proposals (:func:`portal.privacy.coarsening.coarsen_out_of_reach`),
    told as an erasure is (:data:`GONE`). The notice links to the opening (erased, anonymised:
    the candidate is gone) or to the candidate's page. For :data:`GONE` the companies are also
    kept in the audit log (``erasure_recipients_told``, ``anonymisation_recipients_told``; see
    the module docstring). The company's own systems hear it too, for every proposal told
    (review AS 1): the webhook event ``proposal.withdrawn`` (ids, the reason code ``event`` and
    whether to delete), or ``proposal.shared`` for ``lifted`` (:mod:`portal.webhooks.events`).
    For :data:`GONE` also every company shown the candidate only by pseudonym gets
    ``proposal.withdrawn`` (review AX 3), but no notice.

    Args:
        only: tell only about this proposal of the citizen's. Needed for ``withdrawn`` (a
            withdrawn consent ends one proposal), whose company is told whenever the proposal
            was disclosed, even if its consent has run out since or a restriction hides the
            name: the company got it.

    Returns:
        How many users were told.

    Raises:
        KeyError: an unknown ``event``.
    """
    line, more = _EVENTS[event]
    told = 0
    told_companies: set[int] = set()
    untold_companies: set[int] = set()
    for proposal in _concerned(citizen, event, only):
        opening = proposal.opening
        start = running_placement_start(proposal) if event == "withdrawn" else None
        said, further = _EVENTS["withdrawn_placement"] if start is not None else (line, more)
        text = said.format(who=pseudonym(citizen.id, opening.id), title=opening.title,
                           start=format_date(start))
        link = (path_for("openings.detail", opening_id=opening.id) if event in GONE else
                path_for("openings.candidate", opening_id=opening.id, proposal_id=proposal.id))
        users = db.session.scalars(sa.select(User).where(
            User.company_id == opening.company_id, User.role == "company", User.active.is_(True))
            .order_by(User.id)).all()
        (told_companies if users else untold_companies).add(opening.company_id)
        # The company's own systems hear it too (review AS 1): ids and a reason code only.
        if event == "lifted":
            webhook_events.proposal_shared(db.session, proposal)
        else:
            webhook_events.proposal_withdrawn(db.session, proposal, event, must_delete=start is None)
        stamp = clock.utcnow().strftime("%Y%m%d%H%M%S%f")
        for user in users:
            if notify(user, "candidate_data", text, link, body=f"{text}\n\n{further}",
                      subject=f"Databeskyttelse: kandidat til »{opening.title}«",
                      dedupe_key=f"candidate_data:{event}:{proposal.id}:{stamp}:{user.id}"):
                told += 1
    if event in GONE:
        audit.record(GONE[event], citizen_id=citizen.id, purpose=recipients_purpose(told_companies, untold_companies))
        _gone_by_pseudonym(citizen, event)
    return told


# The events whose proposals go (erasure; retention deleting an anonymised case's proposals) and
# the audit action that keeps which companies were told, since the proposals recorded it.
GONE = {"erased": "erasure_recipients_told", "anonymised": "anonymisation_recipients_told"}


def _gone_by_pseudonym(citizen: Citizen, event: str) -> None:
    """``proposal.withdrawn`` (reason ``event``, ``must_delete``) for each proposal whose
    company saw the candidate only by pseudonym (review AX 3): the erasure, or retention for an
    anonymised case, deletes the proposal, so the API has no tombstone to list and the
    company's system would keep a candidate (its jobmål, hours, its own answer) that no longer
    exists. Ids only; the users get no notice, as they never had the name. Call before the
    deletion, as :func:`tell`."""
    given = {proposal.id for proposal in given_proposals(citizen)}
    for proposal in _shown(citizen):
        if proposal.id not in given:
            webhook_events.proposal_withdrawn(db.session, proposal, event)


def _shown(citizen: Citizen) -> list[Proposal]:
    """The citizen's proposals the company was shown, by pseudonym at least: live
    (:data:`portal.proposals.VISIBLE_TO_COMPANY`), consent withdrawn, or ended after the
    consultant approved them (:func:`portal.proposals.shown_to_company`); never one proposed
    by the matching and not yet approved, nor a rejected one."""
    rows = db.session.scalars(
        sa.select(Proposal).where(Proposal.citizen_id == citizen.id)
        .options(selectinload(Proposal.opening)).order_by(Proposal.id))
    return [proposal for proposal in rows
            if proposals.shown_to_company(proposal) or proposal.status == "withdrawn"]


# A correction (art. 16) of what a company has: named by field, never with the old or new value.
# (the notice's line, the mail's further words) for a company that sees the candidate's details now,
# and for one that was given them but no longer sees them (GDPR art. 19 reaches it too).
_CORRECTED = ("Oplysningerne om {who} til »{title}« er rettet hos jobcentret: {fields}. "
              "Se de rettede oplysninger på kandidatens side.",
              "Borgeren har fået rettet sine oplysninger (databeskyttelsesforordningens art. 16), og "
              "jobcentret skal give jer besked (art. 19). Brug de rettede oplysninger, som står på "
              "kandidatens side i portalen, og ret eller slet de gamle, også i mails og egne systemer.")
_CORRECTED_EARLIER = ("Oplysningerne om {who} til »{title}« er rettet hos jobcentret: {fields}. "
                      "Det, I fik, er ikke længere rigtigt: brug det ikke.",
                      "Borgeren har fået rettet sine oplysninger (databeskyttelsesforordningens art. 16), og "
                      "jobcentret skal give besked til alle, der har fået dem (art. 19). I ser ikke længere "
                      "kandidatens oplysninger i portalen og får derfor ikke de rettede. Brug ikke de "
                      "gamle, og ret eller slet dem, også i mails og egne systemer.")
CORRECTED_FIELDS = {"name": "navn", "phone": "telefonnummer", "email": "e-mail"}
# The same fields with the article, for a company that sees some corrected fields but not others
# (review BJ 1: a name shown under a consent whose text does not cover the phone it got earlier).
_CORRECTED_DEFINITE = {"name": "navnet", "phone": "telefonnummeret", "email": "e-mailadressen"}
_CORRECTED_PART = ("Oplysningerne om {who} til »{title}« er rettet hos jobcentret: {fields}. "
                   "Se de rettede oplysninger ({shown}) på kandidatens side. {hidden}, I fik, er ikke "
                   "længere {right}: brug {it} ikke. I ser {it} ikke i portalen.",
                   "Borgeren har fået rettet sine oplysninger (databeskyttelsesforordningens art. 16), og "
                   "jobcentret skal give besked til alle, der har fået dem (art. 19). Brug de rettede "
                   "oplysninger, som står på kandidatens side i portalen ({shown}). {hidden}, I fik, ser I "
                   "ikke længere i portalen, og I får derfor ikke {it_} rettet: brug ikke det gamle, og ret "
                   "eller slet det, også i mails og egne systemer.")
_CORRECTED_HIDDEN = ("Oplysningerne om {who} til »{title}« er rettet hos jobcentret: {fields}. "
                     "Det, I fik, er ikke længere rigtigt: brug det ikke. Samtykket viser jer det ikke i "
                     "portalen.",
                     "Borgeren har fået rettet sine oplysninger (databeskyttelsesforordningens art. 16), og "
                     "jobcentret skal give besked til alle, der har fået dem (art. 19). I ser kandidatens navn, "
                     "men samtykket dækker ikke {fields}, så I ser {it} ikke i portalen og får ikke det "
                     "rettede. Brug ikke det gamle, og ret eller slet det, også i mails og egne systemer.")


def readable_now(proposal: Proposal, fields: list[str], today: date) -> list[str]:
    """Which of the corrected ``fields`` the company can read in the portal now (review BJ 1): the
    name while it is shown (:func:`portal.proposals.identity_released`), a contact detail only
    when the consent in force also shares it (:func:`portal.consents.shared_contacts_now`: a
    consent under a text that named the name alone shares no contact detail, though the company
    may have been given one before)."""
    if not proposals.identity_released(proposal, today):
        return []
    shared = consents.shared_contacts_now(proposal, today)
    return [f for f in fields if f == "name" or f in shared]


@dataclass(frozen=True)
class Corrected:
    """The companies told of a correction, by name: ``told`` see the candidate's details now,
    ``told_earlier`` were given them before and no longer see them, ``untold`` have no active
    user to tell (either kind)."""

    told: tuple[str, ...] = ()
    untold: tuple[str, ...] = ()
    told_earlier: tuple[str, ...] = ()
    # Per company name, the fields (keys of CORRECTED_FIELDS, in that order) it was told were
    # corrected: only those it got (review BF 1).
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Per company name among ``told``, the corrected fields it got but does not see now (the
    # consent in force does not cover them, review BJ 1): it was told not to use them.
    hidden: dict[str, tuple[str, ...]] = field(default_factory=dict)


def tell_corrected(citizen: Citizen, concerned: list[tuple[Proposal, list[str]]]) -> Corrected:
    """Tell each company that was given the citizen's details which of them were corrected (GDPR
    art. 19 for art. 16): ``concerned`` pairs a proposal whose company was given the name
    (:func:`given_proposals`) with the fields (keys of :data:`CORRECTED_FIELDS`) its company got
    and that changed. The caller commits.

    Each active company user gets a ``candidate_data`` notice by pseudonym, naming the fields,
    never a value. A company that sees the name now (:func:`portal.proposals.identity_released`)
    is sent to the candidate's page, which shows the corrected details; one that no longer sees
    it (the consent ran out or was withdrawn, the proposal ended or was decided anew, the
    processing is restricted) learns only that what it got is no longer right and is not to be
    used: nothing new is disclosed to it. The company's systems hear it too: ``proposal.rectified``
    for each proposal (ids, the fields, whether the corrected details can be read now;
    :func:`portal.webhooks.events.proposal_rectified`), also when no user can be told. The
    companies are kept in the audit log (``rectification_recipients_told``, ids only)."""
    told_companies: dict[int, str] = {}
    earlier_companies: dict[int, str] = {}
    untold_companies: dict[int, str] = {}
    told_fields: dict[str, set[str]] = {}
    hidden_fields: dict[str, set[str]] = {}
    stamp = clock.utcnow().strftime("%Y%m%d%H%M%S%f")
    today = clock.today()
    for proposal, fields in concerned:
        opening = proposal.opening
        shown = readable_now(proposal, fields, today)
        hidden = [f for f in fields if f not in shown]
        sees_name = proposals.identity_released(proposal, today)
        readable = not hidden
        words = and_list([CORRECTED_FIELDS[f] for f in fields])
        several = len(hidden) > 1
        if readable:
            line, further = _CORRECTED
        elif not sees_name:
            line, further = _CORRECTED_EARLIER
        elif shown:
            line, further = _CORRECTED_PART
        else:
            line, further = _CORRECTED_HIDDEN
        slots = {"who": pseudonym(citizen.id, opening.id), "title": opening.title, "fields": words,
                 "shown": and_list([CORRECTED_FIELDS[f] for f in shown]) if shown else "",
                 "hidden": and_list([_CORRECTED_DEFINITE[f] for f in hidden]).capitalize() if hidden else "",
                 "right": "rigtige" if several else "rigtigt", "it": "dem" if several else "det",
                 "it_": "dem" if several else "det"}
        text = line.format(**slots)
        further = further.format(**slots)
        if sees_name and hidden:
            hidden_fields.setdefault(opening.company.name, set()).update(hidden)
        # The candidate's page while the company is shown the proposal (it says what the company
        # may see now); a pair decided anew and rejected has none for it: the opening's page.
        on_page = proposals.shown_to_company(proposal) or proposal.status == "withdrawn"
        link = (path_for("openings.candidate", opening_id=opening.id, proposal_id=proposal.id) if on_page
                else path_for("openings.detail", opening_id=opening.id))
        webhook_events.proposal_rectified(db.session, proposal, fields, readable=readable, candidate_page=on_page,
                                          readable_fields=shown)
        users = db.session.scalars(sa.select(User).where(
            User.company_id == opening.company_id, User.role == "company", User.active.is_(True))
            .order_by(User.id)).all()
        if not users:
            untold_companies[opening.company_id] = opening.company.name
        (told_companies if sees_name else earlier_companies)[opening.company_id] = opening.company.name
        told_fields.setdefault(opening.company.name, set()).update(fields)
        for user in users:
            notify(user, "candidate_data", text, link, body=f"{text}\n\n{further}",
                   subject=f"Databeskyttelse: kandidat til »{opening.title}«",
                   dedupe_key=f"candidate_data:corrected:{proposal.id}:{stamp}:{user.id}")
    told = {k: v for k, v in {**earlier_companies, **told_companies}.items() if k not in untold_companies}
    if concerned:
        audit.record("rectification_recipients_told", citizen_id=citizen.id,
                     purpose=recipients_purpose(set(told), set(untold_companies)))

    def names(companies: dict[int, str]) -> tuple[str, ...]:
        return tuple(sorted(set(companies.values()), key=name_order.sort_key))

    return Corrected(names({k: v for k, v in told_companies.items() if k in told}),
                     names(untold_companies),
                     names({k: v for k, v in earlier_companies.items() if k in told and k not in told_companies}),
                     {name: tuple(f for f in CORRECTED_FIELDS if f in got) for name, got in told_fields.items()},
                     {name: tuple(f for f in CORRECTED_FIELDS if f in got) for name, got in hidden_fields.items()})


def _concerned(citizen: Citizen, event: str, only: Proposal | None) -> list[Proposal]:
    """The proposals whose company :func:`tell` tells about ``event`` (``only``'s, when given)."""
    if event == "withdrawn":
        # The name went to the company at disclosure. A consent that has since run out, or a
        # restriction, hides it in the portal, but the company may still have it.
        return [only] if only is not None and only.status == "disclosed" else []
    # Erased or anonymised: every company the name was ever given (it may still have it); else who sees it now.
    held = given_proposals(citizen) if event in GONE else _releasing(citizen, despite_restriction=False)
    return [proposal for proposal in held if only is None or proposal.id == only.id]


def recipients_purpose(told: set[int], untold: set[int]) -> str:
    """The audit purpose of ``erasure_recipients_told``: company ids only, within the log's 200
    characters ("told companies: 3, 7; no active user: 9", or "no company held the name")."""
    if not told and not untold:
        return "no company held the name"
    parts = [f"{label}: {_ids(ids)}" for label, ids in (("told companies", told),
                                                         ("no active user", untold)) if ids]
    return "; ".join(parts)


def _ids(ids: set[int], room: int = 90) -> str:
    """The ids, ascending, comma-separated; beyond ``room`` characters the rest are counted."""
    shown: list[str] = []
    ordered = sorted(ids)
    for number, company_id in enumerate(ordered):
        if len(", ".join([*shown, str(company_id)])) > room:
            return ", ".join(shown) + f" and {len(ordered) - number} more"
        shown.append(str(company_id))
    return ", ".join(shown)
