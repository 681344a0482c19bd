"""Apply a whole file: two streaming passes, row-atomic writes, batch commits, one report.

Pass 1 reads only the external ids (duplicates refuse all their rows, a damaged file is
refused before anything is written; two citizen ids are the same by the web's rule, trimmed and
without regard to upper or lower case, review AV 7). Pass 2 validates each row and applies it inside a
savepoint, so a row is all or nothing, and commits every ``batch_size`` rows so 100,000
rows never make one huge transaction. A dry run does exactly the same and rolls each batch
back, so its report is the real run's report. Memory holds the counts, the external ids
(for duplicates) and at most ``MAX_LISTED`` refused rows and listed rows, never the rows.

Each created or updated row is listed (up to ``MAX_LISTED``) with, for an update, every
changed field from what to what (:mod:`.changes`), so the dry run shows what an edit made
in the portal would lose. A CV file in the zip that fails the upload checks does not refuse
its row: the row is applied without it and listed with a warning (the CV can be uploaded on
the citizen's page); only a row refused for its own cells also names its CV file's problem.
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from .. import audit
from ..citizens import service as citizen_service
from ..citizens.uploads import ExtractionError, delete_stored
from ..extensions import db
from ..i18n import and_list, format_date, format_month, format_number
from ..notifications import assigned
from store.models import Citizen, Team, User
from store.models.base import utcnow
from . import citizens, lookalikes, openings
from .changes import ShownChange, shown_changes
from .citizens import RowError
from .columns import CellError, Column, HeaderMap, cell_text, match_headers
from .cvzip import CvArchive, open_archive
from .lookalikes import LOOKALIKE_CHOICES
from .reader import FileProblem, read_table
from .service import RecordRefused, upsert_citizen, upsert_opening

log = logging.getLogger(__name__)

MAX_ROWS = 200_000
MAX_LISTED = 1_000
NO_ROWS = ("Filen har ingen rækker under overskrifterne. Skriv en række pr. post under kolonneoverskrifterne "
           "(række 2 og frem), og prøv igen.")
BATCH_SIZE = 500
# The kinds of file, with the word of their template's name; »loentimer«: :mod:`.wage_hours`
# (its own runner, reusing this module's report, batches and audit).
KINDS = {"citizens": "borgere", "openings": "opslag", "wage_hours": "loentimer"}
STATUS_LABELS = {"created": "Oprettet", "updated": "Opdateret", "unchanged": "Uændret", "refused": "Afvist",
                 "skipped": "Sprunget over"}
# The outcomes every kind counts; "skipped" (a row the import leaves out on purpose, with a warning:
# nothing was compared, so it is not »Uændret«) only the kinds that skip rows (wage hours).
COUNTED = ("created", "updated", "unchanged", "refused")
# A citizen the file created without a VK, on no team (review AV 1).
NO_TEAM_WARNING = ("Borgeren har hverken virksomhedskonsulent eller team og står derfor ikke på nogen "
                   "konsulents liste, kun under »Alle borgere«. Tildel en virksomhedskonsulent.")


@dataclass(frozen=True)
class RowProblem:
    """A refused row: spreadsheet row number, external id, column label and Danish message.

    ``goals_of`` is the id of an existing citizen whose jobmål page the fix is on (a jobmål
    with a health word is confirmed there), else None.
    """

    row: int
    external_id: str
    column: str
    message: str
    goals_of: int | None = None
    duplicate_of: tuple[int, ...] = ()  # the citizens in the portal the row looks like


@dataclass(frozen=True)
class RowLink:
    """A created or updated row (or one applied with a warning), for a link to the citizen or
    opening, with an update's changed fields and the row's warnings."""

    row: int
    external_id: str
    status: str
    entity_id: int | None  # None: a skipped row whose citizen is not in the portal (nothing to link to)
    changes: tuple[ShownChange, ...] = ()
    warnings: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # what keeps a citizen from matching (missing_for_matching)
    closed_on: date | None = None  # the citizen's case is closed in the portal (not matched)
    closed_note: str = ""  # the warning for that (:func:`closed_warning`), shown with a link to the case
    no_team: bool = False  # created without a VK and without a team: on nobody's work list (NO_TEAM_WARNING)

    @property
    def all_warnings(self) -> tuple[str, ...]:
        """The row's warnings with the closed case's and the missing team's (the CLI, the JSON)."""
        return (*self.warnings, *((self.closed_note,) if self.closed_note else ()),
                *((NO_TEAM_WARNING,) if self.no_team else ()))


