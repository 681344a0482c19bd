"""The import runner: dry run, real run, idempotency, and every bad file the issue names."""
from __future__ import annotations

import io
from datetime import date, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.imports.runner import run_import
from store.models import AuditEvent, Citizen, OutboxEvent

from .files import HEADER, citizen_row, csv_bytes, xlsx_bytes, zip_bytes


def _run(app, data: bytes, *, dry_run: bool = False, cvs: bytes | None = None, kind: str = "citizens",
         batch_size: int = 500):
    with app.app_context():
        return run_import(kind, io.BytesIO(data), "borgere.csv", actor=None, dry_run=dry_run,
                          cvs=io.BytesIO(cvs) if cvs is not None else None,
                          cv_folder=app.config["UPLOAD_FOLDER"], batch_size=batch_size)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_dry_run_reports_per_row_and_writes_nothing(app):
    data = csv_bytes([citizen_row("A1"), citizen_row("A2", Postnummer="9999"), citizen_row("A3")])
    report = _run(app, data, dry_run=True)
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "refused": 1}
    [problem] = report.problems
    assert (problem.row, problem.external_id, problem.column) == (3, "A2", "Postnummer")
    assert "Postnummeret kendes ikke" in problem.message
    assert _count(app, Citizen) == 0 and _count(app, OutboxEvent) == 0
    with app.app_context():
        audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import_citizens_dry_run")).one()
        assert "created:2" in audit.purpose and "refused:1" in audit.purpose


def test_cli_dry_run_then_import(app, tmp_path):
    path = tmp_path / "borgere.csv"
    path.write_bytes(csv_bytes([citizen_row("A1"), citizen_row("A2", Postnummer="9999")]))
    cli = app.test_cli_runner()
    dry = cli.invoke(args=["import", "citizens", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Tørkørsel (intet er gemt)" in dry.output
    assert "Oprettet: 1" in dry.output and "Række 3 (A2), Postnummer: Postnummeret kendes ikke" in dry.output
    assert _count(app, Citizen) == 0
    real = cli.invoke(args=["import", "citizens", str(path), "--json"])
    assert real.exit_code == 0 and '"created": 1' in real.output.splitlines()[-1]
    assert _count(app, Citizen) == 1
    path.write_bytes(csv_bytes([citizen_row("A1", **{"Timer pr. uge": "20"})]))
    update = cli.invoke(args=["import", "citizens", str(path), "--dry-run"])
    assert "Række 2 (A1) ændrer: Timer pr. uge" in update.output and "20" not in update.output
    broken = tmp_path / "tom.csv"
    broken.write_bytes(b"")
    refused = cli.invoke(args=["import", "openings", str(broken)])
    assert refused.exit_code == 1 and "Filen er afvist: Filen er tom." in refused.output


def test_real_run_is_idempotent_and_updates_by_external_id(app):
    rows = [citizen_row(f"A{i}") for i in range(7)]
    first = _run(app, csv_bytes(rows), batch_size=3)
    assert first.counts["created"] == 7 and _count(app, Citizen) == 7
    outbox = _count(app, OutboxEvent)
    assert outbox == 7
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "A3"))
        assert [g.title for g in citizen.job_goals] == ["Lagermedarbejder", "Chauffør"]
        assert (citizen.hours_available, citizen.benefit_group, citizen.readiness_group,
                citizen.driving_licences, citizen.case_start) == (7.5, "kontanthjaelp", "paa_vej", ["B"],
                                                                  date(2025, 3, 1))
        version = citizen.version

    second = _run(app, csv_bytes(rows))
    assert second.counts == {"created": 0, "updated": 0, "unchanged": 7, "refused": 0}
    assert _count(app, OutboxEvent) == outbox and _count(app, Citizen) == 7

    rows[3] = citizen_row("A3", **{"Jobmål": "Chauffør | Pedel", "Timer pr. uge": "12"})
    third = _run(app, csv_bytes(rows))
    assert third.counts["updated"] == 1 and third.counts["unchanged"] == 6
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "A3"))
        assert [g.title for g in citizen.job_goals] == ["Chauffør", "Pedel"]
        assert citizen.hours_available == 12 and citizen.version > version
    assert _count(app, OutboxEvent) > outbox

    # A row is all or nothing: valid profile, bad jobmål keeps the profile unchanged too.
    refused = _run(app, csv_bytes([citizen_row("A1", Navn="Nyt Navn", **{"Jobmål": "x"})]))
    assert refused.counts["refused"] == 1 and refused.problems[0].column == "Jobmål"
    with app.app_context():
        assert db.session.scalar(sa.select(Citizen.name).where(Citizen.external_id == "A1")) == "Anna Hansen"


