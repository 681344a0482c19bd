"""``flask --app portal import citizens FILE [--cvs ZIP] [--dry-run]``, ``import openings FILE`` and
``import wage-hours FILE`` (ordinary wage hours per citizen and month, :mod:`.wage_hours`)."""
from __future__ import annotations

import json
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from tqdm import tqdm

from .. import files
from ..extensions import db
from store.models import Team, User
from store.models.citizens import external_id_key as folded
from .lookalikes import LOOKALIKE_CHOICES
from .runner import STATUS_LABELS, Report, run_import
from .wage_hours import run_wage_hours


@click.group("import")
def import_group() -> None:
    """Bulk import of citizens, openings or wage hours from CSV/XLSX (see README "Bulk import and exports")."""


def _actor(email: str | None) -> User | None:
    if not email:
        return None
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.casefold()))
    if user is None or user.role not in ("admin", "consultant") or not user.active:
        raise click.BadParameter("no active administrator or consultant with that e-mail", param_hint="--user")
    return user


def _team(name: str | None) -> int | None:
    if not name:
        return None
    # By the stored folded name, as the teams page compares names (SQLite's lower() leaves »Ø«,
    # review BH 3; Team.name_key, migration 0043).
    team_id = db.session.scalar(sa.select(Team.id).where(Team.name_key == folded(name)))
    if team_id is None:
        raise click.BadParameter("no team with that name", param_hint="--team")
    return team_id


def _run(kind: str, path: Path, cvs: Path | None, dry_run: bool, user: str | None, as_json: bool,
         lookalikes: str = "refuse", team: str | None = None) -> None:
    actor = _actor(user)
    team_id = _team(team)
    bar = tqdm(unit=" rækker", desc="Tørkørsel" if dry_run else "Import", disable=as_json, leave=False)
    with path.open("rb") as source:
        zip_file = cvs.open("rb") if cvs else None
        try:
            if kind == "wage_hours":
                report = run_wage_hours(source, path.name, actor=actor, dry_run=dry_run, progress=bar.update,
                                        on_total=lambda n: setattr(bar, "total", n))
            else:
                report = run_import(kind, source, path.name, actor=actor, dry_run=dry_run, cvs=zip_file,
                                    cv_folder=files.current().folder, progress=bar.update,
                                    lookalikes=lookalikes, team_id=team_id,
                                    on_total=lambda n: setattr(bar, "total", n))
        finally:
            bar.close()
            if zip_file:
                zip_file.close()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print(report)
    if report.file_problems:
        raise SystemExit(1)


def _print(report: Report) -> None:
    click.echo(("Tørkørsel (intet er gemt): " if report.dry_run else "Import: ") + report.filename)
    for problem in report.file_problems:
        click.echo(f"Filen er afvist: {problem}")
    click.echo(", ".join(f"{STATUS_LABELS[k]}: {v}" for k, v in report.counts.items()))
    for note in report.notes:
        click.echo(f"Bemærk: {note}")
    for note in report.frozen_notes:
        click.echo(f"Bemærk: {note}")
    for p in report.problems:
        click.echo(f"Række {p.row} ({p.external_id or '-'}), {p.column or 'rækken'}: {p.message}")
    if report.truncated:
        click.echo(f"(kun de første {len(report.problems)} fejl er vist)")
    # Changed fields by label only: the values are personal data, and a terminal's output is kept
    # in logs. The import page shows them from what to what.
    for link in report.links:
        if link.changes:
            click.echo(f"Række {link.row} ({link.external_id}) ændrer: " + ", ".join(c.label for c in link.changes))
        # A skipped row is said to be so, not only warned of (nothing was compared: not »Uændret«).
        said = STATUS_LABELS["skipped"].lower() if link.status == "skipped" else "advarsel"
        for warning in link.all_warnings:
            click.echo(f"Række {link.row} ({link.external_id}), {said}: {warning}")
        if link.missing:
            click.echo(f"Række {link.row} ({link.external_id}) kan ikke matches endnu: mangler "
                       + ", ".join(link.missing))
    if report.without_vk_team:
        click.echo(f"{_new_citizens(report.without_vk_team)} uden virksomhedskonsulent "
                   f"{'lægges' if report.dry_run else 'er lagt'} i {report.team_name}.")
    if report.without_vk_nowhere:
        click.echo(f"{_new_citizens(report.without_vk_nowhere)} {'får' if report.dry_run else 'har'} hverken "
                   "virksomhedskonsulent eller team og står ikke på nogen konsulents liste: tildel en VK, "
                   "eller brug --team.")
    if report.closed:
        one = report.closed == 1
        click.echo(f"{report.closed} borger{'' if one else 'e'} har en afsluttet sag i portalen: "
                   f"{'den' if one else 'de'} matches ikke, og importen genåbner ikke sager.")
    if report.unmatchable:
        click.echo(f"{report.unmatchable} borgere kan ikke matches endnu: mangler "
                   + ", ".join(f"{item} ({count})" for item, count in report.missing_counts.items()))


def _new_citizens(count: int) -> str:
    return "1 ny borger" if count == 1 else f"{count} nye borgere"


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@import_group.command("citizens")
@click.argument("file", type=_FILE)
@click.option("--cvs", type=_FILE, help="Zip with CV files named by external id (A123.pdf/.docx/.txt).")
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--user", help="E-mail of the administrator or consultant the audit log names.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
@click.option("--lookalikes", type=click.Choice(LOOKALIKE_CHOICES), default="refuse", show_default=True,
              help="A new row with the name and e-mail or phone of a citizen in the portal: refuse it, attach "
                   "its external id to that citizen (one without an id), or create it anyway.")
@click.option("--team", help="Name of the team a new citizen without a VK is put on (default: the --user's "
                             "team; without either such a citizen is on no team, which the report warns of).")
@with_appcontext
def import_citizens(file: Path, cvs: Path | None, dry_run: bool, user: str | None, as_json: bool,
                    lookalikes: str, team: str | None) -> None:
    """Create or update citizens by external id from a CSV or XLSX file."""
    _run("citizens", file, cvs, dry_run, user, as_json, lookalikes, team)


@import_group.command("openings")
@click.argument("file", type=_FILE)
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--user", help="E-mail of the administrator or consultant the audit log names.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
@with_appcontext
def import_openings(file: Path, dry_run: bool, user: str | None, as_json: bool) -> None:
    """Create or update the job centre's campaign openings by CVR/name and external id."""
    _run("openings", file, None, dry_run, user, as_json)


@import_group.command("wage-hours")
@click.argument("file", type=_FILE)
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--user", help="E-mail of the administrator or consultant the audit log names.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON line.")
@with_appcontext
def import_wage_hours(file: Path, dry_run: bool, user: str | None, as_json: bool) -> None:
    """Set citizens' ordinary wage hours per month known to the case system (a month again replaces it)."""
    _run("wage_hours", file, None, dry_run, user, as_json)
