"""Account and company administration: the work behind /admin's routes.

Routes validate the form, call one function here and render; these functions change the
database and the audit log, and commit where they say so (else the caller commits).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, joinedload
from wtforms.fields.choices import SelectChoice

from .. import audit, merge, name_order
from ..auth.sessions import end_all_sessions
from ..auth.tokens import clear_token, issue_set_password_token
from ..extensions import db
from ..rules import RuleError, raise_all
from ..text import clean_line
from .forms import VK_CHOICE, is_reserved_email
from store import clock
from store.models import Citizen, Company, HotlineRequest, Team, User
from store.models.api import ApiToken
from store.outbox import citizen_changed


class AccountRuleError(RuleError):
    """A change the account rules refuse (Danish ``message``; ``field`` or None for the page)."""


@contextmanager
def name_taken_as(message: str, field: str | None = "name") -> Iterator[None]:
    """The block's flush or commit refused by a unique index on a folded name (a team or an
    active integration given the name meanwhile by another administrator, migration 0043)
    rolls back and refuses with ``message`` at ``field``, not a 500."""
    try:
        yield
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise AccountRuleError(message, field) from None


class StaleEdit(Exception):
    """Someone saved the company or user after the edit form was loaded, and this save would
    change back what they saved (review BH 6). Nothing is written (the caller rolls back).

    ``found`` (:class:`portal.merge.Merge`): the fields the other person changed to something
    else than this form sends (``theirs``), those this user changed too (``both``), and the
    saved values of the fields only the other person changed (``take``).
    """

    def __init__(self, found: merge.Merge) -> None:
        super().__init__("changed meanwhile")
        self.found = found


def _reread_locked(record) -> None:
    """Take ``record``'s row lock (PostgreSQL) or the write lock (SQLite) until the commit, and
    read it again: a no-op write, as SQLite ignores SELECT ... FOR UPDATE (as a story's save)."""
    table = type(record).__table__
    db.session.execute(sa.update(table).where(table.c.id == record.id).values(id=table.c.id))
    db.session.refresh(record)


def _refuse_lost(record, posted: dict, base: str | None, fields: tuple[str, ...]) -> None:
    """Raise :class:`StaleEdit` when saving ``posted`` over ``record`` (read locked and fresh)
    would change back someone else's save since the form's ``base`` (:func:`portal.merge.lost`)."""
    if (found := merge.lost(record, posted, base, fields)) is not None:
        raise StaleEdit(found)


@dataclass(frozen=True)
class NewUser:
    """An account to create: role "company" needs ``company_id``; staff may have ``team_id``."""

    email: str
    name: str
    role: str
    company_id: int | None = None
    team_id: int | None = None
    phone: str = ""  # already cleaned (see forms.clean_phone)


COMPANY_FIELDS = ("name", "cvr", "address", "postcode", "code_of_care", "standing_seats", "consultant_id")
NO_CONSULTANT = "Ingen VK endnu"
CVR_TAKEN = "Der findes allerede en virksomhed med det CVR-nummer."


def company_fingerprints(company: Company) -> str:
    """The company form's hidden ``base``: :data:`COMPANY_FIELDS` as loaded (:mod:`portal.merge`)."""
    return merge.fingerprints(company, COMPANY_FIELDS)


@dataclass(frozen=True)
class UserRow:
    """One line of the user list: what the page shows, read in one statement (no ORM rows)."""

    id: int
    name: str
    email: str
    role: str
    phone: str
    active: bool
    has_password: bool
    organisation: str  # the company's name, else the team's, else "Jobcentret"


PER_PAGE = 50  # users a page of /admin/users shows; ``?side=N`` pages through the rest


class ReadPage(Pagination):
    """Flask-SQLAlchemy's page object (what ``db.paginate`` gives the portal's other lists) over
    a page and a total already read: the user list's rows are plain columns, not one entity,
    which ``db.paginate`` would cut to their first column."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


def user_page(page: int = 1) -> ReadPage:
    """One page (:data:`PER_PAGE`) of the people by role, then name (then id), as
    :class:`UserRow` items with the company or team name joined in (integrations are not
    people: :mod:`.integrations` lists them). A page past the end is the last one.

    Two statements whatever the number of users (the count and the page); password hashes
    are not read, only whether there is one.
    """
    people = User.role != "integration"  # listed under Integrationer
    total = db.session.scalar(sa.select(sa.func.count(User.id)).where(people)) or 0
    page = min(max(page, 1), max(1, -(-total // PER_PAGE)))
    stmt = (sa.select(User.id, User.name, User.email, User.role, User.phone, User.active,
                      sa.func.coalesce(User.password_hash, "") != "", User.company_id, Company.name, User.team_id, Team.name)
            .outerjoin(Company, Company.id == User.company_id).outerjoin(Team, Team.id == User.team_id)
            .where(people).order_by(User.role, *name_order.order_by(User.name, User.id))
            .limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    rows = [UserRow(uid, name, email, role, phone, bool(active), bool(has_password),
                    company if company_id else team if team_id else "Jobcentret")
            for uid, name, email, role, phone, active, has_password, company_id, company, team_id, team
            in db.session.execute(stmt)]
    return ReadPage(page=page, per_page=PER_PAGE, error_out=False, items=rows, total=total)


def account_problems(email: str | None, role: str | None, company_id: int | None, *,
                     user_id: int | None = None) -> list[AccountRuleError]:
    """Every account rule the details break, in form order (empty: none).

    Routes call it also when the form refused a field, so that the page shows every problem
    in one round; :func:`create_user` and :func:`update_user` raise them all (:func:`raise_all`).

    Args:
        user_id: the user being edited (their own e-mail is not "taken"); None for a new user.
    """
    problems = []
    email = (email or "").strip().casefold()
    if is_reserved_email(email) and (
            user_id is None or (db.session.scalar(sa.select(User.email).where(User.id == user_id)) or "") != email):
        # Only the user's own freed address, unchanged (review AQ 3): nobody is given one by hand.
        problems.append(AccountRuleError(RESERVED_GIVEN, "email"))
    elif email:
        query = sa.select(User.id).where(sa.func.lower(User.email) == email)
        if user_id is not None:
            query = query.where(User.id != user_id)
        if (clash := db.session.execute(query.add_columns(User.active, User.name)).first()) is not None:
            problems.append(AccountRuleError(_taken_text(clash.active, clash.name), "email"))
    if role == "company" and not company_id:
        problems.append(AccountRuleError("Vælg virksomheden for en virksomhedsbruger.", "company_id"))
    return problems


RESERVED_GIVEN = ("Adresser som frigjort-…@jobbro.invalid er reserverede: de kan ikke modtage mail og gives kun med "
                  "»Frigør e-mailen«. Skriv brugerens rigtige e-mail.")


def reserved_email(user_id: int) -> str:
    """The address »Frigør e-mailen« gives user ``user_id`` (see :data:`.forms.RESERVED_EMAIL`)."""
    return f"frigjort-{user_id}@jobbro.invalid"


def has_freed_email(user: User) -> bool:
    """``user``'s e-mail was freed (:func:`free_email`) and no real one has been written since."""
    return (user.email or "").casefold() == reserved_email(user.id)


def _taken_text(active: bool, name: str) -> str:
    """Why an e-mail cannot be used, and, for a deactivated account, the way forward (review AN 4)."""
    if active:
        return "Der findes allerede en bruger med den e-mail."
    return (f"Der findes allerede en bruger med den e-mail: {name}, som er deaktiveret. Skal den person have adgang "
            "igen, så aktivér brugeren på brugerlisten, og ret rollen under »Ret bruger« (konsulent eller "
            "administrator). Ellers frigør e-mailen: åbn »Ret bruger« for den deaktiverede bruger, og tryk "
            "»Frigør e-mailen«.")


def create_user(new: NewUser, link_hours: float) -> tuple[User, str]:
    """Create a user without a password, with a one-time set-password token; committed.

    The e-mail is stored stripped and casefolded; a company user belongs to no team and
    staff to no company. Returns the user and the token (for the mailed link).

    Raises:
        AccountRuleError: the e-mail is taken (``email``), or a company user has no company
            (``company_id``); every broken rule at once (see :attr:`RuleError.every`).
    """
    raise_all(account_problems(new.email, new.role, new.company_id))
    email = new.email.strip().casefold()
    is_company = new.role == "company"
    user = User(email=email, name=clean_line(new.name), role=new.role,
                company_id=new.company_id if is_company else None,
                team_id=None if is_company else new.team_id or None,
                phone=new.phone)
    token = issue_set_password_token(user, link_hours)
    db.session.add(user)
    db.session.flush()  # the id, for the audit event (never the e-mail: review AN 5)
    where = f" company:{user.company_id}" if is_company else f" team:{user.team_id}" if user.team_id else ""
    audit.record("user_created", purpose=f"user:{user.id} role:{user.role}{where}")
    db.session.commit()
    return user, token


STAFF_ROLES = ("consultant", "admin")  # the roles an administrator may change between (review AN 4)
COMPANY_STAYS = ("En virksomhedsbruger forbliver virksomhedsbruger: brugeren hører til en virksomhed og ser kun "
                 "dens data. Skal personen arbejde i jobcentret, så opret en ny bruger med en anden e-mail.")


@dataclass(frozen=True)
class UserChanges:
    """An existing user's editable details; ``company_id`` counts for company users only,
    ``team_id`` for staff only, ``role`` (consultant or admin) for staff only (None: unchanged)."""

    email: str
    name: str
    phone: str  # already cleaned (see forms.clean_phone)
    company_id: int | None = None
    team_id: int | None = None
    role: str | None = None


@dataclass(frozen=True)
class UserUpdate:
    """What :func:`update_user` did: the fields changed, the API keys revoked, whether a pending
    set-password link was made dead, and the fresh token (for the new e-mail) if one was issued."""

    changed: list[str]
    revoked: int = 0
    link_cleared: bool = False
    token: str | None = None


def role_problem(user: User, role: str | None, acting: User) -> AccountRuleError | None:
    """Why ``user`` may not get ``role`` (None: the change is allowed, or there is none).

    Only staff change role, between consultant and administrator. Nobody takes away their own
    administrator role, and the last active administrator keeps it (as for deactivating). A
    consultant who still holds open cases (as VK or adviser), companies or hotline requests hands
    them over first: an administrator is not offered as VK, adviser or successor anywhere, so the
    cases would be left with someone nobody can choose (the safe rule: nothing changes hands
    silently).
    """
    if role is None or role == user.role:
        return None
    if user.role not in STAFF_ROLES or role not in STAFF_ROLES:
        return AccountRuleError(COMPANY_STAYS, "role")
    if user.role == "admin":
        if user.id == acting.id:
            return AccountRuleError("Du kan ikke fjerne din egen administratorrolle. Bed en anden administrator om det.",
                                    "role")
        if user.active and not _other_active_admin(user):
            return _keeps_role(user)
        return None
    held = holdings([user.id], include_active=True)
    if not held:
        return None
    text = (f"{user.name} har stadig sager som konsulent. Overdrag dem først til en anden konsulent med "
            "»Overdrag sager« på brugerlisten; derefter kan rollen ændres. En administrator kan ikke vælges som "
            "VK, rådgiver eller ansvarlig for en henvendelse, så sagerne ville stå uden en, der kan overtages.")
    if held[0].restricted:
        text += (f" {held[0].restricted} borger{'' if held[0].restricted == 1 else 'e'} med begrænset behandling "
                 "kan først overdrages, når begrænsningen er ophævet.")
    return AccountRuleError(text, "role")


def _keeps_role(user: User) -> AccountRuleError:
    return AccountRuleError(f"{user.name} er den sidste aktive administrator og skal beholde rollen. "
                            "Opret eller aktivér en anden administrator først.", "role")


def _locked_active_admins() -> set[int]:
    """The active administrators' ids; on PostgreSQL their rows stay locked (``FOR UPDATE``, in
    id order, so two such transactions never deadlock) until the transaction ends.

    Every step that can leave fewer active administrators (a role change away from
    administrator, a deactivation) takes this lock before it counts: the second of two such
    steps at the same moment waits for the first to commit, then counts without the one it
    took away. SQLite has no row locks (``FOR UPDATE`` is left out there): the write itself
    repeats the count (:func:`_another_active_admin`).
    """
    return set(db.session.scalars(sa.select(User.id).where(User.role == "admin", User.active)
                                  .order_by(User.id).with_for_update()).all())


def _other_active_admin(user: User) -> bool:
    """Another active administrator than ``user`` exists (locked while counted on PostgreSQL)."""
    return bool(_locked_active_admins() - {user.id})


def _another_active_admin(user: User) -> sa.ColumnElement[bool]:
    """SQL: an active administrator other than ``user`` exists (for a conditional UPDATE's WHERE)."""
    other = aliased(User)
    return sa.select(other.id).where(other.role == "admin", other.active, other.id != user.id).exists()


def _demote_admin(user: User, role: str) -> bool:
    """Give administrator ``user`` ``role`` unless no other active administrator would be left;
    True if done (the row is written; the caller's object still says ``admin``).

    The check and the write are one step, as for deactivating (:func:`_disable_admin`): two
    administrators taking the role from each other at once (or one deactivating the other
    meanwhile) must not leave none. On PostgreSQL the active administrators are locked while
    counted; on SQLite this UPDATE is the transaction's first write, so it runs alone (SQLite
    has one writer at a time) and its WHERE counts on the latest rows. An inactive
    administrator leaves the active ones as they are, so may always lose the role.
    """
    _locked_active_admins()  # PostgreSQL: the rows the count below reads stay as counted
    result = db.session.execute(sa.update(User).where(User.id == user.id,
                                                      sa.or_(User.active.is_(False), _another_active_admin(user)))
                                .values(role=role).execution_options(synchronize_session=False))
    return result.rowcount == 1


USER_FIELDS = ("name", "email", "phone", "company_id", "team_id", "role")  # what the edit form changes


def user_fingerprints(user: User) -> str:
    """The user edit form's hidden ``base``: :data:`USER_FIELDS` as loaded (:mod:`portal.merge`)."""
    return merge.fingerprints(user, USER_FIELDS)


def _user_values(user: User, changes: UserChanges) -> dict[str, object]:
    """``changes`` as :func:`update_user` stores them (the fields a role does not edit as they are)."""
    is_company = user.role == "company"
    return {"name": clean_line(changes.name), "email": changes.email.strip().casefold(), "phone": changes.phone,
            "company_id": changes.company_id if is_company else user.company_id,
            "team_id": user.team_id if is_company else changes.team_id or None,
            "role": changes.role or user.role}


def update_user(user: User, changes: UserChanges, acting: User, link_hours: float = 72,
                base: str | None = None) -> UserUpdate:
    """Apply ``changes`` to ``user``; audited (field names only; a role change also old->new
    role) and committed.

    Moving a company user to another company revokes their API keys: a key made for one
    company's integration must not start reading and writing another company's data.

    A new e-mail makes a pending set-password (or reset) link dead: it went to the old address,
    which may be a typo that reaches someone else (review AN 1). An active user who has no
    password yet gets a fresh link instead (``token``; the caller mails it to the new address).

    ``base``: the edit form's :func:`user_fingerprints` as loaded; the user is read again
    locked first, so of two saves at once the second sees the first (no usable ``base``: the
    save goes ahead).

    Raises:
        StaleEdit: someone saved the user since ``base``, and this save would change back what
            they saved (nothing written; review BH 6).
        AccountRuleError: the e-mail belongs to another user (``email``), a company user has no
            company (``company_id``), or the role change is refused (``role``, :func:`role_problem`);
            every broken rule at once.
    """
    if user.role == "admin":
        _locked_active_admins()  # PostgreSQL: in id order before this row, as role_problem takes them
    _reread_locked(user)
    values = _user_values(user, changes)
    _refuse_lost(user, values, base, USER_FIELDS)
    problems = account_problems(changes.email, user.role, changes.company_id, user_id=user.id)
    if (refused := role_problem(user, changes.role, acting)) is not None:
        problems.append(refused)
    raise_all(problems)
    if user.role == "admin" and changes.role not in (None, "admin") and not _demote_admin(user, changes.role):
        raise _keeps_role(user)  # the last active one since role_problem counted: nothing written
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    old_role = user.role
    for name in changed:
        setattr(user, name, values[name])
    revoked = _revoke_api_tokens(user, acting, "company_changed") if "company_id" in changed else 0
    if changed:
        audit.record("user_updated", purpose=f"user:{user.id} changed:{','.join(changed)}")
    if "role" in changed:
        audit.record("user_role_changed", purpose=f"user:{user.id} role:{old_role}->{user.role}")
    link_cleared, token = False, None
    if "email" in changed:
        link_cleared = user.set_password_token_hash is not None
        clear_token(user)
        if user.active and not user.password_hash:
            token = issue_set_password_token(user, link_hours)
            audit.record("set_password_link_issued", purpose=f"user:{user.id} email_changed")
    db.session.commit()
    return UserUpdate(changed, revoked, link_cleared, token)


def free_email(user: User) -> str:
    """Give a deactivated ``user`` a reserved address (RFC 2606 ``.invalid``) so that their e-mail
    can be used for a new account; audited; committed. Returns the e-mail freed.

    Raises:
        AccountRuleError: the user is active (an active user's e-mail is theirs to log in with).
    """
    if user.active:
        raise AccountRuleError(f"{user.name} er aktiv. Kun en deaktiveret brugers e-mail kan frigøres.")
    if has_freed_email(user):
        raise AccountRuleError(f"E-mailen for {user.name} er allerede frigjort ({user.email}).")
    freed = user.email
    user.email = reserved_email(user.id)
    clear_token(user)
    audit.record("user_email_freed", purpose=f"user:{user.id}")
    db.session.commit()
    return freed


def set_phone(user: User, phone: str) -> None:
    """Store ``user``'s work phone ("" = none; the contact card then shows the hotline); committed."""
    user.phone = phone
    audit.record("user_phone_set", purpose=f"user:{user.id} {'set' if phone else 'cleared'}")
    db.session.commit()


def lacks_active_vk() -> sa.ColumnElement[bool]:
    """SQL: the company has no VK, or its VK is deactivated (then nobody is told anything)."""
    return sa.or_(Company.consultant_id.is_(None),
                  Company.consultant_id.in_(sa.select(User.id).where(User.active.is_(False))))


def lacks_active_user() -> sa.ColumnElement[bool]:
    """SQL: no active user of the company's own can log in for it (none made yet, or all
    deactivated): nobody posts its openings or answers its candidates (review BG 4)."""
    return ~sa.select(User.id).where(User.company_id == Company.id, User.role == "company", User.active) \
        .correlate(Company).exists()


def without_users_count() -> int:
    """How many companies :func:`lacks_active_user`."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Company).where(lacks_active_user())) or 0


def active_users_by_company(company_ids: list[int], *, active: bool = True) -> dict[int, int]:
    """Each of ``company_ids``' active users counted (``active=False``: the deactivated ones;
    companies with none left out); one statement."""
    if not company_ids:
        return {}
    return {cid: int(n) for cid, n in db.session.execute(
        sa.select(User.company_id, sa.func.count(User.id))
        .where(User.company_id.in_(company_ids), User.role == "company", User.active.is_(active))
        .group_by(User.company_id))}


def company_list(partners_only: bool = False, without_vk: bool = False,
                 vk_id: int | None = None, *, without_users: bool = False) -> tuple[list[Company], int]:
    """The companies by name (Code of Care partners only, those lacking an active VK, those
    of one VK, ``vk_id``, or those without an active user, if asked), with their VKs loaded;
    and how many companies in all lack an active VK."""
    query = sa.select(Company).options(joinedload(Company.consultant)).order_by(*name_order.order_by(Company.name, Company.id))
    if vk_id is not None:
        query = query.where(Company.consultant_id == vk_id)
    if partners_only:
        query = query.where(Company.code_of_care.is_(True))
    if without_vk:
        query = query.where(lacks_active_vk())
    if without_users:
        query = query.where(lacks_active_user())
    missing = db.session.scalar(sa.select(sa.func.count()).select_from(Company).where(lacks_active_vk()))
    return list(db.session.scalars(query)), missing


def company_users(company_id: int) -> list[User]:
    """The users of company ``company_id`` by name, active or not (its page lists them)."""
    return list(db.session.scalars(sa.select(User).where(User.company_id == company_id, User.role == "company")
                                   .order_by(*name_order.order_by(User.name, User.id))))


def consultant_choices(current_id: int | None) -> list[SelectChoice]:
    """The company form's VK options: none, then the active consultants grouped by team.

    A company's current VK stays listed (marked "deaktiveret") after leaving, so the form
    shows the truth; :func:`save_company` refuses to pick someone inactive anew.
    """
    rows = db.session.execute(
        sa.select(User.id, User.name, User.active, Team.name).outerjoin(Team, Team.id == User.team_id)
        .where(User.role == "consultant", sa.or_(User.active, User.id == (current_id or 0)))
        .order_by(Team.name.is_(None), *name_order.order_by(Team.name), *name_order.order_by(User.name, User.id))).all()
    return [SelectChoice(0, NO_CONSULTANT),
            *(SelectChoice(uid, name if active else f"{name} (deaktiveret)", optgroup=team or "Uden team")
              for uid, name, active, team in rows)]


def save_company(company: Company, values: dict, base: str | None = None) -> Company:
    """Create or update ``company`` from ``values`` (the keys in :data:`COMPANY_FIELDS`); committed.

    ``consultant_id`` 0 or None is "no VK". Audited with the names of the changed fields; a
    change of VK also names the old and new VK's user ids. ``base``: the edit form's
    :func:`company_fingerprints` as loaded; the company is read again locked first, so of two
    saves at once the second sees the first (no usable ``base``: the save goes ahead).

    Raises:
        StaleEdit: someone saved the company since ``base``, and this save would change back
            what they saved (nothing written; review BH 6).
        AccountRuleError: another company has the CVR number (``cvr``; also when it was saved
            meanwhile, review BH 7: rolled back), or the chosen VK is not an active consultant
            (``consultant_id``; keeping a VK who has left is allowed).
    """
    # The name NFC with runs of spaces made one, as user and team names (review BK 5).
    values = {**values, "name": clean_line(values["name"]), "consultant_id": values.get("consultant_id") or None}
    if company.id is not None:
        _reread_locked(company)
        _refuse_lost(company, values, base, COMPANY_FIELDS)
    clash = db.session.scalar(sa.select(Company.id).where(Company.cvr == values["cvr"],
                                                           Company.id != (company.id or 0)))
    if clash:
        raise AccountRuleError(CVR_TAKEN, "cvr")
    old_vk = company.consultant_id
    if values["consultant_id"] not in (None, old_vk):
        vk = db.session.get(User, values["consultant_id"])
        if vk is None or vk.role != "consultant" or not vk.active:
            raise AccountRuleError(VK_CHOICE, "consultant_id")
    changed = [name for name in COMPANY_FIELDS if getattr(company, name) != values[name]]
    for name in COMPANY_FIELDS:
        setattr(company, name, values[name])
    try:
        db.session.add(company)
        db.session.flush()  # the CVR's unique constraint speaks here, not at a query's autoflush
        vk_change = f" vk:{old_vk or '-'}->{values['consultant_id'] or '-'}" if "consultant_id" in changed else ""
        audit.record("company_saved", purpose=f"company:{company.cvr} changed:{','.join(changed) or '-'}{vk_change}")
        db.session.commit()
    except sa.exc.IntegrityError:  # the same CVR saved meanwhile (two admins, a double submit)
        db.session.rollback()
        raise AccountRuleError(CVR_TAKEN, "cvr") from None
    return company


def toggle_active(user: User, acting: User) -> int:
    """Enable a disabled user, or disable an active one (ending their sessions and pending
    link, and revoking their API keys, so enabling the user again revives none of them).

    A user whose e-mail was freed is not enabled until they have a real e-mail again (review
    AQ 3): with the reserved address nobody can log in, and no link or notice reaches them.

    Returns:
        The number of API keys revoked (0 when enabling).

    Raises:
        AccountRuleError: for enabling a user whose e-mail is freed, disabling oneself, or the
            last active administrator.
    """
    if not user.active and has_freed_email(user):
        raise AccountRuleError(
            f"{user.name} er ikke aktiveret: e-mailen er frigjort ({user.email}), og med den kan brugeren hverken "
            "logge ind eller få mail. Skriv en rigtig e-mail under »Ret bruger«, og aktivér derefter brugeren"
            + ("." if user.password_hash else "; send så et link til at vælge adgangskode med »Send nyt link«."))
    if not user.active:
        user.active = True
        end_all_sessions(user)
        audit.record("user_enabled", purpose=f"user:{user.id}")
        _reindex_caseload(user)
        return 0
    if user.id == acting.id:
        raise AccountRuleError("Du kan ikke deaktivere din egen bruger. Bed en anden administrator om det.")
    if user.role == "admin" and not _disable_admin(user):
        raise AccountRuleError(f"{user.name} er den sidste aktive administrator og kan ikke deaktiveres. "
                               "Opret eller aktivér en anden administrator først.")
    user.active = False
    end_all_sessions(user)
    clear_token(user)
    audit.record("user_disabled", purpose=f"user:{user.id}")
    _reindex_caseload(user)
    return _revoke_api_tokens(user, acting, "user_disabled")


def _reindex_caseload(user: User) -> None:
    """Tell the matching index about the open cases ``user`` is VK for: a deactivated VK counts
    as none (``Citizen.missing_for_matching``), so they leave matching, and come back when the
    user is enabled again. Each row's version rises (``updated_at``), as on any matching change."""
    now = clock.utcnow()
    for citizen in db.session.scalars(sa.select(Citizen).where(
            Citizen.vk_id == user.id, Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None))):
        citizen_changed(db.session, citizen, now=now)