def test_row_problems_name_the_row_and_the_column(app):
    report = _run(app, csv_bytes([citizen_row("A1"), citizen_row("B1"), citizen_row("A1")]))
    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "refused": 2}
    assert [p.row for p in report.problems] == [2, 4]
    assert all("(2, 4)" in p.message for p in report.problems)

    csv_report = _run(app, csv_bytes([citizen_row("A1", Navn="=HYPERLINK(\"http://x\")")]), dry_run=True)
    assert csv_report.counts["refused"] == 1 and "formel" in csv_report.problems[0].message
    xlsx_report = _run(app, xlsx_bytes([citizen_row("A1", **{"Timer pr. uge": "=2+5"})]), dry_run=True)
    assert xlsx_report.counts["refused"] == 1
    assert (xlsx_report.problems[0].column, "formel" in xlsx_report.problems[0].message) == ("Timer pr. uge", True)

    # Excel dates arrive as dates; a date cell not formatted as a date is a number and refused.
    rows = [citizen_row("C1", Sagsstart=datetime(2025, 2, 3), **{"Timer pr. uge": 7.5, "Postnummer": 8722}),
            citizen_row("A2", Sagsstart=45700)]
    report = _run(app, xlsx_bytes(rows))
    assert report.counts["created"] == 1 and report.counts["refused"] == 1
    assert report.problems[0].column == "Sagsstart" and "Formatér cellen som dato" in report.problems[0].message
    with app.app_context():
        assert db.session.scalar(sa.select(Citizen.case_start).where(Citizen.external_id == "C1")) == date(2025, 2, 3)


