"""What a story shows of its placement's type and outcome: to partners, and to staff as partners see it.

A fleksjob needs a permanently reduced capacity to work, so "Fleksjob" beside the company (and a
job title in the text) is health data about a person the colleagues can recognise, and every
partner reads the stories. A story therefore never shows it, neither as the type nor as the
outcome: "Fleksjob" and "Ordinært job" are both shown as "Job". Merging both is the point: were
only fleksjob shown as "Job", "Job" would itself say fleksjob. For the same reason the partners'
list filter offers "Job" for both and nothing that tells them apart.

The stored values stay the placement's true ones (the consultant picks them, and
:mod:`.service` checks them against the placement); only what is shown is merged.
"""
from __future__ import annotations

from store.models.vocab import EMPLOYMENT_KINDS, ENDING_REASONS, OPENING_KINDS

# The shown key "job" stands for these stored kinds and end reasons.
JOB = "job"
JOB_KINDS = EMPLOYMENT_KINDS  # an ordinary job and a fleksjob, as retention counts them (review BN 5)
JOB_END_REASONS = ("ordinaert_job", "fleksjob")

STORY_KINDS: dict[str, str] = {
    **{key: label for key, label in OPENING_KINDS.items() if key not in JOB_KINDS}, JOB: "Job"}
STORY_OUTCOMES: dict[str, str] = {
    JOB: "Job", **{key: label for key, label in ENDING_REASONS.items() if key not in JOB_END_REASONS}}
NO_OUTCOME = "Intet udfald endnu"


def kind_label(kind: str) -> str:
    """The type as a story shows it (»Job« for ordinært job and fleksjob)."""
    return STORY_KINDS[JOB] if kind in JOB_KINDS else OPENING_KINDS.get(kind, kind)


def outcome_label(outcome: str | None) -> str:
    """The outcome as a story shows it (»Job« for ordinært job and fleksjob; none: »Intet udfald endnu«)."""
    if outcome is None:
        return NO_OUTCOME
    return STORY_OUTCOMES[JOB] if outcome in JOB_END_REASONS else ENDING_REASONS.get(outcome, NO_OUTCOME)


def stored_kinds(shown: str) -> tuple[str, ...]:
    """The stored kinds behind a shown kind of the list filter."""
    return JOB_KINDS if shown == JOB else (shown,)