@dataclass(frozen=True)
class Holdings:
    """What a user still holds that a deactivated user cannot handle.

    ``citizens``: open cases with the user as VK (they cannot be matched until they get an
    active one); ``advised``: open cases with the user as beskæftigelsesrådgiver (the adviser
    owns the case); ``companies``: companies with the user as VK (marked "Ingen VK");
    ``requests``: hotline requests assigned to the user and not closed (the staff lists show
    them as unassigned). Citizens under restricted processing (GDPR art. 18) are read-only, so
    nobody can hand them over: they are counted apart, ``restricted_citizens`` (as VK) and
    ``restricted_advised`` (as adviser), and not in ``citizens`` or ``advised``.
    """

    user_id: int
    name: str
    citizens: int
    advised: int
    companies: int
    requests: int
    restricted_citizens: int = 0
    restricted_advised: int = 0

    def __bool__(self) -> bool:
        return bool(self.movable or self.restricted)

    @property
    def movable(self) -> bool:
        """Anything :func:`.caseload.hand_over` can give to someone else."""
        return bool(self.citizens or self.advised or self.companies or self.requests)

    @property
    def restricted(self) -> int:
        """Open cases under restricted processing held as VK plus those held as adviser."""
        return self.restricted_citizens + self.restricted_advised


@dataclass(frozen=True)
class HeldKind:
    """One kind of thing a user holds: the rows of ``model`` whose ``holder`` column names the
    user and that meet ``where``; ``name`` is the :class:`Holdings` field that counts it."""

    name: str
    model: type
    holder: sa.ColumnElement
    where: tuple[sa.ColumnElement[bool], ...]


