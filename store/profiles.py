"""Database rows to ``matching.domain`` objects: the one place the mapping lives.

The indexer builds index documents from these profiles and the portal's ranking fills
search hits with them, so both see the same citizen. The converters read the rows and the
process's postcode table (a profile's ``lat`` and ``lon``: :func:`coordinates`); the
``load_*`` helpers run one query each for a batch of ids.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timezone

import sqlalchemy as sa
from cachetools import TTLCache
from sqlalchemy.orm import Session, selectinload

from matching import geo
from matching.domain import DEFAULT_ELIGIBILITY, CitizenProfile, EligibilityRules, OpeningProfile
from matching.vocab import COMPANY_BASED_KINDS

from .database import among
from .models import Citizen, CvDocument, EligibilityRule, JobGoal, Opening, Placement, User
from store import clock

# Citizen.languages is free text in Danish ("dansk, engelsk"); matching uses short codes.
LANGUAGE_CODES = {
    "dansk": "da", "engelsk": "en", "tysk": "de", "svensk": "sv", "norsk": "no",
    "arabisk": "ar", "tyrkisk": "tr", "polsk": "pl", "rumænsk": "ro", "ukrainsk": "uk",
    "somali": "so", "tigrinya": "ti", "persisk": "fa", "farsi": "fa", "kurdisk": "ku",
    "fransk": "fr", "spansk": "es", "litauisk": "lt", "russisk": "ru", "urdu": "ur",
}


# The Danish name a code is shown by (the first name of each code: "fa" is "persisk").
LANGUAGE_NAMES = {code: name for name, code in reversed(LANGUAGE_CODES.items())}


def language_names(codes: Iterable[str]) -> tuple[str, ...]:
    """("da", "en") -> ("dansk", "engelsk"): the inverse of :func:`language_codes` for showing a
    code to people (»Mangler sprog: engelsk«, not »en«); an unknown word stays as it is."""
    return tuple(LANGUAGE_NAMES.get(code, code) for code in codes)


def language_codes(text: str) -> tuple[str, ...]:
    """"Dansk, engelsk" -> ("da", "en"); unknown languages stay as lower-case words."""
    words = (w.strip().casefold() for w in text.replace(";", ",").split(","))
    return tuple(dict.fromkeys(LANGUAGE_CODES.get(w, w) for w in words if w))


def coordinates(postcode: str | None) -> tuple[float | None, float | None]:
    """(lat, lon) of a postcode in the installed postcode table (:data:`matching.geo.POSTCODES`:
    the built-in one or ``MATCHING_POSTCODES``, installed at start-up by
    :func:`store.settings.install_postcodes`); (None, None) for a postcode it does not hold.

    Resolved here, when a profile is built, so a ranking reads the profiles' own coordinates
    (``matching.ranking.location``) and never the table's module globals (review BN 15): the
    commute limit, the card's distance and the index's ``location`` are functions of the two
    profiles. A profile without coordinates is excluded as "location unknown", as before.
    """
    try:
        return geo.postcode_location(postcode or "")
    except geo.UnknownPostcode:
        return None, None


def is_indexable_citizen(citizen: Citizen) -> bool:
    """True if the citizen belongs in the matching index.

    Matchable (CV text, a jobmål and an active VK), not restricted, not anonymised and the case
    not closed. Everyone else is removed from the index.
    """
    return (citizen.matchable and not citizen.restricted and citizen.anonymised_at is None
            and citizen.case_closed is None)


def is_indexable_opening(opening: Opening) -> bool:
    """Only open openings are searched for; drafts, filled and closed ones are removed."""
    return opening.status == "open"


def citizen_profile(citizen: Citizen, last_company_placement: date | None = None) -> CitizenProfile:
    """The matcher's view of a citizen row (its jobmål and current CV loaded).

    ``last_company_placement`` is the portal's own (:func:`last_company_placements`); the
    profile holds the later of it and the case system's (:func:`known_last_placement`).

    Raises:
        ValueError: the row holds a value matching does not know (see CitizenProfile).
    """
    cv = citizen.current_cv
    return _profile(citizen, tuple(g.title for g in citizen.job_goals),
                    (cv.text or "") if cv is not None else "", last_company_placement)


def limits_profile(citizen: Citizen) -> CitizenProfile:
    """The citizen's facts the hard limits read, without texts (no score is made from it): the
    same mapping as :func:`citizen_profile`, so a hold check and a ranking read a row alike.

    Raises:
        ValueError: the row holds a value matching does not know (see CitizenProfile).
    """
    return _profile(citizen, (), "", None)


def _profile(citizen, job_goals: tuple[str, ...], cv_text: str,
             last_company_placement: date | None) -> CitizenProfile:
    """A profile from a citizen row or a Core row of its columns (the same attribute names)."""
    return CitizenProfile(
        id=str(citizen.id), version=int(citizen.version), job_goals=job_goals, cv_text=cv_text,
        benefit_group=citizen.benefit_group, hours_available=float(citizen.hours_available),
        postcode=citizen.postcode, max_commute_km=float(citizen.max_commute_km),
        **coordinate_fields(citizen.postcode),
        driving_licences=frozenset(citizen.driving_licences or ()),
        languages=language_codes(citizen.languages or "") or ("da",),
        readiness_group=citizen.readiness_group, case_start=citizen.case_start,
        last_company_placement=known_last_placement(citizen, last_company_placement),
        placements_known_from=placements_known_from(citizen),
    )


def coordinate_fields(postcode: str | None) -> dict[str, float | None]:
    """A profile's ``lat`` and ``lon`` for ``postcode`` (:func:`coordinates`), as keywords: for
    a profile built here, and for one whose postcode is replaced (``dataclasses.replace``
    keeps the coordinates of the postcode it had otherwise)."""
    lat, lon = coordinates(postcode)
    return {"lat": lat, "lon": lon}


def known_last_placement(citizen, in_portal: date | None) -> date | None:
    """The last day in a company-based placement: the later of the portal's own (``in_portal``)
    and the one the case system gave (``Citizen.prior_company_placement_end``, review BG 2)."""
    prior = getattr(citizen, "prior_company_placement_end", None)
    return max((d for d in (in_portal, prior) if d is not None), default=None)


def placements_known_from(citizen) -> date | None:
    """The day from which the portal knows all the citizen's company-based placements: the day
    the citizen came into Jobbro (in Copenhagen), when the case system told of none before it;
    None when it did (``prior_company_placement_end`` given) or the day is not known."""
    if getattr(citizen, "prior_company_placement_end", None) is not None:
        return None
    created = getattr(citizen, "created_at", None)
    if created is None:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return created.astimezone(clock.LOCAL).date()


def opening_profile(opening: Opening) -> OpeningProfile:
    """The matcher's view of an opening row.

    Raises:
        ValueError: unknown kind or inconsistent hours (see OpeningProfile).
    """
    return OpeningProfile(
        id=str(opening.id), version=int(opening.version), company_id=str(opening.company_id),
        kind=opening.kind, title=opening.title, description=opening.description or "",
        requirements=opening.requirements or "", hours_min=float(opening.hours_min),
        hours_max=float(opening.hours_max) if opening.hours_max is not None else None,
        postcode=opening.postcode, **coordinate_fields(opening.postcode),
        required_licences=frozenset(opening.required_licences or ()),
        required_languages=language_codes(opening.required_languages or ""),
        status=opening.status,
    )


def rules_from_rows(rows: Iterable[EligibilityRule]) -> EligibilityRules:
    """The eligibility table from its rows; a pair without an allowing row is not allowed."""
    table: dict[str, set[str]] = {}
    for row in rows:
        kinds = table.setdefault(row.benefit_group, set())
        if row.allowed:
            kinds.add(row.opening_kind)
    return EligibilityRules(table)


def load_rules(session: Session) -> EligibilityRules:
    """The rules table from the database; the built-in defaults while it is still empty."""
    rows = session.scalars(sa.select(EligibilityRule)).all()
    return rules_from_rows(rows) if rows else DEFAULT_ELIGIBILITY


def last_company_placements(session: Session, citizen_ids: Sequence[int],
                            today: date | None = None) -> dict[int, date]:
    """Per citizen, the last day in a company-based placement (praktik or løntilskud).

    A placement still running (no end date, or one after ``today``) counts as today;
    placements that have not started yet are ignored, and so are placements cancelled before
    their start (end reason "aflyst", ended on the planned start): they never happened. Citizens
    without one are absent.
    """
    today = today or clock.today()
    found: dict[int, date] = {}
    for start in range(0, len(citizen_ids), 500):
        chunk = list(citizen_ids[start:start + 500])
        rows = session.execute(
            sa.select(Placement.citizen_id, Placement.end_date)
            .where(among(session, Placement.citizen_id, chunk),
                   Placement.kind.in_(sorted(COMPANY_BASED_KINDS)),
                   Placement.start_date <= today,
                   Placement.not_cancelled()))
        for citizen_id, end in rows:
            last = today if end is None or end > today else end
            if citizen_id not in found or last > found[citizen_id]:
                found[citizen_id] = last
    return found


def load_citizens(session: Session, ids: Sequence[int] | None) -> dict[int, Citizen]:
    """Citizen rows by id (None: all) with jobmål and CVs loaded in two extra queries."""
    options = (selectinload(Citizen.job_goals), selectinload(Citizen.cv_documents))
    if ids is None:
        rows = session.scalars(sa.select(Citizen).order_by(Citizen.id).options(*options))
        return {c.id: c for c in rows}
    found: dict[int, Citizen] = {}
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            sa.select(Citizen).where(among(session, Citizen.id, ids[start:start + 500])).options(*options))
        found.update((c.id, c) for c in rows)
    return found


def load_openings(session: Session, ids: Sequence[int] | None) -> dict[int, Opening]:
    """Opening rows by id (None: all)."""
    if ids is None:
        return {o.id: o for o in session.scalars(sa.select(Opening).order_by(Opening.id))}
    found: dict[int, Opening] = {}
    for start in range(0, len(ids), 500):
        rows = session.scalars(sa.select(Opening).where(among(session, Opening.id, ids[start:start + 500])))
        found.update((o.id, o) for o in rows)
    return found


def citizen_profiles(session: Session, citizens: Sequence[Citizen],
                     today: date | None = None) -> dict[int, CitizenProfile]:
    """Profiles for loaded citizen rows, with their last company-based placement.

    Raises:
        ValueError: as :func:`citizen_profile`, for the first bad row.
    """
    placements = last_company_placements(session, [c.id for c in citizens], today)
    return {c.id: citizen_profile(c, placements.get(c.id)) for c in citizens}


# The columns a profile (and a ranking card) needs: never the contact or limitation fields.
_PROFILE_COLUMNS = (Citizen.id, Citizen.version, Citizen.name, Citizen.benefit_group,
                    Citizen.hours_available, Citizen.postcode, Citizen.max_commute_km,
                    Citizen.driving_licences, Citizen.languages, Citizen.readiness_group,
                    Citizen.case_start, Citizen.prior_company_placement_end, Citizen.created_at)


class ProfileCache:
    """Citizen profiles by (id, version, current CV's id), bounded and thread-safe.

    A citizen's version rises with every change of the row, its jobmål and its CVs (see
    ``store.models.Citizen``), and a new CV is a new row, so a key names one content: a
    changed citizen is a new key and nothing is stale. Give one to every
    :func:`matchable_profiles` call of a process that reads the same database (the portal
    keeps one per app): a ranking then reads only the columns and the CV ids of its pool,
    and the jobmål and CV texts of the citizens it has not met.

    Entries live ``ttl_seconds`` at most: the cache holds CV texts, and an erased or
    anonymised citizen's text must not stay in a server's memory (SECURITY.md). Such a
    citizen is never served from it (``matchable_profiles`` reads who is matchable fresh
    every time); the time limit bounds how long the text lingers in a process.

    Raises:
        ValueError: ``max_entries`` below 1.
    """

    def __init__(self, max_entries: int = 20_000, ttl_seconds: float = 120.0,
                 timer: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._items: TTLCache[tuple[int, int, int], CitizenProfile] = TTLCache(
            max_entries, ttl_seconds, timer)
        self._lock = threading.Lock()

    def get_many(self, keys: Iterable[tuple[int, int, int]]) -> dict[tuple[int, int, int], CitizenProfile]:
        with self._lock:
            self._items.expire()  # drop what has outlived its time, not only skip it
            return {key: self._items[key] for key in keys if key in self._items}

    def put_many(self, items: dict[tuple[int, int, int], CitizenProfile]) -> None:
        with self._lock:
            self._items.update(items)


def matchable_profiles(session: Session, ids: Sequence[int] | None, today: date | None = None,
                       cache: ProfileCache | None = None,
                       ) -> tuple[dict[int, CitizenProfile], dict[int, str]]:
    """Profiles of the indexable citizens among ``ids`` (None: all), and their names.

    The same profiles as :func:`citizen_profiles` over the rows :func:`is_indexable_citizen`
    accepts, read with Core queries per 500 ids (the columns, the current CVs' ids, the
    jobmål, the current CVs' texts, the last company-based placement) instead of ORM rows
    with every CV: this is what a ranking reads for its whole candidate pool. With a
    ``cache``, the jobmål and CV texts are read only for citizens it does not hold.

    Raises:
        ValueError: as :func:`citizen_profile`, for the first bad row.
    """
    chunks = [None] if ids is None else [list(ids[i:i + 500]) for i in range(0, len(ids), 500)]
    profiles: dict[int, CitizenProfile] = {}
    names: dict[int, str] = {}
    for chunk in chunks:
        rows = _open_cases(session, chunk)
        if not rows:
            continue
        found = list(rows)
        current = dict(session.execute(
            sa.select(CvDocument.citizen_id, sa.func.max(CvDocument.id))
            .where(among(session, CvDocument.citizen_id, found)).group_by(CvDocument.citizen_id)).all())
        keys = {cid: (cid, int(rows[cid].version), current[cid]) for cid in found if cid in current}
        known = cache.get_many(keys.values()) if cache is not None else {}
        new = [cid for cid, key in keys.items() if key not in known]
        fresh = _read_texts(session, new, [current[cid] for cid in new])
        placements = last_company_placements(session, [cid for cid in keys if keys[cid] in known
                                                       or cid in fresh], today)
        made: dict[tuple[int, int, int], CitizenProfile] = {}
        for cid in found:
            key = keys.get(cid)
            if key is None:
                continue  # no CV: not matchable
            last = known_last_placement(rows[cid], placements.get(cid))
            if key in known:
                profile = known[key]
                if profile.last_company_placement != last:
                    profile = made[key] = dataclasses.replace(profile, last_company_placement=last)
            elif cid in fresh:
                profile = made[key] = _profile(rows[cid], *fresh[cid], placements.get(cid))
            else:
                continue  # no jobmål, or a CV without text
            profiles[cid] = profile
            names[cid] = rows[cid].name
        if cache is not None and made:
            cache.put_many(made)
    return profiles, names


def _read_texts(session: Session, citizen_ids: list[int], cv_ids: list[int],
                ) -> dict[int, tuple[tuple[str, ...], str]]:
    """(jobmål, current CV text) of the citizens that have both: a jobmål and a CV with text
    (matchable as ``Citizen.missing_for_matching``; the VK is checked in ``_open_cases``)."""
    if not citizen_ids:
        return {}
    goals: dict[int, list[str]] = {}
    for citizen_id, title in session.execute(
            sa.select(JobGoal.citizen_id, JobGoal.title).where(among(session, JobGoal.citizen_id, citizen_ids))
            .order_by(JobGoal.citizen_id, JobGoal.position, JobGoal.id)):
        goals.setdefault(citizen_id, []).append(title)
    texts = dict(session.execute(sa.select(CvDocument.citizen_id, CvDocument.text)
                                 .where(among(session, CvDocument.id, cv_ids))).all())
    return {cid: (tuple(goals[cid]), texts[cid]) for cid in citizen_ids
            if goals.get(cid) and (texts.get(cid) or "").strip()}


def _open_cases(session: Session, ids: list[int] | None) -> dict[int, sa.Row]:
    """Rows of the profile columns for open, unrestricted, non-anonymised cases with an active VK
    (a deactivated VK is none, as in ``Citizen.missing_for_matching``)."""
    query = sa.select(*_PROFILE_COLUMNS).where(
        Citizen.vk_id.in_(sa.select(User.id).where(User.active.is_(True))), Citizen.restricted.is_(False),
        Citizen.anonymised_at.is_(None), Citizen.case_closed.is_(None))
    if ids is not None:
        query = query.where(among(session, Citizen.id, ids))
    return {row.id: row for row in session.execute(query.order_by(Citizen.id))}
