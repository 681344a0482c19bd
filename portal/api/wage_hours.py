"""/api/v1/citizens/<external_id>/wage-hours: the case system's ordinary wage hours per citizen and
month (migration 0044), as the import »Løntimer fra fagsystemet« brings them
(:mod:`portal.imports.wage_hours`), one month per call.

``PUT .../wage-hours/<YYYY-MM>`` sets the month's figure (idempotent: it replaces the figure, the
same figure again is ``unchanged``), ``GET .../wage-hours`` lists a citizen's months,
``GET .../wage-hours/<YYYY-MM>`` gives one, and ``DELETE .../wage-hours/<YYYY-MM>`` removes it (the
import has no removal: a month a file leaves out is kept; a removal is one row and its audit
event, the focus figure reads the rows as they are). The rules are the import's, not a copy:
the row's validation (:func:`portal.imports.wage_hours.validate_row`: hours 0-400 with at most two
decimals, a month from 2000 to the current one, the kind of employment) and its write
(:func:`~portal.imports.wage_hours.upsert_wage_hours`, audited ``wage_hours_imported``). A kind
that is no ordinary wage hours (virksomhedspraktik, løntilskud), which the import skips with a
warning, is refused with 422 here: a call has no report to carry a warning.

The citizen is found and refused as by the citizen endpoints (:func:`portal.api.citizens.by_external_id`):
404 unknown, 410 erased or anonymised, 409 an id several citizens have in other cases, 422 a
CPR-like id; a restricted citizen (art. 18) is 409 on a write and shown without hours on a read.
Staff tokens only; the writes need a token with write access (the guard). Every read of the hours
is audited as a read of the citizen (``citizen_viewed``, "api wage hours").

A citizen whose external id itself ends in ``/wage-hours`` or ``/wage-hours/<YYYY-MM>`` cannot be
reached by the citizen endpoints' GET and PUT at that address (these routes take it); no case
system's key looks like that.
"""
from __future__ import annotations

import math
import re
from datetime import date

import marshmallow as ma
from flask import url_for
from flask_login import current_user

from store.models import Citizen

from store import clock

from .. import audit
from ..dashboard import snapshots
from ..extensions import db
from ..imports import service as imports
from ..imports import wage_hours as rules
from . import common, guard, problems
from .citizens import AMBIGUOUS_409, EXTERNAL_ID, ROUTE, by_external_id, check_external_id

bp = common.blueprint("api_wage_hours", "citizens",
                      "Løntimer pr. måned fra fagsystemet (eIndkomst), efter borgerens eksterne id (kun jobcentret).")
