"""Compare the re-ranking's feature sets on the job centre's decisions (offline, read-only).

``python -m indexer.rerank_compare`` collects the decisions as the trainer does (scoring a
decision stored without facts with today's matcher), then, for several time splits, fits one
model per feature set on the older decisions and measures it on the next ones against the
hand-set weights, and says which set :func:`indexer.rerank_train.choose_features` would pick
there. The windows: train on the oldest ``c`` (50, 60, 70, 80%), test on the next 20%; the
last window is the trainer's own split. Nothing is stored; JSON on the last line of stdout.
This is how docs/matching.md measured the best jobmål's dense and lexical channels.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence

from indexer.rerank_train import (
    FEATURE_SETS as TRAINER_SETS, Decision, _fit, choose_features, collect, figures, hand_value, learned_value,
    service_scorer, with_history,
)
from matching.rerank import ALLOWED_FEATURES, HISTORY_FEATURES

# Train on the oldest share, test on the next TEST_WINDOW (the last: the trainer's split).
CUTS = (0.5, 0.6, 0.7, 0.8)
TEST_WINDOW = 0.2
_PLAIN = TRAINER_SETS["uden kanaler"]
FEATURE_SETS: Mapping[str, tuple[str, ...]] = {
    "plain": _PLAIN,
    "plain+dense": (*_PLAIN, "best_goal_dense"),
    "plain+lexical": (*_PLAIN, "best_goal_lexical"),
    "plain+concept": (*_PLAIN, "best_goal_concept"),
    "plain+history": (*_PLAIN, *HISTORY_FEATURES),
    "all": ALLOWED_FEATURES,
}


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 4) if known else None


def compare(decisions: Sequence[Decision], cuts: Sequence[float] = CUTS, check: str = "compare") -> dict:
    """Per window and feature set, the test figures; the hand-set weights' beside them.
    ``check``: the check the windows' decision histories carry (measured here, never stored).

    Returns:
        ``{"windows": [{"cut", "train", "test", "hand", "sets": {name: figures},
        "chosen": name of the set choose_features picks, "chosen_map"}], "mean_map":
        {name: mean MAP over the windows}, "mean_auc": {...}}``.
    """
    ordered = sorted(decisions, key=lambda d: (d.decided_at, d.proposal_id))
    n = len(ordered)
    windows = []
    for cut in cuts:
        raw = ordered[:round(n * cut)]
        train, test, _ = with_history(raw, ordered[round(n * cut):round(n * (cut + TEST_WINDOW))], check=check)
        sets = {}
        for name, names in FEATURE_SETS.items():
            model = _fit(train, names)
            sets[name] = figures(test, lambda d, m=model: learned_value(m, d))
        chosen_names, choice = choose_features(raw, check)
        chosen = _fit(train, chosen_names)
        windows.append({"cut": cut, "train": len(train), "test": len(test),
                        "hand": figures(test, hand_value), "sets": sets, "chosen": choice["chosen"],
                        "chosen_map": figures(test, lambda d: learned_value(chosen, d))["map"]})
    names = ["hand", *FEATURE_SETS]

    def column(name: str, key: str) -> list[float | None]:
        return [(w["hand"] if name == "hand" else w["sets"][name])[key] for w in windows]

    return {"decisions": n, "windows": windows,
            "mean_map": {name: _mean(column(name, "map")) for name in names},
            "mean_auc": {name: _mean(column(name, "auc")) for name in names}}


def main(argv: Sequence[str] | None = None) -> int:
    """Collect from the configured database and print the comparison (JSON, last line)."""
    from indexer.cli import configured_context

    del argv  # no options
    with configured_context() as ctx:
        decisions = collect(ctx.session, service_scorer(ctx.session, ctx.encoder, ctx.backend, ctx.concepts),
                            secret=ctx.history_secret)
    report = compare(decisions)
    for name in report["mean_map"]:
        print(f"{name:>14}: mean MAP {report['mean_map'][name]}, mean AUC {report['mean_auc'][name]}",
              file=sys.stderr)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