def held_kinds() -> tuple[HeldKind, ...]:
    """What a user holds, as :class:`Holdings` counts it, in its field order: open cases as VK
    and as adviser (restricted ones apart), companies as VK, hotline requests not closed. The
    users page, the confirmation before deactivating and the admin start page's sums over
    deactivated users (:func:`portal.main.overview.for_admin`) all read this one definition."""
    open_case = (Citizen.case_closed.is_(None), Citizen.anonymised_at.is_(None))
    free, restricted = Citizen.restricted.is_(False), Citizen.restricted.is_(True)
    return (HeldKind("citizens", Citizen, Citizen.vk_id, (*open_case, free)),
            HeldKind("advised", Citizen, Citizen.adviser_id, (*open_case, free)),
            HeldKind("companies", Company, Company.consultant_id, ()),
            HeldKind("requests", HotlineRequest, HotlineRequest.assigned_to_id, (HotlineRequest.status != "closed",)),
            HeldKind("restricted_citizens", Citizen, Citizen.vk_id, (*open_case, restricted)),
            HeldKind("restricted_advised", Citizen, Citizen.adviser_id, (*open_case, restricted)))


def holdings(user_ids: list[int] | None = None, *, include_active: bool = False) -> list[Holdings]:
    """The deactivated users (of ``user_ids``, or all; active ones too with ``include_active``)
    who still hold citizens (as VK or adviser), companies or hotline requests, by name.

    One statement whatever the number of users or rows: each kind's rows are counted once,
    grouped by their holder (``citizen`` has an index on its VK and adviser, 0027), never
    once per user (review AB 4); the counts are joined to the users' names.
    """
    kinds = held_kinds()
    users = sa.select(User.id)
    if not include_active:
        users = users.where(User.active.is_(False))
    if user_ids is not None:
        users = users.where(User.id.in_(user_ids))
    # The kind's position as a literal column (our own small int): a bind parameter in a UNION's
    # select list has no type PostgreSQL can infer.
    counted = sa.union_all(*(
        sa.select(sa.literal_column(str(position)).label("kind"), kind.holder.label("holder"),
                  sa.func.count().label("held"))
        .select_from(kind.model).where(kind.holder.in_(users), *kind.where).group_by(kind.holder)
        for position, kind in enumerate(kinds))).subquery()
    query = (sa.select(User.id, User.name, counted.c.kind, counted.c.held)
             .join(counted, counted.c.holder == User.id).order_by(*name_order.order_by(User.name, User.id)))
    found: dict[int, tuple[str, list[int]]] = {}
    for uid, name, position, held in db.session.execute(query):
        found.setdefault(uid, (name, [0] * len(kinds)))[1][int(position)] = int(held)
    rows = (Holdings(uid, name, **{kind.name: count for kind, count in zip(kinds, counts)})
            for uid, (name, counts) in found.items())
    return [held for held in rows if held]


