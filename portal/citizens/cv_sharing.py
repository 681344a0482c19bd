"""What of a citizen's CV a company gets: the checked text of the version the citizen agreed to.

A company never gets the stored CV file (review AJ 1). A file can hold anything: a CPR number,
»Sygemeldt med stress«, a photo, text in its metadata, comments or tracked changes that the text
extraction never reads. The consent text promises the citizen that health details,
skånehensyn, benefit and CPR number are not passed on (:data:`portal.proposals.CONSENT_TEXTS`),
and SECURITY.md's allow-list never shows age, gender or origin. So the company gets the CV's
extracted text, with every sentence that holds a private detail left out
(:func:`portal.private_details.find`, the check the shared profile is shown through,
:func:`portal.candidates.profile.for_company`), as a text file: exactly what was checked.
The consultant's CV page says what is left out (:func:`checked`), with a CPR number never
repeated (:func:`describe`).

The citizen agrees to share the CV as it stands then (review AJ 6). A company gets the CV that
was the citizen's current one when the consent in force was given (:func:`consented_version`);
a CV stored later, on the page, by the import or the API, reaches the company only once the
consultant records the citizen's consent again (a renewal, on the proposal's page). The CV
page and the upload say which companies still have an earlier version (:func:`sharing`).
No column records the version: the consent's ``given_at`` and the CVs' ``created_at`` tell it
(no migration). Staff can still download the file of a version a company has
(:func:`portal.citizens.routes_cv.cv_file`), no other replaced one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from .. import private_details, proposals
from ..extensions import db
from store.models import Citizen, CvDocument, Proposal

# Within a line, a sentence ends at . ! or ? (a CV's lines are its items and headings).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# The statuses in which a consent to share the CV is or will be used (disclosure follows consent).
_SHARING_STATUSES = ("consented", "disclosed")


@dataclass(frozen=True)
class CheckedCv:
    """A CV's text as a company may get it, and the private details left out of it."""

    text: str
    withheld: tuple[private_details.Detail, ...]


def checked(cv: CvDocument, citizen: Citizen) -> CheckedCv:
    """``cv``'s text without its sentences that hold a private detail, line by line (a line
    left empty by that is dropped, blank lines between sections kept)."""
    lines: list[str] = []
    withheld: list[private_details.Detail] = []
    for line in (cv.text or "").split("\n"):
        kept = []
        for sentence in filter(None, (part.strip() for part in _SENTENCE_END.split(line))):
            if found := private_details.find(sentence, citizen):
                withheld += [detail for detail in found if detail not in withheld]
            else:
                kept.append(sentence)
        if kept or not line.strip():
            lines.append(" ".join(kept))
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return CheckedCv(text=text, withheld=tuple(withheld))


def describe(details) -> str:
    """The details as a Danish list for the consultant's page, like
    :func:`portal.private_details.describe`, but a CPR number only by its kind: the page must
    not repeat it (SECURITY.md: never a CPR number anywhere)."""
    safe = [detail for detail in details if detail.kind != "cpr"]
    text = private_details.describe(safe)
    if any(detail.kind == "cpr" for detail in details):
        text = ", ".join(filter(None, (private_details.KINDS["cpr"], text)))
    return text


def consented_version(proposal: Proposal) -> CvDocument | None:
    """The CV that was the citizen's current one when the consent in force was given (the
    newest stored at or before that moment), or None: no consent in force, or no CV then."""
    consent = proposals.active_consent(proposal)
    if consent is None:
        return None
    earlier = [cv for cv in proposal.citizen.cv_documents if cv.created_at <= consent.given_at]
    return earlier[-1] if earlier else None


@dataclass(frozen=True)
class Sharing:
    """A proposal whose consent shares the CV: the version its company has or gets, and whether
    the citizen has a newer CV than that (shared only after a new consent)."""

    proposal: Proposal
    cv: CvDocument | None
    newer: bool


def sharing(citizen: Citizen) -> list[Sharing]:
    """The citizen's proposals whose consent in force lets the company have the CV (consented
    or disclosed), oldest first, each with the version it shares."""
    found = db.session.scalars(sa.select(Proposal).where(
        Proposal.citizen_id == citizen.id, Proposal.share_cv.is_(True),
        Proposal.status.in_(_SHARING_STATUSES)).order_by(Proposal.id)).all()
    current = citizen.current_cv
    out = []
    for proposal in found:
        if proposals.active_consent(proposal) is None:
            continue
        version = consented_version(proposal)
        out.append(Sharing(proposal, version, current is not None and (version is None or version.id != current.id)))
    return out
