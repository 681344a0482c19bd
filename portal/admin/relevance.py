"""What /admin/indexer/relevans says about the learned re-ranking, as structured facts.

The trainer (``indexer.rerank_train``) decides with one rule: the learned model is used
only when, on the latest decisions, its MAP is higher than the hand-set weights' and its
AUC is not lower, and it passes the jobmål check (it never put a citizen with no related
jobmål above one whose jobmål matches the opening by itself). :func:`verdict` restates that
decision from the stored figures, so the page can name the measure that decided and both
figures, instead of showing a sentence the trainer wrote before the page knew whether the
model is actually in use. :func:`weight_rows` gives the model's weights beside the fit
without the bound ≥ 0, and which facts the bound held at 0.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from matching.rerank import FEATURE_LABELS, RerankModel


@dataclass(frozen=True)
class Verdict:
    """Why the learned model is or is not used.

    ``outcome``: "too_few" (fewer decisions than the minimum), "unfit" (no model could be
    fitted), "lost" (it did not beat the hand-set weights), "reversed" (it beat them but
    failed the jobmål check: ``reversed`` of ``pairs`` checked) or "won".
    """

    outcome: str
    learned_map: float | None = None
    hand_map: float | None = None
    learned_auc: float | None = None
    hand_auc: float | None = None
    pairs: int = 0
    reversed: int = 0

    @property
    def map_higher(self) -> bool:
        return None not in (self.learned_map, self.hand_map) and self.learned_map > self.hand_map

    @property
    def auc_lower(self) -> bool:
        return None not in (self.learned_auc, self.hand_auc) and self.learned_auc < self.hand_auc

    @property
    def auc_higher(self) -> bool:
        return None not in (self.learned_auc, self.hand_auc) and self.learned_auc > self.hand_auc


def verdict(report: dict) -> Verdict:
    """The trainer's decision (``report["in_use"]``) with the counts and figures behind it."""
    figures = report.get("figures") or {}
    learned, hand = figures.get("learned"), figures.get("hand")
    if (report.get("decisions") or 0) < (report.get("min_decisions") or 0):
        return Verdict("too_few")
    if not learned or not hand:
        return Verdict("unfit")
    check = report.get("jobmaal_check") or {}
    found = Verdict("lost", learned.get("map"), hand.get("map"), learned.get("auc"), hand.get("auc"),
                    check.get("pairs") or 0, check.get("reversed") or 0)
    if report.get("in_use"):
        return replace(found, outcome="won")
    if found.map_higher and not found.auc_lower and found.reversed:
        return replace(found, outcome="reversed")
    return found


@dataclass(frozen=True)
class WeightRow:
    """One fact of the model on the admin page: its Danish label, its standardised weight, the
    weight the decisions alone gave it (``free``: without the bound ≥ 0; None when the report
    predates the bound) and whether the bound held it at 0."""

    label: str
    weight: float
    free: float | None
    held: bool


def weight_rows(model: RerankModel, report: dict) -> list[WeightRow]:
    """The model's weights, largest first (a fact held at 0 after those that move a pair)."""
    monotone = report.get("monotone") or {}
    free, held = monotone.get("free") or {}, set(monotone.get("held_at_zero") or ())
    rows = [WeightRow(FEATURE_LABELS[n], c, free.get(n), n in held) for n, c in zip(model.features, model.coef)]
    return sorted(rows, key=lambda row: -abs(row.weight))


_LIFT = re.compile(r"\(lift (\d+)\.(\d+)\)")


def encoder_label(name: str | None) -> str:
    """A scoring name as shown to people: the concept lift's weight with a decimal comma
    ("…; concepts-v1 (lift 0.4)" -> "…; concepts-v1 (lift 0,4)")."""
    return _LIFT.sub(r"(lift \1,\2)", name or "")
