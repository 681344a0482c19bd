"""A corrected name, phone or e-mail reaches the companies that have it (GDPR art. 16 and 19,
review AU 3).

The citizen agrees to share »my phone« or »my e-mail«, not a particular string: the consent
copies them into ``Proposal.shared_profile`` (:func:`portal.proposals.record_consent`), and the
company's pages and API read that copy. So when the profile's phone or e-mail changes (the
profile form, the import and the API all save through
:func:`portal.citizens.service.update_profile`), :func:`correct` writes the new value into the
copy of every proposal whose consent in force shares it (a detail removed from the profile is
removed from the copy). The name is read live from the citizen already.

Every company that was given the citizen's name (:func:`.recipients.given_proposals`: disclosed,
whatever happened since) is told of the corrected details it got (the name; the phone or e-mail
it was given, :func:`portal.consents.contacts_given`), by pseudonym and field, never the values
(:func:`.recipients.tell_corrected`, GDPR art. 19: every recipient): also one whose consent has
run out, or was withdrawn, whose proposal ended, or whose pair was decided anew. Such a company
no longer sees the candidate's details, so it is only told that what it got is not to be used,
and its shared copy is left as it is (no consent in force lets it read the copy; a renewed
consent copies the details afresh). The consultant is told on save which companies got it.

Which contact details a company got is kept per proposal as field names
(``Proposal.shared_contacts``, migration 0036), written when the name is shared and when a
renewed consent shows other choices, and kept when the consent is withdrawn, runs out or ends
with the proposal (which clear the shared copy: :func:`portal.proposals.withdraw`,
:func:`portal.proposals.end`). So a company that got the phone or the e-mail is told of its
correction after that too, and never of a detail it did not get, which would tell it something
new about the person (a consent recorded but whose name was not shared again gave it nothing).

What stays out, and why: for a name shared before migration 0036 the record holds what could be
known then (the contact details in the shared copy of a proposal still disclosed, and those the
audit log's surviving consent events show were shared at a disclosure); what a company got under
a consent withdrawn or ended before that, with its audit events pruned, is not known, and such a
company hears of a corrected name only (``shared_contacts`` is None or lacks the detail). A
restricted citizen (art. 18) is read-only (:func:`.service.ensure_editable`), so no
correction happens while the restriction lasts; the lifting tells the companies who see the
name again, and a correction after it reaches every company given the name, as above.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from .. import consents
from ..extensions import db
from ..i18n import and_list
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
    given = {proposal.id for proposal in recipients.given_proposals(citizen)}
    concerned: list[tuple[Proposal, list[str]]] = []
    for proposal in db.session.scalars(sa.select(Proposal).where(Proposal.citizen_id == citizen.id)
                                       .order_by(Proposal.id)):
        profile = dict(proposal.shared_profile or {})
        # The contact details the company got, also under a consent since withdrawn or ended (read
        # before the copy changes: a detail removed from it was still given).
        had = [key for key in consents.contacts_given(proposal) if key in fields]
        copied = [key for key in consents.CONTACT_KEYS if key in fields and key in profile]
        if copied and proposal.status in ("consented", "disclosed") and consents.active_consent(proposal, today):
            consents.keep_contacts_given(proposal)  # before a detail removed leaves the copy
            for key in copied:
                value = (getattr(citizen, key) or "").strip()
                if value:
                    profile[key] = value
                else:
                    del profile[key]
            proposal.shared_profile = profile  # a new dict, so the JSON column is marked changed
        told = (["name"] if "name" in fields else []) + had
        if told and proposal.id in given:
            concerned.append((proposal, told))
    return recipients.tell_corrected(citizen, concerned)


def saved_message(corrected: recipients.Corrected, changed: Iterable[str] = ()) -> str:
    """What the consultant is told on save about the companies (empty: none concerned).

    Each company's correction is named by the fields it was told of (»rettet: navn«), i.e. those
    it got and that changed (``corrected.fields``, review BF 1): never a claim that a company
    was told of a phone number it never had, nor that the contact details changed when only the
    name did (review BD 3). Companies told of the same fields share one naming. ``changed`` (the
    fields the save changed) is kept for callers; the told fields already come from it."""
    def who(companies: tuple[str, ...]) -> tuple[str, str]:
        """The companies, and the correction's naming after »rettelsen« when they share one."""
        words = {name: and_list(recipients.CORRECTED_FIELDS[f] for f in corrected.fields[name])
                 for name in companies if corrected.fields.get(name)}
        if len(words) == len(companies) and len(set(words.values())) == 1:
            return and_list(companies), f" (rettet: {next(iter(words.values()))})"
        return and_list(f"{name} (rettet: {words[name]})" if name in words else name for name in companies), ""

    parts = []
    seeing = tuple(name for name in corrected.told if not corrected.hidden.get(name))
    if seeing:
        names, what = who(seeing)
        parts.append(f"{names} har borgerens navn og har fået besked om rettelsen{what}; "
                     "kandidatens side viser de rettede oplysninger.")
    # A company that sees the name, but not a corrected detail it got earlier: the consent in
    # force does not cover it (review BJ 1), so it was told not to use what it got.
    # Companies told alike share one sentence.
    alike: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for name in (name for name in corrected.told if corrected.hidden.get(name)):
        alike.setdefault((corrected.fields.get(name, ()), corrected.hidden[name]), []).append(name)
    for (fields, hidden), names in alike.items():
        shown = [f for f in fields if f not in hidden]
        page = (f"kandidatens side viser det rettede ({and_list(recipients.CORRECTED_FIELDS[f] for f in shown)}), "
                if shown else "")
        one = len(names) == 1
        parts.append(f"{and_list(names)} har borgerens navn og har fået besked om rettelsen "
                     f"(rettet: {and_list(recipients.CORRECTED_FIELDS[f] for f in fields)}); "
                     f"{page}samtykket dækker ikke {and_list(recipients.CORRECTED_FIELDS[f] for f in hidden)}, "
                     f"så {'virksomheden' if one else 'de'} ser det ikke og har fået besked om ikke at bruge det, "
                     f"{'den' if one else 'de'} fik.")
    if corrected.told_earlier:
        names, what = who(corrected.told_earlier)
        parts.append(f"{names} har tidligere fået borgerens navn og har fået besked om "
                     f"rettelsen{what}, men ikke de rettede oplysninger.")
    if corrected.untold:
        parts.append(f"{and_list(corrected.untold)} har fået borgerens navn, men ingen aktiv bruger, der kan få "
                     "besked: giv dem besked om rettelsen selv.")
    return " ".join(parts)