BAD_FILES = [
    (b"", "Filen er tom"),
    (csv_bytes([citizen_row("A1", Navn="Søren Ærø")], encoding="cp1252", bom=False), "Windows-1252"),
    ("Eksternt id;Navn\r\nA1;Åse\r\n".encode("utf-16"), "UTF-16"),
    (bytes(range(256)) * 20, "binære data"),
    (b"PK\x03\x04garbage that is no zip", "beskadiget"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
    (csv_bytes([citizen_row("A1")[:3]], header=HEADER[:3]), "Filen mangler kolonnerne"),
    (b"\r\n" + csv_bytes([citizen_row("A1")], bom=False), "Første række"),
    (csv_bytes([citizen_row("A1") + ["x"]], header=HEADER + ["navn"]), "flere gange"),
    (csv_bytes([citizen_row("A1")]).replace(b"Lager", b"\"La\"ger", 1), "ugyldige anførselstegn"),
]


def test_bad_files_get_one_clear_message_and_nothing_is_written(app):
    # One app for all the files (each builds nothing): the suite's time budget is tight.
    for data, expected in BAD_FILES:
        report = _run(app, data)
        assert len(report.file_problems) == 1 and expected in report.file_problems[0], (expected, report)
        assert report.rows == 0
    assert _count(app, Citizen) == 0

    # A good file the Danish-Excel way or not: comma, no BOM, headers in any case and wording.
    header = ["ekstern-ID", "NAVN", "ydelse", "Timer", "Postnr.", "Kørekort", "sprog", "Parathed", "VK",
              "sagsstart", "JOBMÅL", "Noget andet"]
    row = ["A1", "Anna Hansen", "kontanthjaelp", "7", "8722", "", "dansk", "i gang", "", "2025-03-01", "Pedel", "x"]
    report = _run(app, csv_bytes([row], header=header, delimiter=",", bom=False))
    assert report.counts["created"] == 1, report.problems
    assert "Noget andet" in report.notes[0]


def test_cv_zip_attaches_cvs_and_skips_bad_entries_one_by_one(app):
    cv = "Lagermedarbejder med truckcertifikat og erfaring fra Horsens.".encode()
    archive = zip_bytes({"A1.txt": cv, "../A2.txt": cv, "A3.exe": b"MZ", "A4.txt": b"\x00" * 10,
                         "bomb.txt": b"0" * (6 * 1024 * 1024)})
    rows = [citizen_row("A1"), citizen_row("A2"), citizen_row("A4")]
    dry = _run(app, csv_bytes(rows), cvs=archive, dry_run=True)
    report = _run(app, csv_bytes(rows), cvs=archive)
    # A bad CV file keeps only itself out: A4 is created without it, with a warning on its row.
    assert report.counts == dry.counts == {"created": 3, "updated": 0, "unchanged": 0, "refused": 0}
    assert report.problems == [] and dry.problems == []
    [a4] = [link for link in report.links if link.warnings]
    assert a4.external_id == "A4" and a4.status == "created"
    assert a4.warnings[0].startswith("CV-filen er ikke indlæst: Tekstfilen skal være gemt med tegnkodningen UTF-8")
    assert "Borgeren er oprettet uden CV" in a4.warnings[0] and "borgerens side" in a4.warnings[0]
    assert "Borgeren oprettes uden CV" in next(link for link in dry.links if link.warnings).warnings[0]
    notes = " ".join(report.notes)
    assert "../A2.txt" in notes and "A3.exe" in notes and "bomb.txt" in notes
    assert "A4.txt" not in notes  # named on its row, not again as an unused file
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "A1"))
        assert "truckcertifikat" in citizen.current_cv.text and citizen.matchable is False  # no VK yet
        a4_citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "A4"))
        assert a4_citizen.current_cv is None and "CV" in a4_citizen.missing_for_matching
    again = _run(app, csv_bytes(rows[:1]), cvs=archive)
    assert again.counts["unchanged"] == 1
    # An existing citizen keeps the CV it has when the zip's new file is bad, and still gets the row.
    bad_for_a1 = zip_bytes({"A1.txt": b"\x00" * 10})
    update = _run(app, csv_bytes([citizen_row("A1", **{"Timer pr. uge": "20"})]), cvs=bad_for_a1)
    assert update.counts["updated"] == 1 and update.links[0].warnings
    assert "et CV, borgeren allerede har, beholdes" in update.links[0].warnings[0]
    unchanged = _run(app, csv_bytes([citizen_row("A1", **{"Timer pr. uge": "20"})]), cvs=bad_for_a1)
    assert unchanged.counts["unchanged"] == 1 and unchanged.links[0].warnings  # listed for its warning
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "A1"))
        assert "truckcertifikat" in citizen.current_cv.text and citizen.hours_available == 20

    bad_zip = _run(app, csv_bytes([citizen_row("Z1")]), cvs=b"not a zip")
    assert bad_zip.file_problems == ["CV-filen er ikke en gyldig zip-fil."] and _count(app, Citizen) == 3


