"""The import of ordinary wage hours per citizen and month (»Løntimer pr. måned«, migration 0044).

The focus goal counts a citizen as met with 100 ordinary wage hours (småjob, ordinært job,
fleksjob) in the last 12 calendar months. Jobbro registers the hours of its own placements; the
hours a citizen worked before Jobbro was taken into use (or in a job Jobbro never registered) are
known to the case system (eIndkomst). This import brings them in: one row per citizen and month,
the citizen found by its external id as the citizen import finds it
(:func:`.service.find_citizen`), the month as »2026-03« or »03.2026« (or a date, or »marts
2026«), the hours as the hours form reads them (0-400, a decimal comma:
:func:`portal.placements.forms.parse_hours`), and optionally the kind of employment: only
småjob, ordinært job and fleksjob are ordinary wage hours (:data:`matching.vocab.WAGE_HOUR_KINDS`);
a row of another kind the portal knows (virksomhedspraktik, løntilskud) is skipped with a warning.

Such a row is »Sprunget over« in the report (status "skipped", counted on its own), not »Uændret«:
nothing was compared. Re-importing a month replaces its figure (idempotent: the same figure again
is »Uændret«); months the file leaves out are kept. As the citizen and opening imports (:mod:`.runner`): a file whose
headers are wrong is refused before anything is written, each row is applied inside a savepoint
(all or nothing), a refused row names its line, column and what is wrong in Danish, a dry run
does the same and rolls back, and the file is audited once (``import_wage_hours``). A row for a
citizen not in the portal, restricted or anonymised is refused. The same citizen and month in
two rows refuses both (one month has one figure: add them up in the file).

Hours for a month inside a frozen /maal month's focus window change no frozen figure (:mod:`portal.dashboard.snapshots`):
the report names each frozen month a created or updated row would have changed
(:func:`frozen_months`, :attr:`.runner.Report.frozen_notes`), to be recomputed on /maal.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from wtforms.validators import ValidationError

from matching.vocab import WAGE_HOUR_KINDS
from store import clock
from store.models import PriorWageHours, User
from store.models.base import utcnow
from store.models.vocab import OPENING_KINDS
from .. import audit
from ..citizens import service as citizen_service
from ..text import clean_line
from ..citizens.service import CPR_ID_MESSAGE, looks_like_cpr
from ..dashboard import snapshots
from ..dashboard.go_live import go_live_day
from ..extensions import db
from ..i18n import format_hours, format_month
from ..placements.forms import parse_hours
from .changes import EMPTY, ShownChange
from .columns import CellError, Column, cell_text, normalise_header
from .reader import FileProblem, read_table
from .runner import (BATCH_SIZE, MAX_LISTED, Report, RowLink, ensure_transaction, finish_report, id_key, in_batches,
                     limited_rows, read_headers, row_values)
from .service import RecordRefused, find_citizen

log = logging.getLogger(__name__)

KIND = "wage_hours"
SOURCE = "import"
COLUMNS: tuple[Column, ...] = (
    Column("external_id", "Eksternt id", ("ekstern id", "external id", "sags id", "sagsid", "borger id", "id"),
           help="Borgerens id i fagsystemet, som i importen af borgere. Borgeren skal findes i portalen."),
    Column("month", "Måned", ("maaned", "lønperiode", "periode", "år og måned", "indkomstmåned"),
           help="Fx 2026-03, 03.2026 eller marts 2026 (en dato tæller som sin måned). Højst indeværende måned."),
    Column("hours", "Løntimer", ("timer", "antal timer", "loentimer", "løntimer i måneden", "timer i måneden"),
           help="Ordinære løntimer i måneden, 0-400, højst to decimaler med komma eller punktum, fx 37,5. "
                "Importeres måneden igen, erstatter det nye tal det gamle."),
    Column("kind", "Ansættelse", ("ansættelsestype", "type", "jobtype", "ansættelsesform", "forløbstype"),
           required=False,
           help="Valgfri: Småjob, Ordinært job eller Fleksjob. Kun de tre er ordinære løntimer; en række med "
                "Virksomhedspraktik eller Løntilskud springes over. Tom eller uden kolonnen: ordinære løntimer."),
)
LABELS = {c.key: c.label for c in COLUMNS}
# The report's outcomes (:data:`.runner.STATUS_LABELS`): a row of a kind that is no ordinary wage
# hours is »Sprunget over« ("skipped"), counted apart from the rows compared with the portal.
STATUSES = ("created", "updated", "unchanged", "skipped", "refused")
EARLIEST_YEAR = 2000
# More forms of the kinds than their keys and labels (OPENING_KINDS), as a case system writes them.
_KIND_ALIASES = {"ordinært": "ordinaert", "ordinær": "ordinaert", "ordinaer": "ordinaert", "ordinært arbejde":
                 "ordinaert", "ordinær ansættelse": "ordinaert", "ordinær beskæftigelse": "ordinaert",
                 "job": "ordinaert", "løn": "ordinaert", "fleksjob": "fleksjob", "flexjob": "fleksjob",
                 "småjob": "smaajob", "smajob": "smaajob", "praktik": "virksomhedspraktik"}
DANISH_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
                 "oktober", "november", "december")
_ISO_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.]\d{1,2})?$")  # 2026-03, 2026-03-01
_DANISH_MONTH = re.compile(r"^(\d{1,2})[-/. ](\d{4})$")  # 03.2026, 3-2026, 03/2026
_DAY_MONTH_YEAR = re.compile(r"^\d{1,2}[-/.](\d{1,2})[-/.](\d{4})$")  # 01.03.2026
_NAMED_MONTH = re.compile(r"^([a-zæøå]+)\.?\s+(\d{4})$")  # marts 2026, mar. 2026
MONTH_MESSAGE = "Skriv måneden som åååå-mm eller mm.åååå, fx 2026-03 eller 03.2026."


class RowError(ValueError):
    """A refused row: ``problems`` lists (column label, Danish message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{c}: {m}" for c, m in problems))
        self.problems = problems


@dataclass(frozen=True)
class WageHoursRecord:
    """One validated row: whose (external id), which month (its first day), how many hours;
    ``counted`` False for a kind that is no ordinary wage hours (the row is skipped)."""

    external_id: str
    month: date
    hours: Decimal
    kind: str = ""
    counted: bool = True


def parse_month(value: object, today: date | None = None) -> date:
    """A month cell as the month's first day.

    Raises:
        CellError: empty, not a month, before :data:`EARLIEST_YEAR` or after the current month.
    """
    if isinstance(value, (datetime, date)):
        month = (value.date() if isinstance(value, datetime) else value).replace(day=1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError("Måneden er et tal, ikke en måned. Formatér cellen som tekst i Excel. " + MONTH_MESSAGE)
    else:
        month = _month_from_text(cell_text(value))
    today = today or clock.today()
    if month.year < EARLIEST_YEAR:
        raise CellError(f"Måneden ligger før {EARLIEST_YEAR}. Ret året.")
    if month > today.replace(day=1):
        raise CellError(f"{format_month(month).capitalize()} er ikke begyndt endnu. Timer kan kun indlæses for "
                        "indeværende og tidligere måneder.")
    return month


def _month_from_text(text: str) -> date:
    text = " ".join(text.casefold().split())
    if not text:
        raise CellError("Skriv måneden. " + MONTH_MESSAGE)
    year = number = None
    if match := _ISO_MONTH.match(text):
        year, number = int(match.group(1)), int(match.group(2))
    elif match := _DANISH_MONTH.match(text):
        number, year = int(match.group(1)), int(match.group(2))
    elif match := _DAY_MONTH_YEAR.match(text):
        number, year = int(match.group(1)), int(match.group(2))
    elif match := _NAMED_MONTH.match(text):
        name, year = match.group(1), int(match.group(2))
        found = [i for i, month in enumerate(DANISH_MONTHS, 1) if len(name) >= 3 and month.startswith(name)]
        number = found[0] if len(found) == 1 else None
    if year is None or number is None or not 1 <= number <= 12:
        raise CellError(f"»{text[:20]}« er ikke en måned. " + MONTH_MESSAGE)
    return date(year, number, 1)


def kind_key(text: str) -> str:
    """The kind (a key of OPENING_KINDS) given by key, label or a common form; "" if unknown."""
    folded = normalise_header(text)
    for key, label in OPENING_KINDS.items():
        if folded in (normalise_header(key), normalise_header(label)):
            return key
    return _KIND_ALIASES.get(folded, "")


def validate_row(values: dict, today: date | None = None) -> WageHoursRecord:
    """A validated record from column keys to cell values.

    Raises:
        RowError: one or more cells are invalid (nothing is written for the row).
    """
    problems: list[tuple[str, str]] = []
    external_id = ""
    try:
        external_id = clean_line(cell_text(values.get("external_id")))
        if not external_id:
            problems.append((LABELS["external_id"], "Skriv borgerens eksterne id."))
        elif looks_like_cpr(external_id):
            problems.append((LABELS["external_id"], CPR_ID_MESSAGE))
        elif len(external_id) > 64:
            problems.append((LABELS["external_id"], "Det eksterne id må højst være 64 tegn."))
    except CellError as exc:
        problems.append((LABELS["external_id"], exc.message_da))
    month = hours = None
    try:
        month = parse_month(values.get("month"), today)
    except CellError as exc:
        problems.append((LABELS["month"], exc.message_da))
    try:
        hours = parse_hours(cell_text(values.get("hours")))
    except CellError as exc:
        problems.append((LABELS["hours"], exc.message_da))
    except ValidationError as exc:
        problems.append((LABELS["hours"], str(exc)))
    kind = ""
    try:
        typed = cell_text(values.get("kind"))
        if typed:
            kind = kind_key(typed)
            if not kind:
                problems.append((LABELS["kind"], f"»{typed[:40]}« kendes ikke. Brug Småjob, Ordinært job eller "
                                                 "Fleksjob (eller lad cellen stå tom)."))
    except CellError as exc:
        problems.append((LABELS["kind"], exc.message_da))
    if problems:
        raise RowError(problems)
    return WageHoursRecord(external_id, month, hours, kind, counted=not kind or kind in WAGE_HOUR_KINDS)


def not_counted_reason(kind: str) -> str:
    """Why hours of ``kind`` (not ordinary wage hours) are not kept: the import's warning and the
    API's refusal (:mod:`portal.api.wage_hours`) say it alike."""
    return (f"{OPENING_KINDS[kind]} er ikke ordinære løntimer (kun småjob, ordinært job og fleksjob tæller i "
            "fokusmålet)")


def not_counted_warning(kind: str, dry_run: bool) -> str:
    """The warning of a row skipped for its kind (not ordinary wage hours)."""
    return f"{not_counted_reason(kind)}, så rækken {'springes' if dry_run else 'er sprunget'} over."


@dataclass(frozen=True)
class Outcome:
    status: str  # "created", "updated" or "unchanged"
    citizen_id: int
    old: Decimal | None = None


def upsert_wage_hours(session, record: WageHoursRecord, actor: User | None = None, source: str = SOURCE) -> Outcome:
    """Write the month's figure for the record's citizen (replacing an earlier one).

    ``source`` is where the figure came from: "import" (the page or the command) or "api" (the
    case system's call, :mod:`portal.api.wage_hours`); both are audited as ``wage_hours_imported``
    with the month (the API's as "api 2026-03").

    Raises:
        RecordRefused: no citizen in the portal has the id (an erased one has none), or the citizen
            is restricted or anonymised, or the id is several citizens'. The import never creates a
            citizen, so an id blocked after an erasure needs no check of its own.
    """
    citizen = _editable_citizen(session, record.external_id)
    row = _month_row(session, citizen.id, record.month)
    if row is not None and Decimal(row.hours) == record.hours:
        return Outcome("unchanged", citizen.id, Decimal(row.hours))
    old = Decimal(row.hours) if row is not None else None
    if row is None:
        session.add(PriorWageHours(citizen_id=citizen.id, month=record.month, hours=record.hours, source=source,
                                   imported_at=utcnow()))
    else:
        row.hours, row.source, row.imported_at = record.hours, source, utcnow()
    audit.record("wage_hours_imported", citizen_id=citizen.id, purpose=_audited_month(record.month, source),
                 user=actor)
    session.flush()
    return Outcome("created" if row is None else "updated", citizen.id, old)


def remove_wage_hours(session, external_id: str, month: date, actor: User | None = None,
                      source: str = "api") -> Decimal | None:
    """Delete the citizen's figure for ``month`` (the API's DELETE; the import keeps months a
    file leaves out). Returns the hours deleted, None when the month had no figure (nothing is
    written). Audited as ``wage_hours_removed`` with the month.

    Raises:
        RecordRefused: as :func:`upsert_wage_hours` (no such citizen, restricted, anonymised, ambiguous id).
    """
    citizen = _editable_citizen(session, external_id)
    row = _month_row(session, citizen.id, month)
    if row is None:
        return None
    hours = Decimal(row.hours)
    session.delete(row)
    audit.record("wage_hours_removed", citizen_id=citizen.id, purpose=_audited_month(month, source), user=actor)
    session.flush()
    return hours


def _audited_month(month: date, source: str) -> str:
    """The audit purpose of a month written or removed: "2026-03" by the import, "api 2026-03" by the API."""
    return f"{month:%Y-%m}" if source == SOURCE else f"api {month:%Y-%m}"


def _editable_citizen(session, external_id: str):
    """The citizen with ``external_id``, who may be changed.

    Raises:
        RecordRefused: none (an erased one has none), restricted, anonymised, or the id is several citizens'.
    """
    citizen = find_citizen(session, external_id)
    if citizen is None:
        raise RecordRefused("Ingen borger i portalen har dette eksterne id. Importér borgeren først (»Borgere fra "
                            "fagsystemet«), eller ret id'et.", LABELS["external_id"])
    try:
        citizen_service.ensure_editable(citizen)
    except citizen_service.CitizenChangeError as exc:
        raise RecordRefused(exc.message_da, LABELS["external_id"]) from None
    return citizen


def _month_row(session, citizen_id: int, month: date) -> PriorWageHours | None:
    return session.scalar(sa.select(PriorWageHours).where(PriorWageHours.citizen_id == citizen_id,
                                                          PriorWageHours.month == month))


@dataclass
class _Run:
    dry_run: bool
    actor_id: int | None
    today: date
    duplicates: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    changed: set[date] = field(default_factory=set)  # months a row created or updated (or would)


def run_wage_hours(source: BinaryIO, filename: str, *, actor: User | None, dry_run: bool,
                   batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None,
                   on_total: Callable[[int], None] | None = None, max_rows: int | None = None,
                   too_many: str = "") -> Report:
    """Import ``source`` (CSV or XLSX) of wage hours per citizen and month; return the report
    (the same :class:`.runner.Report` as the other kinds; ``kind`` "wage_hours")."""
    report = Report(KIND, filename, dry_run, counts=dict.fromkeys(STATUSES, 0))
    try:
        headers = read_headers(source, filename, COLUMNS, report)
        if headers is None:
            return finish_report(report, actor)
        run = _Run(dry_run, getattr(actor, "id", None), clock.today())
        total = _first_pass(source, headers.positions, run, max_rows, too_many)
    except FileProblem as exc:
        report.file_problems.append(exc.message_da)
        return finish_report(report, actor)
    if on_total:
        on_total(total)
    _second_pass(source, headers.positions, run, report, batch_size, progress)
    report.frozen_months = frozen_months(run.changed, run.today)
    return finish_report(report, actor)


def frozen_months(changed: set[date], today: date) -> list[tuple[date, bool]]:
    """The frozen /maal months whose focus figures hours for the ``changed`` months would have
    changed (:func:`portal.dashboard.snapshots.frozen_focus_months`: kept, final, with one of
    them in their 12 calendar months), oldest first, each with whether /maal still offers it
    (where an administrator recomputes it)."""
    frozen = snapshots.frozen_focus_months(db.session, changed, today)
    offered = set(snapshots.offered_months(today, go_live_day())) if frozen else set()
    return [(month, month in offered) for month in frozen]


def _key(values: dict, today: date) -> tuple[str, str] | None:
    """(folded id, month) of a row whose hours count, for finding the same month twice; None
    for a row whose id or month cannot be read (it is refused for that) or that is skipped."""
    try:
        external_id = cell_text(values.get("external_id"))
        kind = cell_text(values.get("kind"))
        month = parse_month(values.get("month"), today)
    except CellError:
        return None
    if not external_id or (kind and kind_key(kind) not in WAGE_HOUR_KINDS):
        return None
    return id_key(external_id, True), month.isoformat()


def _first_pass(source: BinaryIO, positions: dict[str, int], run: _Run, max_rows: int | None,
                too_many: str) -> int:
    """The number of data rows; the rows of a citizen and month given twice go in ``run.duplicates``."""
    first_row: dict[tuple[str, str], int] = {}
    total = 0
    for number, cells in limited_rows(source, max_rows, too_many):
        total += 1
        key = _key(row_values(cells, positions), run.today)
        if key is None:
            continue
        if key in first_row:
            run.duplicates.setdefault(key, [first_row[key]]).append(number)
        else:
            first_row[key] = number
    return total


def _second_pass(source, positions, run: _Run, report: Report, batch_size: int, progress) -> None:
    in_batches(read_table(source)[1], lambda number, cells: _one_row(number, row_values(cells, positions), run, report),
               _BatchContext(run.dry_run), batch_size, progress)


@dataclass
class _BatchContext:
    """What :func:`.runner.end_batch` reads: roll back a dry run, commit a real one (no files)."""

    dry_run: bool
    cv_folder: str | None = None
    stored: list[str] = field(default_factory=list)


def _shown_id(values: dict) -> str:
    """The row's id as the report lists it (a CPR number never: the report goes to logs)."""
    try:
        text = cell_text(values.get("external_id"))
    except CellError:
        return ""
    return "[cpr]" if looks_like_cpr(text) else text


def _one_row(number: int, values: dict, run: _Run, report: Report) -> None:
    external_id = _shown_id(values)
    problems: list[tuple[str, str]] = []
    if (key := _key(values, run.today)) in run.duplicates:
        rows = ", ".join(str(r) for r in run.duplicates[key][:20])
        problems.append((LABELS["month"], f"Borgeren har samme måned i flere rækker ({rows}). En måned har ét tal: "
                                          "læg timerne sammen i én række."))
    try:
        record = validate_row(values, run.today)
    except RowError as exc:
        problems += exc.problems
        record = None
    if problems:
        first, *rest = problems
        report.refuse(number, external_id, *first, more=rest)
        return
    if not record.counted:
        # Nothing is compared or written: the row is »Sprunget over«, never »Uændret«, and listed
        # with its warning (linked to the citizen when the portal has one).
        report.counts["skipped"] += 1
        if len(report.links) < MAX_LISTED:
            report.links.append(RowLink(number, external_id, "skipped", _citizen_id(record.external_id),
                                        warnings=(not_counted_warning(record.kind, run.dry_run),)))
        return
    try:
        actor = db.session.get(User, run.actor_id) if run.actor_id else None
        ensure_transaction()
        with db.session.begin_nested():
            outcome = upsert_wage_hours(db.session, record, actor)
    except RecordRefused as exc:
        report.refuse(number, external_id, exc.column or LABELS["external_id"], exc.message_da)
        return
    except SQLAlchemyError as exc:
        log.warning("wage hours row %s not saved: %s", number, type(exc).__name__)
        report.refuse(number, external_id, "", "Rækken kunne ikke gemmes (den strider mod data i portalen).")
        return
    report.counts[outcome.status] += 1
    if outcome.status in ("created", "updated"):
        run.changed.add(record.month)
    if outcome.status != "unchanged" and len(report.links) < MAX_LISTED:
        change = ShownChange(f"Løntimer {format_month(record.month)}",
                             EMPTY if outcome.old is None else format_hours(outcome.old), format_hours(record.hours))
        report.links.append(RowLink(number, external_id, outcome.status, outcome.citizen_id, (change,)))


def _citizen_id(external_id: str) -> int | None:
    try:
        citizen = find_citizen(db.session, external_id)
    except RecordRefused:
        return None
    return citizen.id if citizen is not None else None