@dataclass
class Report:
    """Counts per outcome, the refused rows (capped) and what stopped the file, if anything."""

    kind: str
    filename: str
    dry_run: bool
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    problems: list[RowProblem] = field(default_factory=list)
    links: list[RowLink] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem_count: int = 0
    refused_ids: set[str] = field(default_factory=set)  # every refused row's external id (not capped)
    # Created or updated citizens that cannot be matched yet, and how many lack each item.
    unmatchable: int = 0
    missing_counts: dict[str, int] = field(default_factory=dict)
    # Created or updated citizens whose case is closed in the portal: not matched, and the
    # import does not reopen them (a reopening is a person's decision, with a reason).
    closed: int = 0
    # Citizens each VK was given by the file (created with them, or moved to them): told once
    # at the end of a real import (review AV 6).
    given_to_vk: dict[int, int] = field(default_factory=dict)
    # Citizens the file took from their VK (made someone else VK): each such VK told once, by the
    # citizens' numbers, at the end of a real import (caseload_removed).
    taken_from_vk: dict[int, list[int]] = field(default_factory=dict)
    # Advisers who stay on citizens the file gave another VK: (citizen, new VK) pairs per adviser,
    # each adviser told once, as the web and the API tell one (caseload_changed).
    kept_by_adviser: dict[int, list[tuple[int, int | None]]] = field(default_factory=dict)
    # Citizens created without a VK (review AV 1): put on the import's team, or on none (then
    # they are on no consultant's work list until someone gives them a VK).
    without_vk_team: int = 0
    without_vk_nowhere: int = 0
    team_name: str = ""
    # Wage hours only (:mod:`.wage_hours`): the frozen months of /maal whose focus figures the
    # months the file created or updated would have changed, oldest first, each with whether /maal
    # still offers it (where an administrator recomputes it, »Beregn … igen«).
    frozen_months: list[tuple[date, bool]] = field(default_factory=list)

    @property
    def frozen_notes(self) -> list[str]:
        """What the report says of :attr:`frozen_months` (the page and the CLI alike; none: [])."""
        if not self.frozen_months:
            return []
        one = len(self.frozen_months) == 1
        names = and_list(format_month(month) for month, _offered in self.frozen_months)
        said = (f"Importen vil ikke ændre de faste tal for fokusmålet for {names}" if self.dry_run else
                f"Importen har ikke ændret de faste tal for fokusmålet for {names}")
        notes = [f"{said}: {'månedens' if one else 'månedernes'} tal er opgjort og står fast, selv om "
                 f"{'dens' if one else 'deres'} fokusmål tæller løntimer fra måneder, filen "
                 f"{'opretter eller ændrer' if self.dry_run else 'har oprettet eller ændret'}. "
                 f"{'Efter importen skal en administrator' if self.dry_run else 'En administrator skal'} "
                 f"beregne {'den' if one else 'dem'} igen på Mål (vælg måneden, og tryk »Beregn … igen ud fra "
                 "dagens data«), så løntimerne tæller med."]
        if gone := [format_month(month) for month, offered in self.frozen_months if not offered]:
            notes.append(f"{and_list(gone)} vises ikke længere på Mål og kan ikke beregnes igen der.")
        return notes

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def truncated(self) -> bool:
        return self.problem_count > len(self.problems)

    def refuse(self, row: int, external_id: str, column: str, message: str,
               more: list[tuple[str, str]] = (), goals_of: int | None = None,
               duplicate_of: tuple[int, ...] = ()) -> None:
        """Count one refused row; list each of its problems (up to ``MAX_LISTED`` in all)."""
        self.counts["refused"] += 1
        self.refused_ids.add(external_id)
        for column_label, text in [(column, message), *more]:
            self.problem_count += 1
            if len(self.problems) < MAX_LISTED:
                link = goals_of if column_label == citizens.LABELS["job_goals"] else None
                self.problems.append(RowProblem(row, external_id[:64], column_label, text, link,
                                                duplicate_of if column_label == column else ()))

    @property
    def links_truncated(self) -> bool:
        listed = self.counts["created"] + self.counts["updated"] + self.counts.get("skipped", 0)
        return len(self.links) >= MAX_LISTED and listed > len(self.links)

    @property
    def status_labels(self) -> dict[str, str]:
        """The Danish label of each outcome this report counts, in the order of its counts."""
        return {key: STATUS_LABELS[key] for key in self.counts}

    def to_dict(self) -> dict:
        """JSON-ready summary (the CLI prints it)."""
        # Changed fields by label only: the values are personal data, and this goes to logs.
        return {"kind": self.kind, "file": self.filename, "dry_run": self.dry_run, "counts": self.counts,
                "file_problems": self.file_problems, "notes": self.notes,
                "unmatchable": self.unmatchable, "missing_for_matching": self.missing_counts,
                "closed_cases": self.closed,
                "frozen_months": [f"{month:%Y-%m}" for month, _offered in self.frozen_months],
                "created_without_vk": {"team": self.without_vk_team, "no_team": self.without_vk_nowhere},
                "refused": [{k: (list(v) if k == "duplicate_of" else v) for k, v in p.__dict__.items()
                             if k != "goals_of"} for p in self.problems],
                "rows": [{"row": r.row, "external_id": r.external_id, "status": r.status,
                          "changed": [c.label for c in r.changes],
                          "warnings": list(r.all_warnings),
                          "missing_for_matching": list(r.missing),
                          "case_closed": r.closed_on.isoformat() if r.closed_on else None}
                         for r in self.links]}