guard.restrict(bp, common.staff_only)

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MONTH_PARAMETER = {"in": "path", "name": "month", "description": (
    "Måneden som ÅÅÅÅ-MM, fx 2026-03: fra januar 2000 til indeværende måned."),
    "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}
MONTH_ROUTE = {"merge_slashes": False, "parameters": [*ROUTE["parameters"], MONTH_PARAMETER]}
MONTH_PROBLEM = "Skriv måneden i adressen som ÅÅÅÅ-MM, fx 2026-03."
# The import's column labels (RowError's problems) as the API's field names.
FIELD_BY_LABEL = {rules.LABELS["external_id"]: "external_id", rules.LABELS["month"]: "month",
                  rules.LABELS["hours"]: "hours", rules.LABELS["kind"]: "employment"}
SOURCES = ("import", "api")
GONE_410 = ("Borgeren med dette eksterne id er slettet (art. 17) eller anonymiseret; stop overførslen af "
            "borgerens løntimer.")
NOT_FOUND_404 = "Der findes ingen borger med det eksterne id."
FROZEN_HEADER_NAME = "Jobbro-Frozen-Months"
FROZEN_HEADER = {FROZEN_HEADER_NAME: {"schema": {"type": "string"}, "description": (
    "Måneder (ÅÅÅÅ-MM, kommasepareret), hvis tal på Mål står fast, og hvis fokusmål tæller den fjernede måned: "
    "deres tal ændres ikke, før en administrator beregner dem igen. Udeladt, når der ingen er.")}}


class Hours(ma.fields.Field):
    """The hours as a JSON number (not text, not true/false); the range and the decimals are the
    import's rule (:func:`portal.placements.forms.parse_hours` through ``validate_row``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ma.ValidationError("Send timerne som et tal, fx 37.5.")
        return value


EMPLOYMENT_HELP = (
    "Valgfri, som importens kolonne Ansættelse: smaajob, ordinaert eller fleksjob (eller Småjob, Ordinært job, "
    "Fleksjob). Udeladt, null eller tom: ordinære løntimer. Virksomhedspraktik og løntilskud er ikke ordinære "
    "løntimer og afvises med 422 (importen springer sådan en række over).")


class WageHoursIn(ma.Schema):
    hours = Hours(required=True, metadata={
        "type": "number", "minimum": 0, "maximum": 400,
        "description": "Ordinære løntimer i måneden, 0-400 med højst to decimaler. Erstatter månedens tal."})
    employment = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=60),
                                  metadata={"description": EMPLOYMENT_HELP})
    month = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=20), metadata={
        "description": "Valgfri (som GET giver den): skal være måneden i adressen."})
    external_id = ma.fields.String(load_default=None, allow_none=True, metadata={
        "description": "Valgfri (som GET giver det): skal være det eksterne id i adressen."})

    @ma.pre_load
    def _drop_read_only(self, data, **_kwargs):
        """An item from GET can be sent back as it is: what only GET gives is ignored here."""
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if key not in ("source", "updated_at", "result")}
        return data


class WageHoursOut(ma.Schema):
    external_id = ma.fields.String(required=True)
    month = ma.fields.Function(lambda row: f"{row.month:%Y-%m}", required=True,
                               metadata={"type": "string", "description": "ÅÅÅÅ-MM."})
    hours = ma.fields.Float(required=True, metadata={"description": "Ordinære løntimer i måneden."})
    source = ma.fields.String(required=True, metadata={"enum": list(SOURCES), "description": (
        "Hvor tallet kom fra: import (importsiden eller kommandoen) eller api.")})
    updated_at = ma.fields.AwareDateTime(required=True, attribute="imported_at",
                                         metadata={"description": "Hvornår tallet sidst blev skrevet."})


class WageHoursPut(WageHoursOut):
    result = ma.fields.String(required=True, metadata={"enum": ["created", "updated", "unchanged"]})
    frozen_months = ma.fields.List(ma.fields.String(), required=True, metadata={"description": (
        "Måneder (ÅÅÅÅ-MM), hvis tal på Mål står fast, og hvis fokusmål tæller den ændrede måned: "
        "deres tal ændres ikke, før en administrator beregner dem igen på /maal. Tom, når intet blev ændret.")})


class WageHoursList(ma.Schema):
    external_id = ma.fields.String(required=True)
    restricted = ma.fields.Boolean(required=True, metadata={"description": (
        "Behandlingen er begrænset (art. 18): så udelades items, og timerne kan ikke ændres (PUT og DELETE giver 409).")})
    items = ma.fields.List(ma.fields.Nested(WageHoursOut), attribute="months", metadata={"description": (
        "Borgerens måneder, ældste først (alle: en borger har højst én pr. måned). Udelades ved begrænset behandling.")})


class _Row:
    """A month's figure as the schemas show it, with the citizen's external id as stored."""

    def __init__(self, external_id: str, row, result: str = "", frozen_months: list[date] = ()) -> None:
        self.external_id, self.month, self.hours = external_id, row.month, row.hours
        self.source, self.imported_at, self.result = row.source, row.imported_at, result
        self.frozen_months = [f"{month:%Y-%m}" for month in frozen_months]


def _citizen(external_id: str) -> Citizen:
    """The citizen as the citizen endpoints find it (404, 409, 410; 422 for a CPR-like id)."""
    check_external_id(external_id, None)
    return by_external_id(external_id)


def _month(text: str) -> date:
    """The path's month (ÅÅÅÅ-MM) as its first day, only its form checked (a read or a removal
    of a month that cannot have a figure is a 404).

    :raise 422: (problem) at ``month`` for another form or a month number outside 1-12.
    """
    match = MONTH.match(text)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        problems.abort(422, errors={"month": [MONTH_PROBLEM]})
    return date(int(match.group(1)), int(match.group(2)), 1)


def _read(citizen: Citizen) -> None:
    audit.record_now("citizen_viewed", citizen_id=citizen.id, purpose="api wage hours")


def _stored(citizen: Citizen, month: date):
    return next((row for row in citizen.prior_wage_hours if row.month == month), None)


@bp.get(f"/{EXTERNAL_ID}/wage-hours", **ROUTE)
@bp.response(200, WageHoursList)
@bp.alt_response(409, description=AMBIGUOUS_409)
@bp.alt_response(410, description=GONE_410)
@bp.alt_response(422, description="Det eksterne id ligner et CPR-nummer eller har mellemrum i enderne.")
def list_wage_hours(external_id: str):
    """Borgerens løntimer pr. måned fra fagsystemet, ældste først (læsningen logges).

    Kun tal, fagsystemet har oplyst (importen eller PUT); de timer, der er registreret på forløb i
    Jobbro, står ikke her. En borger med begrænset behandling vises uden items.
    """
    citizen = _citizen(external_id)
    _read(citizen)
    shown = {"external_id": citizen.external_id, "restricted": citizen.restricted}
    if not citizen.restricted:
        shown["months"] = [_Row(citizen.external_id, row) for row in citizen.prior_wage_hours]
    return shown


@bp.get(f"/{EXTERNAL_ID}/wage-hours/<month>", **MONTH_ROUTE)
@bp.response(200, WageHoursOut)
@bp.alt_response(409, description="Behandlingen af borgerens oplysninger er begrænset (art. 18). Eller: " + AMBIGUOUS_409)
@bp.alt_response(410, description=GONE_410)
@bp.alt_response(422, description="Måneden er ikke skrevet som ÅÅÅÅ-MM, eller det eksterne id ligner et CPR-nummer.")
def get_wage_hours(external_id: str, month: str):
    """Borgerens løntimer i én måned; 404, hvis måneden intet tal har (læsningen logges)."""
    citizen = _citizen(external_id)
    wanted = _month(month)
    _read(citizen)
    if citizen.restricted:
        problems.abort(409, "Behandlingen af borgerens oplysninger er begrænset, så løntimerne vises ikke.")
    row = _stored(citizen, wanted)
    if row is None:
        problems.abort(404, "Borgeren har ingen løntimer fra fagsystemet for denne måned.")
    return _Row(citizen.external_id, row)


@bp.put(f"/{EXTERNAL_ID}/wage-hours/<month>", **MONTH_ROUTE)
@bp.arguments(WageHoursIn)
@bp.response(200, WageHoursPut)
@bp.alt_response(201, schema=WageHoursPut, description="Måneden havde intet tal; det er gemt.")
@bp.alt_response(409, description="Borgeren kan ikke ændres: behandlingen er begrænset (art. 18). Eller: "
                                  + AMBIGUOUS_409)
@bp.alt_response(410, description=GONE_410)
def put_wage_hours(body, external_id: str, month: str):
    """Sæt borgerens ordinære løntimer for måneden (erstatter månedens tal), som importen »Løntimer fra fagsystemet«.

    Samme tal igen ændrer intet (result: unchanged); andre måneder beholdes. ``frozen_months`` nævner
    de måneder på Mål, hvis faste tal ændringen ville have ændret (beregnes igen af en administrator). Reglerne er importens:
    hours 0-400 med højst to decimaler, måneden fra januar 2000 til indeværende måned, og employment
    (valgfri) småjob, ordinært job eller fleksjob; virksomhedspraktik og løntilskud er ikke ordinære
    løntimer og giver 422 (importen springer dem over). Borgeren skal findes i portalen (404; opret den
    med PUT /citizens/{external_id}); en slettet eller anonymiseret borger giver 410, en borger med
    begrænset behandling 409. Logges som importen (»Løntimer fra fagsystemet importeret«).
    """
    citizen = _citizen(external_id)
    for name, path_value in (("external_id", external_id), ("month", month)):
        if body.get(name) is not None and body[name] != path_value:
            problems.abort(422, errors={name: ["Skal være det samme som i adressen."]})
    _month(month)  # the form first (ÅÅÅÅ-MM); the range is the import's rule below
    employment = (body.get("employment") or "").strip()
    kind = rules.kind_key(employment) if employment else ""
    if employment and not kind:
        problems.abort(422, errors={"employment": [
            f"»{employment[:40]}« kendes ikke. Send smaajob, ordinaert eller fleksjob, eller udelad feltet."]})
    try:
        record = rules.validate_row({"external_id": citizen.external_id, "month": month, "hours": body["hours"],
                                     "kind": kind})
    except rules.RowError as err:
        errors: dict[str, list[str]] = {}
        for label, message in err.problems:
            errors.setdefault(FIELD_BY_LABEL.get(label, label), []).append(message)
        problems.abort(422, errors=errors)
    if not record.counted:
        refused = (f"{rules.not_counted_reason(record.kind)}, så timerne gemmes ikke. Send kun timer fra "
                   "småjob, ordinært job eller fleksjob.")
        problems.abort(422, refused, errors={"employment": [refused]})
    try:
        outcome = rules.upsert_wage_hours(db.session, record, actor=current_user, source="api")
        db.session.commit()
    except imports.RecordRefused as err:  # restricted (by_external_id answered the rest)
        db.session.rollback()
        problems.abort(409, err.message_da)
    frozen = ([] if outcome.status == "unchanged"
              else snapshots.frozen_focus_months(db.session, [record.month], clock.today()))
    shown = _Row(citizen.external_id, _stored(citizen, record.month), outcome.status, frozen)
    if outcome.status == "created":
        location = url_for("api_wage_hours.get_wage_hours", external_id=citizen.external_id, month=month)
        return shown, 201, {"Location": location}
    return shown


@bp.delete(f"/{EXTERNAL_ID}/wage-hours/<month>", **MONTH_ROUTE)
@bp.response(204, headers=FROZEN_HEADER)
@bp.alt_response(409, description="Borgeren kan ikke ændres: behandlingen er begrænset (art. 18). Eller: "
                                  + AMBIGUOUS_409)
@bp.alt_response(410, description=GONE_410)
@bp.alt_response(422, description="Måneden er ikke skrevet som ÅÅÅÅ-MM, eller det eksterne id ligner et CPR-nummer.")
def delete_wage_hours(external_id: str, month: str):
    """Fjern borgerens løntimer fra fagsystemet for måneden (fx et tal, der var sendt til den forkerte borger).

    404, hvis måneden intet tal har (også ved en gentagelse). Fokusmålet tæller straks uden
    måneden, undtagen i de måneder på Mål, hvis tal står fast: dem nævner svarets header
    ``Jobbro-Frozen-Months`` (ÅÅÅÅ-MM, kommasepareret; udeladt, når der ingen er), og en
    administrator beregner dem igen på /maal. Logges (»Løntimer fra fagsystemet fjernet«).
    Importen fjerner aldrig en måned.
    """
    citizen = _citizen(external_id)
    wanted = _month(month)
    try:
        removed = rules.remove_wage_hours(db.session, citizen.external_id, wanted, actor=current_user)
    except imports.RecordRefused as err:
        db.session.rollback()
        problems.abort(409, err.message_da)
    if removed is None:
        problems.abort(404, "Borgeren har ingen løntimer fra fagsystemet for denne måned.")
    db.session.commit()
    frozen = snapshots.frozen_focus_months(db.session, [wanted], clock.today())
    return "", 204, ({FROZEN_HEADER_NAME: ", ".join(f"{month:%Y-%m}" for month in frozen)} if frozen else {})
