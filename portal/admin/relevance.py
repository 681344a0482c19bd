"""What /admin/indexer/relevans says about the learned re-ranking, as structured facts.

The trainer (``indexer.rerank_train``) decides with one rule: the learned model is used
only when, on the latest decisions, its MAP is higher than the hand-set weights' and its
AUC is not lower. :func:`verdict` restates that decision from the stored figures, so the
page can name the measure that decided and both figures, instead of showing a sentence
the trainer wrote before the page knew whether the model is actually in use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Verdict:
    """Why the learned model is or is not used.

    ``outcome``: "too_few" (fewer decisions than the minimum), "unfit" (no model could be
    fitted), "lost" (it did not beat the hand-set weights) or "won".
    """

    outcome: str
    learned_map: float | None = None
    hand_map: float | None = None
    learned_auc: float | None = None
    hand_auc: float | None = None

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
    found = Verdict("lost", learned.get("map"), hand.get("map"), learned.get("auc"), hand.get("auc"))
    return replace(found, outcome="won") if report.get("in_use") else found


_LIFT = re.compile(r"\(lift (\d+)\.(\d+)\)")


def encoder_label(name: str | None) -> str:
    """A scoring name as shown to people: the concept lift's weight with a decimal comma
    ("…; concepts-v1 (lift 0.4)" -> "…; concepts-v1 (lift 0,4)")."""
    return _LIFT.sub(r"(lift \1,\2)", name or "")