@dataclass
class _Context:
    kind: str
    actor_id: int | None
    dry_run: bool
    cv_folder: str | None
    directory: dict
    archive: CvArchive | None = None
    stored: list[str] = field(default_factory=list)
    lookalikes: str = "refuse"  # a new citizen like one in the portal: LOOKALIKE_CHOICES
    team_id: int | None = None  # a new citizen without a VK gets this team (else the actor's)
    started: datetime = field(default_factory=utcnow)  # citizens created since: rows of this file


def read_headers(source: BinaryIO, filename: str, columns: tuple[Column, ...], report: Report) -> HeaderMap | None:
    """The file's header row matched to ``columns``; None when it cannot be used (the problems
    are in ``report``). Columns the import does not know are noted in ``report`` and skipped.

    Raises:
        FileProblem: the file cannot be read as CSV or XLSX.
    """
    table, _rows = read_table(source, filename)
    headers = match_headers(table.headers, columns)
    if headers.problems:
        report.file_problems += headers.problems
        return None
    if headers.unknown:
        report.notes.append(("Denne kolonne kendes ikke og er sprunget over: " if len(headers.unknown) == 1 else
                             "Disse kolonner kendes ikke og er sprunget over: ") + ", ".join(headers.unknown[:20]))
    return headers


def run_import(kind: str, source: BinaryIO, filename: str, *, actor: User | None, dry_run: bool,
               cvs: BinaryIO | None = None, cv_folder: str | None = None, batch_size: int = BATCH_SIZE,
               progress: Callable[[int], None] | None = None,
               on_total: Callable[[int], None] | None = None, max_rows: int | None = None,
               too_many: str = "", lookalikes: str = "refuse", team_id: int | None = None) -> Report:
    """Import ``source`` (CSV or XLSX) as ``kind`` ("citizens" or "openings"); return the report.

    Args:
        source: the file, opened in binary mode and seekable (it is read twice).
        filename: shown in the report and the audit log (never used as a path).
        actor: the user the audit log names (None for an unattended CLI run).
        dry_run: validate and report, write nothing.
        cvs: optional zip of CV files named by external id (citizens only).
        cv_folder: where CV files are stored (the app's UPLOAD_FOLDER).
        progress: called with the number of rows handled since the last call.
        on_total: called once with the number of data rows, before pass 2.
        max_rows: more data rows than this (default ``MAX_ROWS``) refuse the whole file before
            anything is written.
        too_many: the Danish message for that (default: split the file).
        lookalikes: a row that would create a citizen like one in the portal (the same name and
            the same e-mail or phone, :func:`portal.citizens.service.likely_duplicates`):
            "refuse" it, naming that citizen (default); "attach" its external id to that
            citizen when it is the only one and has none, then update it from the row; or
            "create" it anyway.
        team_id: the team of a citizen the file creates without a VK (None: the actor's team;
            0: none). A citizen created on no team is warned of in the report.
    """
    if lookalikes not in LOOKALIKE_CHOICES:
        raise ValueError(f"lookalikes must be one of {LOOKALIKE_CHOICES}")
    report = Report(kind, filename, dry_run)
    columns = citizens.COLUMNS if kind == "citizens" else openings.COLUMNS
    try:
        headers = read_headers(source, filename, columns, report)
        if headers is None:
            return finish_report(report, actor)
        duplicates, total = _first_pass(source, headers.positions["external_id"], max_rows, too_many,
                                        fold=kind == "citizens")
        archive = open_archive(cvs) if cvs is not None and kind == "citizens" else None
    except FileProblem as exc:
        report.file_problems.append(exc.message_da)
        return finish_report(report, actor)
    if archive is not None:
        report.notes += [f"CV-filen {name}: {message}" for name, message in archive.refused[:MAX_LISTED]]
    if on_total:
        on_total(total)
    directory = citizens.consultant_directory() if kind == "citizens" else openings.company_directory()
    context = _Context(kind, getattr(actor, "id", None), dry_run, None if dry_run else cv_folder, directory, archive,
                       lookalikes=lookalikes,
                       team_id=getattr(actor, "team_id", None) if team_id is None else (team_id or None))
    if kind == "citizens" and context.team_id is not None:
        team = db.session.get(Team, context.team_id)
        report.team_name = team.name if team is not None else ""
    _second_pass(source, headers.positions, duplicates, context, report, batch_size, progress)
    if not dry_run and (report.given_to_vk or report.taken_from_vk or report.kept_by_adviser):
        _tell_vks(report.given_to_vk, report.taken_from_vk, report.kept_by_adviser)
    if archive is not None:
        of_refused, unnamed = archive.unused(frozenset(report.refused_ids))
        if of_refused:
            report.notes.append(("Denne CV-fil hører til en afvist række og er ikke importeret; ret rækken og "
                                 "importér igen: " if len(of_refused) == 1 else
                                 "Disse CV-filer hører til afviste rækker og er ikke importeret; ret rækkerne og "
                                 "importér igen: ") + ", ".join(of_refused[:50]))
        if unnamed:
            report.notes.append(("Ingen række har det eksterne id til denne CV-fil: " if len(unnamed) == 1 else
                                 "Ingen række har det eksterne id til disse CV-filer: ") + ", ".join(unnamed[:50]))
    return finish_report(report, actor)