def test_a_cv_of_a_refused_row_is_named_as_such_not_as_unmatched(app):
    cv = "Lagermedarbejder med truckcertifikat.".encode()
    archive = zip_bytes({"B1.txt": cv, "B2.txt": cv, "B9.txt": cv})
    rows = [citizen_row("B1"), citizen_row("B2", Postnummer="9999")]
    report = _run(app, csv_bytes(rows), cvs=archive)
    assert report.counts["created"] == 1 and report.counts["refused"] == 1
    refused_note = next(n for n in report.notes if "afvist række" in n)
    unmatched_note = next(n for n in report.notes if "Ingen række" in n)
    assert "B2.txt" in refused_note and "B2.txt" not in unmatched_note
    assert "B9.txt" in unmatched_note and "B9.txt" not in refused_note
    # one file each: the notes are singular
    assert refused_note.startswith("Denne CV-fil hører til en afvist række") and "til denne CV-fil:" in unmatched_note


def test_a_row_with_a_duplicated_id_lists_all_its_problems_at_once(app):
    bad = {"Kørekort": "Q", "Timer pr. uge": "-3", "Postnummer": "9999", "Sagsstart": "31.02.2025",
           "Virksomhedskonsulent": "ukendt@jc.dk"}
    data = csv_bytes([citizen_row("D1"), citizen_row("D1", **bad), citizen_row("D2", **bad)])
    report = _run(app, data, dry_run=True)
    assert report.counts["refused"] == 3
    by_row = {}
    for problem in report.problems:
        by_row.setdefault(problem.row, []).append(problem.column)
    expected = {"Kørekort", "Timer pr. uge", "Postnummer", "Sagsstart", "Virksomhedskonsulent"}
    assert by_row[3][0] == "Eksternt id" and expected <= set(by_row[3][1:])  # the duplicate first, then the rest
    assert by_row[2] == ["Eksternt id"]  # the other copy is fine apart from its id
    assert set(by_row[4]) == expected  # the same cells without a duplicate: the same problems
    assert _count(app, Citizen) == 0


def test_a_row_refused_for_its_cells_names_its_cv_file_problem_in_the_same_round(app):
    archive = zip_bytes({"C1.txt": b"\x00" * 10, "C2.txt": "Lagermedarbejder med truck.".encode()})
    rows = [citizen_row("C1", Postnummer="9999"), citizen_row("C2", Postnummer="9999")]
    report = _run(app, csv_bytes(rows), cvs=archive, dry_run=True)
    assert report.counts["refused"] == 2
    by_row = {(p.external_id, p.column) for p in report.problems}
    assert ("C1", "CV-fil") in by_row and ("C1", "Postnummer") in by_row
    assert ("C2", "CV-fil") not in by_row  # a good file is no problem
    refused_note = next(n for n in report.notes if "afvist" in n)
    assert "C1.txt" in refused_note and "C2.txt" in refused_note  # still listed as the refused rows' files
    # The same bad file on a row with good cells refuses nothing: a warning, in the dry run as for real.
    rows = [citizen_row("C1")]
    dry, real = (_run(app, csv_bytes(rows), cvs=archive, dry_run=mode) for mode in (True, False))
    assert dry.counts == real.counts == {"created": 1, "updated": 0, "unchanged": 0, "refused": 0}
    assert [len(r.links[0].warnings) for r in (dry, real)] == [1, 1]


def test_a_health_word_jobmal_gets_advice_that_can_be_followed(app):
    title = "Lagerarbejde pga. dårlig ryg"
    new = _run(app, csv_bytes([citizen_row("H1", **{"Jobmål": title})]))
    [problem] = new.problems
    assert problem.column == "Jobmål" and problem.goals_of is None
    # The whole row is refused, so there is no citizen page yet: the file is what to change.
    assert "Borgeren findes ikke i portalen endnu" in problem.message
    assert "fjern jobmålet fra rækken i filen" in problem.message

    assert _run(app, csv_bytes([citizen_row("H1")])).counts["created"] == 1
    existing = _run(app, csv_bytes([citizen_row("H1", **{"Jobmål": title})]))
    [problem] = existing.problems
    with app.app_context():
        citizen_id = db.session.scalar(sa.select(Citizen.id).where(Citizen.external_id == "H1"))
    assert problem.goals_of == citizen_id and "findes ikke" not in problem.message
    assert "tilføj jobmålet på borgerens side i portalen og bekræft det dér" in problem.message
    # Once confirmed on the page, the file's row goes in.
    with app.app_context():
        from store.models import JobGoal
        db.session.add(JobGoal(citizen_id=citizen_id, title=title, position=5))
        db.session.commit()
    assert _run(app, csv_bytes([citizen_row("H1", **{"Jobmål": title})])).counts["updated"] == 1


