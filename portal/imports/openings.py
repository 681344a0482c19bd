"""One opening row for the job centre's own campaigns, validated by the company's opening form.

The company is named by its CVR number or its exact name (one of the two columns); the
row's status is "Kladde" (default) or "Åben" ("Lukket" closes an imported opening).
:func:`validate_opening` raises :class:`~.citizens.RowError` with Danish messages.

A row for an opening the company already has is held to the edit form's rules for it (review
W6): a published opening (open, closed or filled) is never made a draft again, and the capacity
may not drop below the places taken (:func:`portal.openings.service.places`, checked by the
form itself), and a row that publishes or reopens an opening (or moves an open one's start) may not
give a start date already passed, as the form may not (:func:`_start_refused`).
"""
from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from matching import licences
from ..extensions import db
from ..openings import service as opening_service
from ..openings.forms import NO_DRAFT_AGAIN, OpeningForm
from store.models import Company, Opening
from store.models.vocab import OPENING_KINDS, OPENING_STATUSES
from .citizens import RowError
from .columns import CellError, Column, cell_date, cell_text, file_message, normalise_header, vocabulary_key
from .service import OpeningRecord

COLUMNS: tuple[Column, ...] = (
    Column("external_id", "Eksternt id", ("ekstern id", "external id", "kampagne id", "opslag id", "id"),
           help="Opslagets id i kampagnen (højst 64 tegn, entydigt pr. virksomhed)."),
    Column("cvr", "CVR", ("cvr nummer", "cvr nr"), required=False,
           help="Virksomhedens CVR-nummer (8 cifre). Udfyld CVR eller Virksomhed."),
    Column("company", "Virksomhed", ("virksomhedsnavn", "firma"), required=False,
           help="Virksomhedens navn, som det står i portalen (bruges når CVR er tom)."),
    Column("kind", "Type", ("opslagstype", "forløbstype"),
           help="Småjob, Virksomhedspraktik, Løntilskud, Ordinært job eller Fleksjob."),
    Column("title", "Titel", ("stillingsbetegnelse",)),
    Column("description", "Beskrivelse", (), required=False),
    Column("requirements", "Krav og ønsker", ("krav",), required=False),
    Column("hours_min", "Timer mindst", ("timer min", "mindste timetal"), help="Timer pr. uge, 0-80."),
    Column("hours_max", "Timer højst", ("timer max", "højeste timetal"), help="Timer pr. uge, over 0 og højst 80."),
    Column("postcode", "Postnummer", ("postnr", "post nr")),
    Column("start_date", "Startdato", ("start",), required=False, help="Tom: efter aftale. Et opslag, der slås op, åbnes igen eller er åbent og får ny "
                "startdato, kan ikke starte før i dag."),
    Column("duration_weeks", "Varighed (uger)", ("varighed", "uger"), required=False),
    Column("required_licences", "Kørekort", ("kørekortkrav",), required=False,
           help="Kategorier hvor én er nok, fx C. Tom: kørekort ikke nødvendigt."),
    Column("required_languages", "Sprogkrav", (), required=False),
    Column("accommodations", "Mulige skånehensyn", ("skånehensyn",), required=False),
    Column("capacity", "Antal pladser", ("pladser",), required=False,
           help="Tom: 1. Mere end 1 kun for virksomhedspraktik. Ikke færre end de forløb og ansættelser, "
                "der allerede er på opslaget."),
    Column("status", "Status", (), required=False,
           help="Kladde (standard), Åben eller Lukket. Et opslag, der er slået op, kan ikke blive en kladde igen."),
)
LABELS = {c.key: c.label for c in COLUMNS}
_FORM_FIELDS = ("kind", "title", "description", "requirements", "hours_min", "hours_max", "postcode",
                "start_date", "duration_weeks", "required_languages", "accommodations", "capacity", "status")


def company_directory() -> dict[str, int]:
    """Active companies by CVR and by normalised name (names held by one company only)."""
    rows = db.session.execute(sa.select(Company.id, Company.cvr, Company.name).where(Company.active.is_(True))).all()
    directory: dict[str, int] = {}
    names: dict[str, list[int]] = {}
    for company_id, cvr, name in rows:
        directory["cvr:" + cvr] = company_id
        names.setdefault(normalise_header(name), []).append(company_id)
    directory.update({"name:" + n: ids[0] for n, ids in names.items() if len(ids) == 1})
    return directory


