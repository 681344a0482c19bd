"""What of a citizen's CV a company gets: the checked text of the version the citizen agreed to.

A company never gets the stored CV file (review AJ 1). A file can hold anything: a CPR number,
»Sygemeldt med stress«, a photo, text in its metadata, comments or tracked changes that the text
extraction never reads. The consent text promises the citizen that health details,
skånehensyn, benefit and CPR number are not passed on (:data:`portal.consents.CONSENT_TEXTS`),
and SECURITY.md's allow-list never shows age, gender or origin. So the company gets the CV's
extracted text, with every sentence that holds a private detail left out
(:func:`portal.private_details.find`, the check the shared profile is shown through,
:func:`portal.candidates.profile.for_company`, and the CV-only :func:`portal.cv_details.find`:
address, religion, politics, union, family), as a text file: exactly what was checked.
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
import threading
from dataclasses import dataclass

import sqlalchemy as sa
from cachetools import LRUCache

from .. import consents, cv_details, private_details
from ..extensions import db
from ..i18n import and_list
from . import bp
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
    left empty by that is dropped, blank lines between sections kept).

    A sentence is checked with :func:`portal.private_details.find` (with the citizen's own
    name, phone and e-mail) and the CV-only :func:`portal.cv_details.find` (address, religion,
    politics, union, family). The result is a pure function of the text and those three
    details, so it is kept in-process (:func:`_checked_text`, review AK 6): the CV page and the
    company's download check a CV once, not on every view.
    """
    person = _Person(getattr(citizen, "name", "") or "", getattr(citizen, "phone", "") or "",
                     getattr(citizen, "email", "") or "")
    return _checked_text(cv.text or "", person, CHECKER_VERSION)


# Part of the cache key: raise it when a check changes in a way a running process could see
# (the patterns are compiled at import, so a new version of the code is a new process anyway).
CHECKER_VERSION = 2


@dataclass(frozen=True)
class _Person:
    """What the check reads of a citizen (:class:`portal.private_details.Person`), hashable."""

    name: str
    phone: str
    email: str


# The checks made, least recently used evicted first: (text, person, version) -> CheckedCv. A
# cache we hold, not lru_cache, so a deleted CV's result can be dropped by its text
# (:func:`forget`). cachetools' LRUCache is not thread-safe: every read and write holds the lock.
_CACHE_SIZE = 64
_CACHE: LRUCache[tuple[str, _Person, int], CheckedCv] = LRUCache(maxsize=_CACHE_SIZE)
_CACHE_LOCK = threading.Lock()


def _checked_text(text: str, person: _Person, version: int) -> CheckedCv:
    """:func:`checked` of ``text`` for ``person`` (``version`` only keys the cache), kept for
    the :data:`_CACHE_SIZE` texts used last."""
    key = (text, person, version)
    with _CACHE_LOCK:
        if (hit := _CACHE.get(key)) is not None:
            return hit
    result = _check(text, person)
    with _CACHE_LOCK:
        _CACHE[key] = result
    return result


def forget(text: str) -> None:
    """Drop every cached check of ``text`` (a deleted CV's: its text must not stay in memory
    longer than needed). Only this process's cache: another worker's entry for it is never read
    again, since no CV holds the text, and ages out."""
    with _CACHE_LOCK:
        for key in [key for key in _CACHE if key[0] == text]:
            del _CACHE[key]


def _check(text: str, person: _Person) -> CheckedCv:
    """The check itself (:func:`checked`), uncached."""
    lines: list[str] = []
    withheld: list[private_details.Detail] = []
    seen: dict[str, list[private_details.Detail]] = {}  # a CV repeats sentences: each is checked once
    for line in text.split("\n"):
        kept = []
        for sentence in filter(None, (part.strip() for part in _SENTENCE_END.split(line))):
            if sentence not in seen:
                seen[sentence] = private_details.find(sentence, person) + cv_details.find(sentence)
            if found := seen[sentence]:
                withheld += [detail for detail in found if detail not in withheld]
            else:
                kept.append(sentence)
        if kept or not line.strip():
            lines.append(" ".join(kept))
    checked_text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return CheckedCv(text=checked_text, withheld=tuple(withheld))


def describe(details) -> str:
    """The details as a Danish list for the consultant's page, like
    :func:`portal.private_details.describe` (the CV-only kinds named by
    :data:`portal.cv_details.KINDS`), but a CPR number only by its kind: the page must not
    repeat it (SECURITY.md: never a CPR number anywhere)."""
    labels = {**private_details.KINDS, **cv_details.KINDS}
    by_kind: dict[str, list[str]] = {}
    for detail in details:
        if detail.kind != "cpr":
            by_kind.setdefault(detail.kind, []).append(f"»{detail.words}«")
    text = ", ".join(f"{labels[kind]} ({', '.join(words)})" for kind, words in by_kind.items())
    if any(detail.kind == "cpr" for detail in details):
        text = ", ".join(filter(None, (labels["cpr"], text)))
    return text


@bp.app_template_global("cv_taken_out")
def taken_out() -> str:
    """Every kind of detail whose sentences :func:`checked` takes out, as a Danish list (the CV
    page's promise, so it stays complete when a kind is added)."""
    labels = [*private_details.KINDS.values(), *cv_details.KINDS.values()]
    return and_list(labels, separator="; ")


def consented_version(proposal: Proposal) -> CvDocument | None:
    """The CV that was the citizen's current one when the consent in force was given (the
    newest stored at or before that moment), or None: no consent in force, or no CV then."""
    consent = consents.active_consent(proposal)
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
        if not consents.shares_cv(proposal):  # no consent in force, or one whose text covers no CV
            continue
        version = consented_version(proposal)
        out.append(Sharing(proposal, version, current is not None and (version is None or version.id != current.id)))
    return out