def test_the_dry_run_lists_each_changed_field_from_what_to_what(app, make_user):
    make_user("consultant", email="vk@hedensted.dk")
    _run(app, csv_bytes([citizen_row("U1"), citizen_row("U2")]), cvs=zip_bytes({"U1.txt": b"Gammelt CV om lager."}))
    with app.app_context():  # a consultant's edits in the portal
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == "U1"))
        from store.models import JobGoal
        citizen.hours_available = 20
        citizen.job_goals.append(JobGoal(title="Truckfører", position=2))
        db.session.commit()
        citizen_id = citizen.id
    rows = [citizen_row("U1", Virksomhedskonsulent="vk@hedensted.dk", **{"Kørekort": ""}), citizen_row("U2"),
            citizen_row("U3")]
    report = _run(app, csv_bytes(rows), dry_run=True, cvs=zip_bytes({"U1.txt": b"Nyt CV om truck og lager."}))
    assert report.counts == {"created": 1, "updated": 1, "unchanged": 1, "refused": 0}
    updated, created = report.links
    assert (updated.external_id, updated.status, updated.entity_id) == ("U1", "updated", citizen_id)
    assert (created.external_id, created.status, created.changes) == ("U3", "created", ())
    shown = {c.label: (c.old, c.new, c.removed) for c in updated.changes}
    assert shown == {
        "Timer pr. uge": ("20", "7,5", ()),
        "Kørekort": ("B", "Intet kørekort", ()),
        "Virksomhedskonsulent": ("Ingen", "Consultant Testesen", ()),
        "Jobmål": ("Lagermedarbejder; Chauffør; Truckfører", "Lagermedarbejder; Chauffør", ("Truckfører",)),
        "CV": ("U1.txt", "U1.txt", ()),
    }
    assert [c.label for c in updated.changes] == ["Timer pr. uge", "Kørekort", "Virksomhedskonsulent", "Jobmål",
                                                  "CV"]  # the file's column order
    with app.app_context():  # a dry run
        citizen = db.session.get(Citizen, citizen_id)
        assert citizen.hours_available == 20 and len(citizen.job_goals) == 3 and citizen.vk_id is None
    # The CLI's JSON (it goes to logs) names the changed fields, never their values.
    as_dict = report.to_dict()
    assert as_dict["rows"][0]["changed"] == ["Timer pr. uge", "Kørekort", "Virksomhedskonsulent", "Jobmål", "CV"]
    assert "Truckfører" not in str(as_dict) and "Testesen" not in str(as_dict)
    real = _run(app, csv_bytes(rows), cvs=zip_bytes({"U1.txt": b"Nyt CV om truck og lager."}))
    assert [(c.label, c.old, c.new) for c in real.links[0].changes] == \
        [(c.label, c.old, c.new) for c in updated.changes]


def test_the_access_log_reads_an_imports_counts_in_danish(app):
    """Review AN 7: »created:0 opdateret 0 unchanged:2 refused:1« was half English."""
    from portal.admin.audit_labels import purpose_label

    _run(app, csv_bytes([citizen_row("A1"), citizen_row("A2", Postnummer="9999")]), dry_run=True)
    with app.app_context():
        audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import_citizens_dry_run")).one()
        assert purpose_label(audit.action, audit.purpose).endswith("oprettet 1, opdateret 0, uændret 0, afvist 1")