def id_key(external_id: str, fold: bool) -> str:
    """The key rows are compared by: a citizen's id by the web's rule (review AV 7:
    :func:`portal.citizens.service.folded_external_id`, trimmed and without regard to upper or
    lower case, so »AV-9« and » av-9«, »ÆØ-1« and »æø-1« are one citizen), an opening's as written."""
    return citizen_service.folded_external_id(external_id) if fold else external_id


def _first_pass(source: BinaryIO, id_position: int, max_rows: int | None = None,
                too_many: str = "", fold: bool = False) -> tuple[dict[str, list[int]], int]:
    """The duplicated ids (by :func:`id_key`) with their rows, and the number of data rows."""
    first_row: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    total = 0
    for number, cells in limited_rows(source, max_rows, too_many):
        total += 1
        try:
            external_id = cell_text(cells[id_position]) if id_position < len(cells) else ""
        except CellError:
            continue
        key = id_key(external_id, fold)
        if not key:
            continue
        if key in first_row:
            duplicates.setdefault(key, [first_row[key]]).append(number)
        else:
            first_row[key] = number
    return duplicates, total


def _second_pass(source, positions, duplicates, context, report, batch_size, progress) -> None:
    def one(number: int, cells: list) -> None:
        _one_row(number, row_values(cells, positions), duplicates, context, report)

    in_batches(read_table(source)[1], one, context, batch_size, progress)


