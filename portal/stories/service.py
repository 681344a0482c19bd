"""Success stories (gode historier): the rules for writing, publishing and showing them.

Consultants and administrators write stories about a Code of Care partner's placements;
partners read each other's published ones. Every change is one transaction with an audit
event ("story_created", "story_updated", "story_published", "story_withdrawn") whose purpose
is ``story:<id>``; the story's title and text never go into the audit log. A linked placement
decides the type and the outcome: a story must have the placement's type, and no outcome or
the one the placement ended with. A placement cancelled before its start (end reason "aflyst")
never happened: it has no outcome, and a story linked to it is not published. Broken rules raise
:class:`StoryError` with a Danish message and write nothing.

A success story tells what a placement led to: it is published only about a placement that has
ended (its end day reached) with a success end reason (:data:`SUCCESS_END_REASONS`: ordinært
job, fleksjob or uddannelse, the demo's stories and the follow-up's »moved on«), with that
outcome shown. A story about a placement that has just started, is still running or ended
otherwise may be kept as a draft, never published (review, finding 2): partners would read
»Intet udfald endnu« as a success.

A story never names the citizen. Publishing (and saving an already published story) needs a
linked placement, so that the citizen the story is about is known, and refuses a title or text
with a word that is a part of that citizen's name, also when written in another case, with
look-alike letters from another alphabet, with other accents or with a Danish ending ("Rahels",
"Rahel's"); see :mod:`.names`. A whole word only: "Ibsen" is not "Ib".

A story never gives away health details or limitations either: saving (a draft too) and
publishing refuse a title or text with a word of the portal's one list of such words
(:data:`portal.health_words.HEALTH_WORDS`, also behind the jobmål shown to a company), such as
"skånehensyn", "sygemeldt" or "fleksjob". The type and outcome fields are shown beside the
text; the text must not add to them. Nor do those fields show fleksjob: a story shows
ordinært job and fleksjob alike as »Job« (:mod:`.shown`), and the list filters by the shown type.

Two consultants editing the same story never overwrite each other unseen: the edit form
carries the fingerprints of :data:`EDITABLE_FIELDS` as it was loaded (:func:`fingerprints`,
see :mod:`portal.merge`; the story has no version column), and :func:`update_story` refuses
with :class:`StaleStory` a save that would change back what someone else saved meanwhile.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from .. import audit, merge, name_order
from ..extensions import db
from ..rules import RuleError, raise_all
from ..health_words import health_words_in
from store.models import Citizen, Company, Placement, SuccessStory, User
from store import clock
from store.models.base import utcnow
from store.models.vocab import CANCELLED, END_REASONS, OPENING_KINDS, SUCCESS_END_REASONS
from .names import name_hits
from .shown import stored_kinds


class StoryError(RuleError):
    """A story rule is broken (see :class:`portal.rules.RuleError`)."""


# What the edit form changes, by the story's attribute names (and StoryData's).
EDITABLE_FIELDS = ("title", "text", "company_id", "placement_id", "kind", "outcome", "consent_confirmed")


class StaleStory(Exception):
    """Someone saved the story after the form was loaded, and this save would undo it.

    ``found`` (:class:`portal.merge.Merge`): the fields the other person changed to something
    else than this form sends (``theirs``), those this user changed too (``both``), and the
    saved values of the fields only the other person changed (``take``). Nothing is written.
    """

    def __init__(self, found: merge.Merge) -> None:
        super().__init__("story changed meanwhile")
        self.found = found


def fingerprints(source) -> str:
    """The edit form's hidden ``base``: each of :data:`EDITABLE_FIELDS` of ``source`` (a story
    or :class:`StoryData`) fingerprinted (:func:`portal.merge.fingerprints`)."""
    return merge.fingerprints(source, EDITABLE_FIELDS)


@dataclass(frozen=True)
class StoryData:
    """What the consultant typed and chose (already shape-validated by the form)."""

    title: str
    text: str
    company_id: int
    placement_id: int | None
    kind: str
    outcome: str | None
    consent_confirmed: bool


def partner_companies() -> list[Company]:
    """Active Code of Care partner companies, by name (the only companies a story may be about)."""
    return list(db.session.scalars(sa.select(Company).where(
        Company.code_of_care.is_(True), Company.active.is_(True)).order_by(*name_order.order_by(Company.name, Company.id))))


def partner_placements(company_id: int | None) -> list[Placement]:
    """The placements of partner company ``company_id``, newest first (the ones a story about it
    may link to); none while no company is chosen."""
    if company_id is None:
        return []
    return list(db.session.scalars(
        sa.select(Placement).join(Company, Placement.company_id == Company.id)
        .where(Company.code_of_care.is_(True), Company.active.is_(True), Company.id == company_id)
        .options(joinedload(Placement.company), joinedload(Placement.citizen))
        .order_by(Placement.start_date.desc(), Placement.id.desc())))


def published_for_partners(kind: str | None = None) -> list[SuccessStory]:
    """Published stories of current partner companies, newest first; ``kind`` (a shown type of
    :data:`.shown.STORY_KINDS`) filters."""
    query = (sa.select(SuccessStory).join(Company, SuccessStory.company_id == Company.id)
             .where(SuccessStory.status == "published", Company.code_of_care.is_(True))
             .options(joinedload(SuccessStory.company))
             .order_by(SuccessStory.published_at.desc(), SuccessStory.id.desc()))
    if kind:
        query = query.where(SuccessStory.kind.in_(stored_kinds(kind)))
    # A story published before the health rule stays hidden until a consultant rewrites it.
    return [story for story in db.session.scalars(query)
            if not health_words(f"{story.title}\n{story.text}")]


def all_for_staff(kind: str | None = None, status: str | None = None) -> list[SuccessStory]:
    """Every story with its status (consultants' overview), newest first; optional filters
    (``kind`` a shown type, as for partners)."""
    query = (sa.select(SuccessStory).options(joinedload(SuccessStory.company), joinedload(SuccessStory.author))
             .order_by(SuccessStory.created_at.desc(), SuccessStory.id.desc()))
    if kind:
        query = query.where(SuccessStory.kind.in_(stored_kinds(kind)))
    if status:
        query = query.where(SuccessStory.status == status)
    return list(db.session.scalars(query))


def create_story(data: StoryData, author: User) -> SuccessStory:
    """Save a new draft story by ``author`` and commit.

    Raises:
        StoryError: if the company is not a partner, the placement is not the company's, or
            the title or text holds health details.
    """
    _check_health(data)
    placement = _check_links(data)
    story = SuccessStory(author_id=author.id, status="draft")
    _apply(story, data)
    db.session.add(story)
    db.session.flush()
    _audit("story_created", story, placement)
    db.session.commit()
    return story


def update_story(story: SuccessStory, data: StoryData, base: str | None = None) -> SuccessStory:
    """Save changes to ``story`` and commit; a published story must still pass the publish rules.

    ``base`` is the form's :func:`fingerprints` as it was loaded. The story is locked and read
    again first, so of two saves at once the second sees the first. Without a usable ``base``
    (a form from before it existed) the save goes ahead.

    Raises:
        StaleStory: someone saved the story since ``base``, and this save would change back
            what they saved (the caller rolls back).
        StoryError: for a broken link rule, health details in the title or text, or
            (published story) missing consent or a name.
    """
    _lock(story)
    _check_not_stale(story, data, base)
    _check_health(data)
    placement = _check_links(data)
    if story.status == "published":
        _check_publishable(data, placement)
    _apply(story, data)
    _audit("story_updated", story, placement)
    db.session.commit()
    return story


def publish_story(story: SuccessStory) -> SuccessStory:
    """Publish ``story`` (a draft or a withdrawn one) for all partners and commit.

    Raises:
        StoryError: if already published, the company is no longer a partner, the citizen's
            consent is not confirmed, or the title/text names the citizen or holds health
            details (a draft saved before that rule).
    """
    if story.status == "published":
        raise StoryError("Historien er allerede offentliggjort.")
    data = StoryData(story.title, story.text, story.company_id, story.placement_id, story.kind,
                     story.outcome, story.consent_confirmed)
    _check_health(data)
    placement = _check_links(data)
    _check_publishable(data, placement)
    story.status, story.published_at = "published", utcnow()
    _audit("story_published", story, placement)
    db.session.commit()
    return story


def withdraw_story(story: SuccessStory) -> SuccessStory:
    """Withdraw a published story: partners no longer see it. Commits.

    Raises:
        StoryError: if the story is not published.
    """
    if story.status != "published":
        raise StoryError("Kun en offentliggjort historie kan trækkes tilbage.")
    story.status = "withdrawn"
    _audit("story_withdrawn", story, story.placement)
    db.session.commit()
    return story


def health_words(text: str) -> list[str]:
    """The words of ``text`` that give away health details or limitations, as written, each once."""
    return health_words_in(text)


def _check_health(data: StoryData) -> None:
    errors = []
    for field, label, value in (("title", "Overskriften", data.title), ("text", "Historien", data.text)):
        if words := health_words(value):
            quoted = ", ".join(f"»{word}«" for word in words)
            errors.append(StoryError(
                f"{label} må ikke nævne helbred, begrænsninger eller skånehensyn: {quoted}. Sammen med "
                "virksomheden kan det genkende borgeren. Skriv om opgaverne og samarbejdet i stedet; "
                "type forløb og udfald vises for sig.", field))
    raise_all(errors)


def _name_hits(text: str, citizen: Citizen | None):
    """Where ``text`` names ``citizen`` (:func:`.names.name_hits`). An anonymised citizen has no
    name left to protect (and "Anonymiseret borger" must not block the word "borger")."""
    if citizen is None or citizen.anonymised_at is not None:
        return []
    return name_hits(text, citizen.name)


def _check_links(data: StoryData) -> Placement | None:
    company = db.session.get(Company, data.company_id)
    if company is None or not company.code_of_care:
        raise StoryError("Virksomheden skal være Code of Care-partner.", "company")
    if data.placement_id is None:
        return None
    placement = db.session.get(Placement, data.placement_id)
    if placement is None or placement.company_id != company.id:
        raise StoryError("Forløbet skal høre til den valgte virksomhed.", "placement")
    _check_matches_placement(data, placement)
    return placement


def _check_matches_placement(data: StoryData, placement: Placement) -> None:
    """Type and outcome must be the placement's: partners must not read of an outcome that did
    not happen. No outcome is always allowed; an outcome only once the placement has ended, and
    never for one cancelled before its start (end reason "aflyst": it has no outcome)."""
    kind = OPENING_KINDS[placement.kind]
    if data.kind != placement.kind:
        raise StoryError(f"Forløbet er af typen »{kind}«: vælg den type, eller vælg et andet forløb.", "kind")
    if data.outcome is None:
        return
    if placement.end_reason == CANCELLED:
        raise StoryError("Forløbet blev aflyst før start og har intet udfald: vælg »Intet udfald endnu«.",
                         "outcome")
    if not _ended(placement):
        raise StoryError("Forløbet er ikke afsluttet endnu: vælg »Intet udfald endnu«. Udfaldet kan "
                         "skrives på, når forløbet er afsluttet.", "outcome")
    if data.outcome != placement.end_reason:
        reason = END_REASONS[placement.end_reason]
        raise StoryError(f"Forløbet endte med »{reason}«: vælg det udfald (eller »Intet udfald endnu«).",
                         "outcome")


def _ended(placement: Placement) -> bool:
    """Whether ``placement`` has ended: an end reason and an end day not after today (an end
    registered ahead is still running until that day)."""
    return placement.end_reason is not None and placement.end_date is not None \
        and placement.end_date <= clock.today()


def _check_success(data: StoryData, placement: Placement) -> None:
    """A published story is about a placement that ended in a success, with that outcome."""
    if not _ended(placement):
        raise StoryError("En god historie fortæller, hvad forløbet førte til: den kan først offentliggøres, "
                         "når forløbet er afsluttet med ordinært job, fleksjob eller uddannelse. Forløbet er "
                         "ikke afsluttet endnu; gem historien som kladde så længe.", "placement")
    if placement.end_reason not in SUCCESS_END_REASONS:
        reason = END_REASONS[placement.end_reason]
        raise StoryError(f"Forløbet endte med »{reason}«: en god historie kan kun offentliggøres om et forløb, "
                         "der er afsluttet med ordinært job, fleksjob eller uddannelse. Vælg et andet forløb.",
                         "placement")
    if data.outcome != placement.end_reason:
        reason = END_REASONS[placement.end_reason]
        raise StoryError(f"Vælg udfaldet »{reason}«, som forløbet endte med: virksomhederne ser udfaldet ved "
                         "siden af historien.", "outcome")


def _check_publishable(data: StoryData, placement: Placement | None) -> None:
    if not data.consent_confirmed:
        raise StoryError("Historien kan først offentliggøres, når borgerens samtykke til at dele den "
                         "er bekræftet.", "consent_confirmed")
    if placement is None:
        raise StoryError("Historien skal være knyttet til et forløb, før den kan offentliggøres: "
                         "ellers kan portalen ikke tjekke, at den ikke nævner borgerens navn.", "placement")
    if placement.end_reason == CANCELLED:
        raise StoryError("Forløbet blev aflyst før start: en historie om et forløb, der aldrig blev til noget, "
                         "kan ikke offentliggøres. Vælg et andet forløb.", "placement")
    _check_success(data, placement)
    hits = _name_hits(f"{data.title}\n{data.text}", placement.citizen)
    if hits:
        words = ", ".join(dict.fromkeys(f"»{hit.word}« ({hit.rule})" for hit in hits))
        raise StoryError(f"Historien nævner borgerens navn og kan ikke offentliggøres: {words}. En historie "
                         "må aldrig navngive borgeren: skriv fx »medarbejderen« eller »den nye kollega«.",
                         "text")


def _lock(story: SuccessStory) -> None:
    """Take the story's row lock (PostgreSQL) or the write lock (SQLite) until the commit, and
    read it again: a no-op write, as SQLite ignores SELECT ... FOR UPDATE."""
    table = SuccessStory.__table__
    db.session.execute(sa.update(table).where(table.c.id == story.id).values(title=table.c.title))
    db.session.refresh(story)


def _check_not_stale(story: SuccessStory, data: StoryData, base: str | None) -> None:
    found = merge.lost(story, dataclasses.asdict(data), base, EDITABLE_FIELDS)
    if found is not None:
        raise StaleStory(found)


def _apply(story: SuccessStory, data: StoryData) -> None:
    story.title, story.text = data.title, data.text
    story.company_id, story.placement_id = data.company_id, data.placement_id
    story.kind, story.outcome = data.kind, data.outcome
    story.consent_confirmed = data.consent_confirmed


def _audit(action: str, story: SuccessStory, placement: Placement | None) -> None:
    # The story is about a citizen even without their name: log whose, never the text.
    audit.record(action, citizen_id=placement.citizen_id if placement else None,
                 purpose=f"story:{story.id}")
