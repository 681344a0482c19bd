"""What a consent is and what it lets the company have (SECURITY.md "Access control").

A consent is recorded on a proposal by the state machine's step
(:func:`portal.proposals.record_consent`) under the current text (:data:`CONSENT_TEXT_VERSION`)
and holds until its deadline, a withdrawal or a renewal (:func:`active_consent`).

What the company may have besides the name follows the text the consent was given under
(:data:`CONSENT_SCOPES`, read through :func:`shared_scope`): »samtykke-v1« named the name alone,
so a consent under it shows only the name, whatever the proposal holds. The consent carries the
citizen's choices: which contact details (phone, e-mail) the company may have and whether it
may have the CV. They are kept on the proposal while the consent lives (the contact keys of
``Proposal.shared_profile``, ``Proposal.share_cv``), written by
:func:`portal.proposals.record_consent` and cleared by :func:`portal.proposals.withdraw`; the
audit event of the consent names them. Which contact details the company was given is kept
apart, as field names, in ``Proposal.shared_contacts`` (:func:`contacts_given`): written when
the name is shared and when a renewed consent shows other choices to a company that sees the
name (:func:`keep_contacts_given`), never cleared, so a correction of a detail still reaches a
company that got it (GDPR art. 19) after the consent is withdrawn or ends.

This module reads; it imports nothing of the state machine, which builds on it.
"""
from __future__ import annotations

from datetime import date

from store.models import Citizen, Consent, Proposal
from store import clock

CONSENT_TEXT_VERSION = "samtykke-v2"
# The consent texts by version, read aloud (or sent) to the citizen word for word; a consent
# records the version it was given under. A changed text is a new version, never an edit.
CONSENT_TEXTS = {
    "samtykke-v1": ("Jeg giver samtykke til, at jobcentret giver mit navn til {company} i forbindelse "
                    "med opslaget »{opening}«. Jeg kan til enhver tid trække samtykket tilbage."),
    "samtykke-v2": (
        "Jeg giver samtykke til, at jobcentret giver {company} mit navn og en kort profil i forbindelse "
        "med opslaget »{opening}«. Profilen er skrevet eller godkendt af min konsulent og viser min "
        "erfaring, mine jobmål, hvor mange timer jeg kan arbejde, mit kørekort, mine sprog og hvornår "
        "jeg kan starte. Virksomheden får kun de kontaktoplysninger og mit CV, hvis jeg siger ja til "
        "det nedenfor. Oplysninger om mit helbred, mine skånehensyn, min ydelse og mit CPR-nummer "
        "gives ikke videre. Samtykket gælder til den dato, vi aftaler, højst ét år. Jeg kan til enhver "
        "tid trække det tilbage ved at kontakte jobcentret; så ser virksomheden ikke længere mit navn "
        "eller min profil."),
}
# What each consent text covers, by version: what the company may have besides the name once
# it is shared (the name always comes with a consent). ``profile``: the profile the consultant
# approved; ``contacts``: the contact details the citizen chose (CONTACT_KEYS); ``cv``: the CV,
# if the citizen chose it. A version not listed covers the name only. Every path that shows
# the company a part reads it here (:func:`shared_scope`), never from the stored choices alone:
# a consent given under a text that named only the name shares only the name.
CONSENT_SCOPES: dict[str, frozenset[str]] = {
    "samtykke-v1": frozenset(),
    "samtykke-v2": frozenset({"profile", "contacts", "cv"}),
}
# The parts as the consultant's page names them (:func:`scope_words`).
SCOPE_WORDS = {"profile": "profil", "phone": "telefonnummer", "email": "e-mail", "cv": "CV (som tekst)"}
# The contact details a citizen may agree to share, as keys of Proposal.shared_profile.
CONTACT_KEYS = ("phone", "email")
MAX_CONSENT_DAYS = 365
# A consent this close to its last day is due for renewal: the start page lists it and the
# proposal page opens the renewal form.
CONSENT_DUE_DAYS = 14


def active_consent(proposal: Proposal, today: date | None = None) -> Consent | None:
    """The consent in force (not withdrawn, not replaced, deadline not passed), if any."""
    today = today or clock.today()
    for consent in reversed(proposal.consents):
        if consent.in_force(today):
            return consent
    return None


def scope_of(text_version: str) -> frozenset[str]:
    """What a consent given under ``text_version`` lets the company have besides the name
    (:data:`CONSENT_SCOPES`; nothing for a version not listed)."""
    return CONSENT_SCOPES.get(text_version, frozenset())