def limited_rows(source: BinaryIO, max_rows: int | None = None, too_many: str = "") -> Iterator[tuple[int, list]]:
    """The file's data rows as (row number, cells), from the start of ``source``.

    Raises:
        FileProblem: past ``max_rows`` rows (default :data:`MAX_ROWS`), with ``too_many`` or a
            message saying to split the file; or, at the end, :data:`NO_ROWS` for a file with
            the header row and nothing under it (a report of zeros would say nothing).
    """
    max_rows = MAX_ROWS if max_rows is None else max_rows
    _table, rows = read_table(source)
    count = 0
    for count, row in enumerate(rows, 1):
        if count > max_rows:
            raise FileProblem(too_many or f"Filen har mere end {format_number(max_rows)} rækker. "
                                          "Del den op i flere filer.")
        yield row
    if not count:
        raise FileProblem(NO_ROWS)


def row_values(cells: list, positions: dict[str, int]) -> dict:
    """The row's cells by column key (None for a cell past the row's end)."""
    width = len(cells)
    return {key: (cells[i] if i < width else None) for key, i in positions.items()}


def in_batches(rows: Iterable[tuple[int, list]], handle: Callable[[int, list], None], context,
               batch_size: int, progress: Callable[[int], None] | None) -> None:
    """``handle`` each row, ending a batch (:func:`end_batch`: commit, or roll back a dry run)
    every ``batch_size`` rows and at the end, and telling ``progress`` the rows done."""
    pending = 0
    for number, cells in rows:
        handle(number, cells)
        pending += 1
        if pending >= batch_size:
            end_batch(context)
            if progress:
                progress(pending)
            pending = 0
    end_batch(context)
    if progress and pending:
        progress(pending)