def validate_opening(values: Mapping[str, object], companies: Mapping[str, int] | None = None) -> OpeningRecord:
    """A validated record from column keys to cell values.

    Raises:
        RowError: one or more cells are invalid.
    """
    problems: list[tuple[str, str]] = []
    text: dict[str, str] = {}
    for column in COLUMNS:
        if column.key in values:
            try:
                raw = values[column.key]
                text[column.key] = cell_date(raw) if column.key == "start_date" else cell_text(raw)
            except CellError as exc:
                problems.append((column.label, exc.message_da))
    external_id = text.get("external_id", "")
    if not external_id:
        problems.append((LABELS["external_id"], "Skriv opslagets eksterne id."))
    elif len(external_id) > 64:
        problems.append((LABELS["external_id"], "Det eksterne id må højst være 64 tegn."))
    company_id = _company(text, companies if companies is not None else company_directory(), problems)
    existing = _existing(company_id, external_id)
    # The saved start, as the edit form has it: an unchanged start stands however long ago it was.
    form = OpeningForm(formdata=_form_data(text, problems), meta={"csrf": False}, imported=True,
                       places=opening_service.places(existing) if existing is not None else None,
                       stored_start=existing.start_date if existing is not None else None)
    if not form.validate():
        shown = {column for column, _ in problems}
        vocabularies = {name: {c.value: c.label for c in form[name].choices} for name in ("kind", "status")}
        problems += [(LABELS.get(name, name), file_message(errors[0], text.get(name, ""), vocabularies.get(name)))
                     for name, errors in form.errors.items() if LABELS.get(name, name) not in shown]
    if refused := _start_refused(form, existing):
        problems.append((LABELS["start_date"], refused))
    if existing is not None and existing.status != "draft" and form.status.data == "draft" \
            and not form.status.errors:
        # An empty cell reads as "Kladde" (the column's default): say so, or the refusal is a riddle.
        said = "" if text.get("status") else "Status er tom, og tom betyder »Kladde«. "
        problems.append((LABELS["status"], said + NO_DRAFT_AGAIN))
    if problems:
        raise RowError(problems)
    return OpeningRecord(company_id=company_id, external_id=external_id, data=form.to_data())


def _start_refused(form: OpeningForm, existing: Opening | None) -> str:
    """The edit form's refusal of the row's start date when the row publishes the opening (a new
    one, or a draft), reopens it (closed) or moves an open one's start, else "".

    The row's form is built for a file (``imported``: it may record an opening already begun), so
    the check is the web form's own (:meth:`OpeningForm.validate_start_date`), run on a form built
    as the web form is for this opening: the saved status and start, or a new opening's. An open
    opening is matched from today on, so its start may not lie behind it. A filled opening stays
    filled (:func:`portal.imports.service.upsert_opening`), so its row reopens nothing.
    """
    if form.status.data != "open" or form.start_date.errors or form.start_date.data is None:
        return ""
    if existing is not None and existing.status == "filled":
        return ""
    web = OpeningForm(formdata=MultiDict({"status": "open", "start_date": form.start_date.data.isoformat()}),
                      meta={"csrf": False}, current_status=existing.status if existing is not None else None,
                      stored_start=existing.start_date if existing is not None else None)
    if web.start_date.validate(web, [OpeningForm.validate_start_date]):
        return ""
    return web.start_date.errors[0]


def _existing(company_id: int, external_id: str) -> Opening | None:
    """The company's opening with ``external_id`` that the row would update, if any."""
    if not company_id or not external_id or len(external_id) > 64:
        return None
    return db.session.scalar(sa.select(Opening).where(Opening.company_id == company_id,
                                                      Opening.external_id == external_id))


def _company(text: dict[str, str], companies: Mapping[str, int], problems: list) -> int:
    cvr = "".join(text.get("cvr", "").split())
    name = text.get("company", "")
    if cvr:
        company_id = companies.get("cvr:" + cvr)
        if company_id is None:
            problems.append((LABELS["cvr"], "Ingen aktiv virksomhed i portalen har det CVR-nummer."))
        return company_id or 0
    if name:
        company_id = companies.get("name:" + normalise_header(name))
        if company_id is None:
            problems.append((LABELS["company"], "Ingen aktiv virksomhed har det navn (eller flere har). "
                                                "Brug CVR-nummeret."))
        return company_id or 0
    problems.append((LABELS["cvr"], "Udfyld CVR eller Virksomhed."))
    return 0


def _form_data(text: dict[str, str], problems: list) -> MultiDict:
    data = MultiDict({name: text.get(name, "") for name in _FORM_FIELDS})
    data["kind"] = vocabulary_key(text.get("kind", ""), OPENING_KINDS) or text.get("kind", "")
    status = text.get("status", "") or "draft"
    data["status"] = vocabulary_key(status, OPENING_STATUSES) or status
    data["capacity"] = text.get("capacity", "") or "1"
    categories = [c.strip().upper() for c in text.get("required_licences", "").replace(";", ",")
                  .replace(" ", ",").split(",") if c.strip()]
    unknown = [c for c in categories if c not in licences.CATEGORIES]
    if unknown:
        problems.append((LABELS["required_licences"], "Ukendt kørekortkategori: " + ", ".join(unknown[:5]) + "."))
        categories = []
    data.setlist("required_licences", categories)
    return data