def live_keys(user_ids: list[int]) -> dict[int, int]:
    """How many API keys that work now (not revoked, not expired) each of ``user_ids`` holds
    (users without any are left out); one statement. Deactivating a user revokes them for good."""
    if not user_ids:
        return {}
    rows = db.session.execute(sa.select(ApiToken.user_id, sa.func.count(ApiToken.id))
                              .where(ApiToken.user_id.in_(user_ids), ApiToken.revoked_at.is_(None),
                                     ApiToken.expires_at > clock.utcnow())
                              .group_by(ApiToken.user_id))
    return {uid: int(count) for uid, count in rows}


def _revoke_api_tokens(user: User, acting: User, why: str) -> int:
    """Revoke ``user``'s unrevoked API keys, each audited as when revoked by hand (plus ``why``)."""
    tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))).all()
    now = clock.utcnow()
    for token in tokens:
        token.revoked_at = now
        token.revoked_by_id = acting.id
        audit.record("api_token_revoked", purpose=f"token:{token.id} owner:{user.id} {why}")
    return len(tokens)


def _disable_admin(user: User) -> bool:
    """Disable administrator ``user`` unless no other active one would be left; True if done.

    Two administrators disabling each other at once must not leave none. On PostgreSQL the
    active administrators are locked (``FOR UPDATE``, in id order) while counted; SQLite
    has no row locks but runs one write at a time, so the UPDATE itself repeats the count.
    A bulk UPDATE skips the ORM's flush hook that stamps ``deactivated_at``
    (``store.models.accounts``), so it stamps the row itself: the row is right whether or not
    the caller also changes the loaded object.
    """
    if not _locked_active_admins() - {user.id}:
        return False
    result = db.session.execute(sa.update(User).where(User.id == user.id, User.active, _another_active_admin(user))
                                .values(active=False, deactivated_at=clock.utcnow())
                                .execution_options(synchronize_session=False))
    return result.rowcount == 1