def _one_row(number: int, values: dict, duplicates: dict, context: _Context, report: Report) -> None:
    try:
        external_id = cell_text(values.get("external_id"))
    except CellError:
        external_id = ""
    # A duplicated id refuses the row, but its cells are still checked: the report lists every
    # problem of the row at once, not the next one only after the id is fixed.
    problems: list[tuple[str, str]] = []
    if (key := id_key(external_id, context.kind == "citizens")) in duplicates:
        rows = ", ".join(str(r) for r in duplicates[key][:20])
        problems.append(("Eksternt id", f"Det eksterne id står i flere rækker ({rows}). "
                                        "Ret filen, så hvert id kun står én gang."
                                        + (" Id'er sammenlignes uden forskel på store og små bogstaver."
                                           if context.kind == "citizens" else "")))

    def refuse(*more: tuple[str, str], goals_of: int | None = None) -> None:
        first, *rest = [*problems, *more]
        report.refuse(number, external_id, *first, more=rest, goals_of=goals_of)

    cv_problem = ""
    try:
        record = (citizens.validate_citizen(values, context.directory) if context.kind == "citizens"
                  else openings.validate_opening(values, context.directory))
        if context.archive is not None:
            record, cv_problem = _with_cv(record, context.archive)
        if problems:
            refuse(*([("CV-fil", cv_problem)] if cv_problem else []))
            return
        actor = db.session.get(User, context.actor_id) if context.actor_id else None
        ensure_transaction()
        attached = None
        likely = lookalikes.likely(record) if context.kind == "citizens" else []
        if likely and context.lookalikes != "create":
            attached = lookalikes.attachable(likely) if context.lookalikes == "attach" else None
            if attached is None:
                # One created by an earlier row of this file is named by its external id, never
                # linked: in a dry run its id belongs to nobody.
                earlier = {d.citizen.id for d in likely
                           if d.citizen.external_id and d.citizen.created_at >= context.started}
                report.refuse(number, external_id, citizens.LABELS["name"],
                              lookalikes.message(likely, context.lookalikes, earlier),
                              duplicate_of=tuple(d.citizen.id for d in likely if d.citizen.id not in earlier))
                return
        with db.session.begin_nested():
            if attached is not None:
                lookalikes.attach(attached, record.external_id, actor)
            # announce=False: the VKs are told in one summary each after the file (_tell_vks)
            outcome = (upsert_citizen(db.session, record, actor=actor, cv_folder=context.cv_folder,
                                      team_id=context.team_id or 0, announce=False)
                       if context.kind == "citizens" else upsert_opening(db.session, record, actor=actor))
            if likely and context.lookalikes == "create" and outcome.status == "created":
                # »Opret alligevel« audited as the web's and the API's (review BN 3)
                citizen_service.record_created_anyway(outcome.entity_id, likely, actor=actor, action="citizen_imported")
    except RowError as exc:
        # The row's CV file is judged too, so a file problem does not wait for the next round.
        cv_problem = (context.archive.problem_for(external_id)
                      if context.archive is not None and external_id else None)
        refuse(*exc.problems, *([("CV-fil", cv_problem)] if cv_problem else []), goals_of=exc.goals_of)
        return
    except RecordRefused as exc:
        report.refuse(number, external_id, exc.column or "Eksternt id", exc.message_da)
        return
    except SQLAlchemyError as exc:
        log.warning("import row %s not saved: %s", number, type(exc).__name__)
        report.refuse(number, external_id, "", "Rækken kunne ikke gemmes (den strider mod data i portalen).")
        return
    context.stored += list(outcome.stored_files)
    report.counts[outcome.status] += 1
    if context.kind == "citizens" and record.vk_id is not None and (
            outcome.status == "created" or "vk" in outcome.changed):
        report.given_to_vk[record.vk_id] = report.given_to_vk.get(record.vk_id, 0) + 1
    if context.kind == "citizens" and outcome.status == "updated":
        for change in outcome.changes:
            if change.field == "vk" and change.old is not None and change.old != change.new:
                report.taken_from_vk.setdefault(change.old, []).append(outcome.entity_id)
            if change.field == "vk" and change.old != change.new:
                _note_kept_adviser(report, outcome.entity_id, change.old, change.new)
    warnings = (_cv_warning(cv_problem, outcome.status, context.dry_run),) if cv_problem else ()
    if outcome.left_behind:
        warnings += (_left_behind_warning(outcome.left_behind, context.dry_run),)
    if attached is not None:
        warnings += (f"Id'et i fagsystemet {'knyttes' if context.dry_run else 'er knyttet'} til borger nr. "
                     f"{attached.id}, som var oprettet i portalen uden id og har samme navn og samme "
                     "e-mail eller telefon; borgeren opdateres fra rækken.",)
    missing, closed_on = _missing_for_matching(context, outcome, report)
    closed_note = closed_warning(closed_on, context.dry_run) if closed_on is not None else ""
    no_team = False
    if context.kind == "citizens" and outcome.status == "created" and record.vk_id is None:
        no_team = context.team_id is None
        if no_team:
            report.without_vk_nowhere += 1
        else:
            report.without_vk_team += 1
    if (outcome.status != "unchanged" or warnings) and len(report.links) < MAX_LISTED:
        report.links.append(RowLink(number, external_id, outcome.status, outcome.entity_id,
                                    shown_changes(outcome.changes), warnings, missing, closed_on, closed_note,
                                    no_team))


def closed_warning(closed_on: date, dry_run: bool) -> str:
    """The row's warning for a citizen whose case is closed in the portal (review AV 3): the
    row is applied, but the citizen is not matched, and the import does not reopen the case
    (a file has no case status, and a reopening is a consultant's decision with a reason)."""
    applied = "opdateres" if dry_run else "er opdateret"
    return (f"Sagen er afsluttet i portalen ({format_date(closed_on)}). Borgeren {applied}, men matches "
            "ikke og står ikke i nogen sagsstamme, og importen genåbner ikke sagen. Er borgeren aktiv "
            "igen, så genåbn sagen på borgerens side.")


def _missing_for_matching(context: _Context, outcome, report: Report) -> tuple[tuple[str, ...], date | None]:
    """What keeps a created or updated citizen from being matched (CV, jobmål, VK), counted in
    the report, so it does not promise matching for citizens that cannot be matched; and the
    day its case was closed, when it is (counted in ``report.closed``, review AV 3)."""
    if context.kind != "citizens" or outcome.status == "unchanged":
        return (), None
    citizen = db.session.get(Citizen, outcome.entity_id)
    if citizen is None:
        return (), None
    if citizen.case_closed is not None:
        report.closed += 1
        return (), citizen.case_closed
    missing = tuple(citizen.missing_for_matching)
    if missing:
        report.unmatchable += 1
        for item in missing:
            report.missing_counts[item] = report.missing_counts.get(item, 0) + 1
    return missing, None


