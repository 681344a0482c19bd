"""Danish words for the hard limits of a pair: the ones it broke (the refused approval and the
excluded list say the same) and the ones it passed ("Krav tjekket" on a ranking card).

Built from the profiles or rows (structured data), never parsed from the engine's English
``detail``.
"""
from __future__ import annotations

import decimal
from collections.abc import Iterable
from typing import Any

from matching.domain import CitizenProfile, ConstraintCheck, Exclusion, Match, OpeningProfile
from matching import licences
from matching.geo import UnknownPostcode
from matching.ranking import RELEVANCE_STEP, distance_km, relevance_step

from . import bp
from ..i18n import format_number
from store import profiles
from store.models.vocab import BENEFIT_GROUPS, OPENING_KINDS, OPENING_STATUSES


def broken_limits(exclusion: Exclusion, citizen: CitizenProfile | None,
                  opening: OpeningProfile) -> list[str]:
    """One Danish sentence per hard limit the pair broke, in the engine's check order.

    ``citizen`` None (the profile is no longer at hand) leaves the citizen's figures out.
    """
    return [_broken(check.name, check.detail, citizen, opening)
            for check in exclusion.constraints if not check.passed]


def _broken(name: str, detail: str, c: CitizenProfile | None, o: OpeningProfile) -> str:
    kind = OPENING_KINDS.get(o.kind, o.kind).lower()
    if name == "status":
        return f"Opslaget er ikke åbent ({OPENING_STATUSES.get(o.status, o.status).lower()})"
    if name == "eligibility":
        group = BENEFIT_GROUPS.get(c.benefit_group, c.benefit_group) if c else "Borgerens ydelsesgruppe"
        return f"{group} må ikke tage {kind}"
    if name == "hours":
        have = format_number(c.hours_available, 1, trim=True) if c else "?"
        return f"Kun {have} t/uge til rådighed, opslaget kræver mindst {format_number(o.hours_min, 1, trim=True)}"
    if name == "driving_licence":  # "Kørekort C kræves; borgeren har B"
        return licences.reason(c.driving_licences if c else (), o.required_licences)
    if name == "commute":
        return _commute(c, o)
    return f"{name}: {detail}"  # a limit added to the engine later: still never hidden


def _commute(c: CitizenProfile | None, o: OpeningProfile) -> str:
    if c is None:
        return "For langt fra arbejdsstedet"
    try:
        km = distance_km(c, o)
    except UnknownPostcode:
        return "Afstanden kan ikke beregnes (ukendt postnummer)"
    return (f"For langt: {format_number(km, 1)} km, borgerens grænse er "
            f"{format_number(c.max_commute_km, 1, trim=True)} km")


_HUNDREDTH = decimal.Decimal("0.01")


def _shown(value: float) -> decimal.Decimal:
    """``value`` as the card shows it (``dknum(2)``: rounded half up from its shortest repr)."""
    return decimal.Decimal(str(value)).quantize(_HUNDREDTH, rounding=decimal.ROUND_HALF_UP)


def _shown_floor(value: float) -> decimal.Decimal:
    """A relevance as the card's »samlet match« shows it (the ``rel`` macro): rounded down to
    hundredths after rounding away float noise, so the figure agrees with its band."""
    hundredths = decimal.Decimal(str(round(value * 100, 6))).to_integral_value(rounding=decimal.ROUND_FLOOR)
    return hundredths * _HUNDREDTH


@bp.app_template_global("score_sum")
def score_sum(match: Match) -> tuple[decimal.Decimal, list[tuple[str, decimal.Decimal]]] | None:
    """The card's score as a sum the consultant can add up: the score as shown, and its parts
    (match, afstand, timer, sprog, prioritering, then »afrunding« when rounding left anything)
    in hundredths. The parts as shown add up exactly to the score as shown.

    Each part is a figure the card can stand by:

    - the score and the priority are the figures the card shows elsewhere;
    - the match is the relevance (after the learned adjustment when a model is in use) as
      »samlet match« shows it (rounded down, the ``rel`` macro), kept inside the step the card
      names (``relevance_step``), so it never leaves the band and step beside it;
    - afstand, timer and sprog (shown only here) are each rounded down or up, never further, so
      none is shown above its weight (largest remainder: the parts whose rounding down lost the
      most take a hundredth first, while the parts fall short of the score);
    - what rounding each figure on its own leaves over is its own term, »afrunding« (at most a
      few hundredths, left out when it is 0,00), not pushed onto a part beyond its rounding.

    The relevance's weight is 1 (``RankingWeights.relevance``), so the match part is the
    relevance itself. None for an explanation kept before the parts were.
    """
    parts = match.explanation.score_parts
    if parts is None:
        return None
    total = _shown(match.score)
    priority = _shown(match.priority)
    relevance = _shown_match(match.explanation.relevance)
    exact = [decimal.Decimal(str(v)) for v in (parts.distance, parts.hours, parts.languages)]
    shown = [v.quantize(_HUNDREDTH, rounding=decimal.ROUND_FLOOR) for v in exact]
    up = [v.quantize(_HUNDREDTH, rounding=decimal.ROUND_CEILING) for v in exact]
    target = total - priority - relevance
    for i in sorted(range(3), key=lambda i: exact[i] - shown[i], reverse=True):
        if sum(shown) < target:
            shown[i] = up[i]
    rounding = target - sum(shown)
    return total, [("match", relevance), *zip(("afstand", "timer", "sprog"), shown), ("prioritering", priority),
                   *([("afrunding", rounding)] if rounding else [])]


