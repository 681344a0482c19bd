"""Ranking-quality benchmark on the demo municipality: ``python -m scripts.demo_eval``.

Builds the demo data in memory (``portal.demo.generate_demo``, no database), turns every
matchable citizen and open opening into matching profiles and runs
:func:`matching.demo_eval.evaluate`: P@10, nDCG@10 and the share of top-10 candidates from
another occupation family. The JSON summary is the last stdout line.

It lives outside ``matching`` (which imports nothing of ours) and outside ``indexer`` (which
never imports the portal); it is a developer tool, not part of the product.

    python -m scripts.demo_eval --encoder hashing     # 1-6 min on the shared VM
    python -m scripts.demo_eval --encoder e5          # 9-35 min, by the machine's load
    python -m scripts.demo_eval --goal-bands          # how the per-jobmål bands fall
    python -m scripts.demo_eval --encoder e5 --goal-concepts   # what the concept channel says, by class
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from matching.concept_channel import CONCEPT_WEIGHT, DEFAULT_CONCEPTS, load_channel
from matching.demo_eval import Labelled, evaluate, goal_bands, goal_concepts
from matching.domain import COMPANY_PLACEMENT_KINDS, CitizenProfile, EligibilityRules, OpeningProfile
from matching.encoders import make_encoder
from portal.demo import generate_demo
from portal.demo.occupations import OCCUPATIONS
from portal.demo.records import DemoData
from store.profiles import language_codes

# Occupations a consultant would propose for each other's openings (the same work under
# another title). Every other occupation key is a family of its own.
FAMILIES: dict[str, tuple[str, ...]] = {
    "lager": ("lager", "truckfoerer"),
    "pleje": ("sosu_hjaelper", "sosu_assistent", "plejemedhjaelper"),
    "koekken": ("kantine", "kok", "opvasker"),
    "rengoering": ("rengoering", "hotel"),
    "butik": ("butik", "kasse"),
    "kontor": ("kontor", "bogholder", "receptionist"),
    "it": ("it_support", "udvikler"),
    "chauffoer": ("chauffoer", "varebilchauffoer"),
    "gartner": ("gartner", "anlaegsgartner"),
    "produktion": ("produktion", "cnc"),
    "auto": ("mekaniker", "bilklargoerer"),
}
FAMILY_OF = {occ: fam for fam, occs in FAMILIES.items() for occ in occs}


def _last_placements(data: DemoData, today: date) -> dict[int, date]:
    found: dict[int, date] = {}
    for p in data.placements:
        if p.kind not in COMPANY_PLACEMENT_KINDS or p.start_date > today:
            continue
        last = today if p.end_date is None or p.end_date > today else p.end_date
        found[p.citizen] = max(last, found.get(p.citizen, last))
    return found


def profiles(data: DemoData, today: date) -> tuple[list[CitizenProfile], list[OpeningProfile], Labelled]:
    """Matchable citizens and open openings of the demo, with their occupation labels."""
    last = _last_placements(data, today)
    citizens, openings, occupations, opening_occ = [], [], {}, {}
    for i, c in enumerate(data.citizens):
        if not (c.cv_text and c.job_goals and c.vk is not None) or c.case_closed is not None:
            continue
        cid = str(i + 1)
        citizens.append(CitizenProfile(
            id=cid, version=1, job_goals=tuple(c.job_goals), cv_text=c.cv_text,
            benefit_group=c.benefit_group, hours_available=c.hours_available, postcode=c.postcode,
            max_commute_km=c.max_commute_km, driving_licences=c.driving_licences,
            languages=language_codes(c.languages) or ("da",), readiness_group=c.readiness_group,
            case_start=c.case_start, last_company_placement=last.get(i)))
        occupations[cid] = frozenset(c.occupations)
    for i, o in enumerate(data.openings):
        if o.status != "open":
            continue
        oid = str(i + 1)
        openings.append(OpeningProfile(
            id=oid, version=1, company_id=str(o.company), kind=o.kind, title=o.title,
            description=o.description, requirements=o.requirements, hours_min=o.hours_min,
            hours_max=o.hours_max, postcode=o.postcode,
            required_licences=o.required_licences,
            required_languages=language_codes(o.required_languages), status=o.status))
        opening_occ[oid] = o.occupation
    return citizens, openings, Labelled(occupations, opening_occ, FAMILY_OF)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="hashing", help="hashing (fast, default) or e5")
    parser.add_argument("--seed", type=int, default=2024, help="demo seed (default 2024)")
    parser.add_argument("--today", default="2026-12-01", help="the demo's today (ISO date)")
    parser.add_argument("--verbose", action="store_true", help="one line per opening on stderr")
    parser.add_argument("--concepts", default=DEFAULT_CONCEPTS,
                        help=f"concept table lifting jobmål (MATCHING_CONCEPTS; default {DEFAULT_CONCEPTS}; none: off)")
    parser.add_argument("--concept-weight", type=float, default=CONCEPT_WEIGHT,
                        help=f"the lift's weight (default {CONCEPT_WEIGHT})")
    parser.add_argument("--goal-bands", action="store_true",
                        help="per-jobmål bands of every (open opening, jobmål title) pair instead")
    parser.add_argument("--goal-concepts", action="store_true",
                        help="the concept channel on every (open opening, jobmål title) pair instead, by class")
    args = parser.parse_args(argv)
    today = date.fromisoformat(args.today)
    data = generate_demo(args.seed, today)
    citizens, openings, labels = profiles(data, today)
    if args.goal_bands:
        goal_occupation = {g: o.key for o in OCCUPATIONS for g in o.goals}
        bands = goal_bands(citizens, openings, labels, goal_occupation, make_encoder(args.encoder))
        print(json.dumps({"encoder": args.encoder, "goal_bands": bands}, ensure_ascii=False))
        return 0
    if args.goal_concepts:
        encoder = make_encoder(args.encoder)
        channel = load_channel(args.concepts, encoder.name, args.concept_weight)
        if channel is None:
            print(f"error: no concept channel for {encoder.name} (--concepts {args.concepts})", file=sys.stderr)
            return 2
        goal_occupation = {g: o.key for o in OCCUPATIONS for g in o.goals}
        found = goal_concepts(openings, labels, goal_occupation, encoder, channel)
        print(json.dumps({"encoder": encoder.name, "concepts": {"version": channel.version, "weight": channel.weight},
                          "goal_concepts": found}, ensure_ascii=False))
        return 0
    rules = EligibilityRules({g: {k for (g2, k), ok in data.eligibility.items() if g2 == g and ok}
                              for g in {g for g, _ in data.eligibility}})
    encoder = make_encoder(args.encoder)
    channel = load_channel(args.concepts, encoder.name, args.concept_weight)
    summary = evaluate(citizens, openings, labels, encoder, rules=rules, today=today,
                       service_options={"concepts": channel})
    rows = summary.pop("per_opening")
    if args.verbose:
        for r in rows:
            print(f"{r['opening']:>4} {r['title'][:38]:38} {r['family'] or '':12} "
                  f"elig {r['eligible']:3} fam {r['eligible_family']:3} "
                  f"P@10 {r['p_at_10']:.1f} nDCG {r['ndcg_at_10']:.2f}", file=sys.stderr)
    summary["encoder"] = args.encoder
    summary["concepts"] = None if channel is None else {"version": channel.version, "weight": channel.weight}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