def _cv_warning(problem: str, status: str, dry_run: bool) -> str:
    if status == "created":
        applied = "Borgeren oprettes uden CV." if dry_run else "Borgeren er oprettet uden CV."
    else:
        applied = ("Rækken indlæses uden CV-filen" if dry_run else "Rækken er indlæst uden CV-filen") + \
            "; et CV, borgeren allerede har, beholdes."
    return f"CV-filen er ikke indlæst: {problem} {applied} CV'et kan uploades på borgerens side."


def _left_behind_warning(count: int, dry_run: bool) -> str:
    """What a row that changed an opening's requirements did to the candidates already shown
    (the edit form asks first; the dry run is the import's asking)."""
    who = "1 foreslået kandidat opfylder" if count == 1 else f"{count} foreslåede kandidater opfylder"
    done = "sættes" if dry_run else "er sat"
    return (f"{who} ikke opslagets nye krav og {done} som »ikke aktuel lige nu« for virksomheden; "
            "virksomhedens konsulent og kandidaternes VK'er får besked.")


def ensure_transaction() -> None:
    """Make sure a real transaction is open before a savepoint.

    pysqlite (legacy transaction mode) begins a transaction only at the first INSERT/UPDATE,
    so a SAVEPOINT issued after mere SELECTs *is* the outermost transaction and its RELEASE
    commits: a dry run would write. An explicit BEGIN puts the savepoints inside the batch.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")


def _with_cv(record, archive: CvArchive):
    """``record`` with its CV from the zip, and the Danish reason when the file is refused
    (the row is then applied without it)."""
    from dataclasses import replace

    try:
        cv = archive.cv_for(record.external_id)
    except ExtractionError as exc:
        return record, exc.message_da
    return (replace(record, cv=cv) if cv is not None else record), ""


def _note_kept_adviser(report: Report, citizen_id: int, old_vk: int | None, new_vk: int | None) -> None:
    """Remember the citizen's adviser, who stays while the file changed its VK, to be told. Not
    one who is the new VK (told as such) or was the old VK too (told of the removal)."""
    citizen = db.session.get(Citizen, citizen_id)  # in the session: just updated
    adviser = citizen.adviser_id if citizen is not None else None
    if adviser is not None and adviser not in (old_vk, new_vk):
        report.kept_by_adviser.setdefault(adviser, []).append((citizen_id, new_vk))


def _tell_vks(given: dict[int, int], taken: dict[int, list[int]],
              kept: dict[int, list[tuple[int, int | None]]]) -> None:
    """One notice per VK the file gave citizens, one per VK it took citizens from, and one per
    adviser who stays on citizens it gave another VK, after the rows are committed (a failure to
    tell is logged; the import stands)."""
    try:
        ids = set(given) | set(taken) | set(kept)
        users = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
        assigned.announce_imported(given, users)
        assigned.announce_import_removed(taken, users)
        assigned.announce_import_kept(kept, users)
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("import: the VKs were not told: %s", type(exc).__name__)


def end_batch(context: _Context) -> None:
    if context.dry_run:
        db.session.rollback()
        return
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        for name in context.stored:
            delete_stored(context.cv_folder, name)
        raise
    context.stored.clear()


def finish_report(report: Report, actor: User | None) -> Report:
    db.session.rollback()
    # One word, "created:0,updated:0,unchanged:2,refused:1" (a wage-hours file adds ",skipped:1"):
    # the access log reads it as »oprettet 0, opdateret 0, uændret 2, afvist 1« (portal.admin.audit_labels).
    counts = ",".join(f"{key}:{number}" for key, number in report.counts.items())
    action = f"import_{report.kind}" + ("_dry_run" if report.dry_run else "")
    result = "refused" if report.file_problems else "ok"
    audit.record_now(action, purpose=f"file:{report.filename[:60]} {counts}", result=result,
                     user=db.session.get(User, actor.id) if actor is not None else None)
    return report