def shared_scope(proposal: Proposal, today: date | None = None) -> frozenset[str]:
    """What the consent in force lets the company have besides the name (:func:`scope_of`);
    nothing without one."""
    consent = active_consent(proposal, today)
    return scope_of(consent.text_version) if consent is not None else frozenset()


def choices_scope(proposal: Proposal) -> frozenset[str]:
    """The scope of the consent the stored choices belong to: the latest recorded (a renewal
    replaces them, a withdrawal or an end clears them)."""
    return scope_of(proposal.consents[-1].text_version) if proposal.consents else frozenset()


def shared_contacts_now(proposal: Proposal, today: date | None = None) -> dict[str, str]:
    """The contact details the consent in force shares, by key of :data:`CONTACT_KEYS`: the
    citizen's choices, only when the consent's text covers contact details."""
    if "contacts" not in shared_scope(proposal, today):
        return {}
    profile = proposal.shared_profile or {}
    return {key: profile[key] for key in CONTACT_KEYS if profile.get(key)}


def shares_cv(proposal: Proposal, today: date | None = None) -> bool:
    """Whether the consent in force lets the company have the CV: the citizen chose it, and the
    consent's text covers a CV."""
    return bool(proposal.share_cv) and "cv" in shared_scope(proposal, today)


def scope_words(proposal: Proposal, today: date | None = None) -> list[str]:
    """What the consent in force shares with the company, in the consultant's words: »navn«,
    then the parts its text covers and the citizen chose (:data:`SCOPE_WORDS`); [] without one."""
    consent = active_consent(proposal, today)
    if consent is None:
        return []
    scope = scope_of(consent.text_version)
    parts = ["profil"] if "profile" in scope else []
    parts += [SCOPE_WORDS[key] for key in shared_contacts_now(proposal, today)]
    return ["navn", *parts, *([SCOPE_WORDS["cv"]] if shares_cv(proposal, today) else [])]


def scope_short_of_current(proposal: Proposal, today: date | None = None) -> list[str]:
    """The parts (``profile``, ``contacts``, ``cv``, in that order) a new consent under the
    current text (:data:`CONSENT_TEXT_VERSION`) could share that the consent in force does not
    cover (one given under an older text); [] when it covers as much, or none is in force."""
    consent = active_consent(proposal, today)
    if consent is None:
        return []
    missing = scope_of(CONSENT_TEXT_VERSION) - scope_of(consent.text_version)
    return [part for part in ("profile", "contacts", "cv") if part in missing]


def consent_text(proposal: Proposal, version: str = CONSENT_TEXT_VERSION) -> str:
    """The consent text of ``version`` for this proposal's company and opening ("" if unknown)."""
    text = CONSENT_TEXTS.get(version, "")
    return text.format(company=proposal.opening.company.name, opening=proposal.opening.title)


def has_cv_text(citizen: Citizen) -> bool:
    """Whether the citizen has a current CV with text to share (typed or from a file: the company
    gets the text either way, review AK 2)."""
    return citizen.current_cv is not None and bool((citizen.current_cv.text or "").strip())


def contacts_given(proposal: Proposal) -> list[str]:
    """The contact details (keys of :data:`CONTACT_KEYS`, in that order) the company was given on
    the proposal, whatever happened since: those recorded in ``Proposal.shared_contacts`` and,
    while the name is disclosed, those its shared copy holds (the company sees them, or saw them
    until the consent ran out; a row the demo or a release before migration 0036 wrote has only
    the copy). Never one a consent recorded but not yet shown: a ``consented`` proposal's copy
    is not the company's until the name is shared, nor one under a consent whose text does not
    cover contact details (:data:`CONSENT_SCOPES`: the company was given the name only)."""
    given = set(proposal.shared_contacts or ())
    if proposal.status == "disclosed" and "contacts" in choices_scope(proposal):
        given.update(key for key in CONTACT_KEYS if (proposal.shared_profile or {}).get(key))
    return [key for key in CONTACT_KEYS if key in given]


def keep_contacts_given(proposal: Proposal) -> None:
    """Record :func:`contacts_given` in ``Proposal.shared_contacts``: when the name is shared,
    when a renewed consent shows its choices, and before the shared copy changes or is cleared
    (a withdrawal, an end, a correction), so what the company got stays known."""
    given = contacts_given(proposal)
    # None (not known: migration 0036) stays None while nothing is known; a new list marks the column changed.
    if given != (proposal.shared_contacts or []):
        proposal.shared_contacts = given