@bp.app_template_global("priority_parts")
def priority_parts(flags: Iterable[Any], total: float | None = None) -> list[tuple[str, decimal.Decimal]]:
    """The priority line's parts: each flag's label and its share of the shown priority, in
    hundredths, adding up exactly to the priority as shown (review BP 3: each flag rounded on
    its own said »+0,06; +0,01; +0,01« under a total of 0,07).

    ``flags`` are ``PolicyFlag`` objects or the dicts a proposal stores (read by key or
    attribute); ``total`` the priority the card shows (None, 0 or undefined: the flags' sum). The shown total is
    split by largest remainder, as :func:`score_sum` splits the score: every flag gets its
    contribution rounded down, and the flags whose rounding down lost the most take a hundredth
    each until the parts make the total; so a part is never more than a hundredth off its flag.
    """
    flags = list(flags)
    if not isinstance(total, (int, float)) or not total:  # an older stored explanation: no total
        total = None
    exact = [decimal.Decimal(str(_field(f, "contribution"))) for f in flags]
    shown_total = _shown(float(sum(exact)) if total is None else total)
    shown = [v.quantize(_HUNDREDTH, rounding=decimal.ROUND_FLOOR) for v in exact]
    for i in sorted(range(len(flags)), key=lambda i: (-(exact[i] - shown[i]), i)):
        if sum(shown) >= shown_total:
            break
        shown[i] += _HUNDREDTH
    return [(_field(f, "label"), part) for f, part in zip(flags, shown)]


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


@bp.app_template_global("learned_line")
def learned_line(match: Match) -> dict[str, Any] | None:
    """What a card's learned line shows (review BP 4): the true figures before and after the
    model, each as the score line's »match« shows a relevance (:func:`_shown_match`: the
    hand-set relevance for »before«, so it is the figure the card showed without the model and
    never on the other side of a band limit), the change as their difference, and the reasons
    (:meth:`Adjustment.reasons`) with »øvrige fakta« taking the rest, so the parts add up to
    the change shown. None for a match the model did not adjust.

    Keys: ``before``, ``after``, ``change``, ``parts`` (the three largest, (fact, value)),
    ``rest``, ``every`` (all facts), ``every_rest``; values in hundredths.
    """
    adjusted = getattr(match, "learned", None)
    if adjusted is None:
        return None
    before = _shown_match(adjusted.hand_relevance)
    after = _shown_match(match.explanation.relevance)
    change = after - before
    parts, _ = adjusted.reasons(3)
    every, _ = adjusted.reasons(None)
    parts = [(text, decimal.Decimal(str(value))) for text, value in parts]
    every = [(text, decimal.Decimal(str(value))) for text, value in every]
    return {"before": before, "after": after, "change": change, "parts": parts,
            "rest": change - sum((v for _, v in parts), decimal.Decimal(0)), "every": every,
            "every_rest": change - sum((v for _, v in every), decimal.Decimal(0))}


@bp.app_template_filter("language_names")
def language_names(codes: Iterable[str]) -> str:
    """Language codes as the Danish names people wrote (»engelsk«, not »en«: review BP 5)."""
    return ", ".join(profiles.language_names(codes))


def _shown_match(relevance: float) -> decimal.Decimal:
    """The relevance as »samlet match« shows it, inside the step the card names: the two agree
    but for a relevance a few billionths under a step's limit, which the step counts as the next."""
    low = decimal.Decimal(relevance_step(relevance)) * decimal.Decimal(str(RELEVANCE_STEP))
    highest = low + decimal.Decimal(str(RELEVANCE_STEP)) - _HUNDREDTH
    return min(max(_shown_floor(relevance), low), highest)


@bp.app_template_global("checked_limits")
def checked_limits(checks: Iterable[ConstraintCheck], citizen: Any, opening: Any) -> list[str]:
    """One Danish phrase per hard limit the pair passed, in the engine's check order.

    For the card's "Krav tjekket". ``citizen`` and ``opening`` are matching profiles or the
    database rows (the same attribute names: benefit_group, hours_available,
    max_commute_km, driving_licences; kind, hours_min, required_licences). A limit added to
    the engine later is still named, with its detail.
    """
    return [_passed(check.name, check.detail, citizen, opening) for check in checks if check.passed]


def _passed(name: str, detail: str, c: Any, o: Any) -> str:
    if name == "status":
        return "Opslaget er åbent"
    if name == "eligibility":
        return f"{BENEFIT_GROUPS.get(c.benefit_group, c.benefit_group)} må tage {OPENING_KINDS.get(o.kind, o.kind).lower()}"
    if name == "hours":
        return (f"{format_number(c.hours_available, 1, trim=True)} t/uge til rådighed, opslaget kræver "
                f"mindst {format_number(o.hours_min, 1, trim=True)}")
    if name == "driving_licence":  # "Kørekort C kræves; borgeren har CE" / "Kørekort ikke nødvendigt"
        return licences.reason(c.driving_licences or (), o.required_licences or ())
    if name == "commute":
        return f"Afstand inden for borgerens {format_number(c.max_commute_km, 1, trim=True)} km"
    return f"{name}: {detail}"
