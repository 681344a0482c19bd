"""Forms for success stories: write/edit, the publish/withdraw buttons, the list filter.

The forms check shape (lengths, known choices, invisible characters) with Danish messages;
the rules that need the database (partner company, the placement's company, consent, and on
publish the placement link and the citizen's name) live in :mod:`.service`. Company, author and status never
come from a POST other than through the declared choices: fields such as ``status``,
``author_id`` or ``role`` are not declared and so never read.
"""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..formutil import (ChoiceField, DanishForm, DanishGetForm, Required, choices, no_cpr,
                        no_hidden_characters, no_nul)
from ..text import clean_line, clean_text
from ..i18n import format_date
from store.models import Company, Placement
from store.models.stories import STORY_STATUSES, STORY_TEXT_LENGTH, STORY_TITLE_LENGTH
from store.models.vocab import CANCELLED, END_REASONS, ENDING_REASONS, OPENING_KINDS
from .service import StoryData
from .shown import STORY_KINDS

MIN_TEXT_LENGTH = 20


def placement_label(placement: Placement) -> str:
    """How a consultant recognises a placement in the list (staff only: names the citizen)."""
    if placement.end_reason == CANCELLED:
        state = "aflyst før start"
    elif placement.end_reason and placement.end_date:
        state = f"slut {format_date(placement.end_date)}: {END_REASONS[placement.end_reason]}"
    else:
        state = "i gang"
    return (f"Forløb nr. {placement.id} · {OPENING_KINDS[placement.kind]} · "
            f"start {format_date(placement.start_date)} · {state} · {placement.citizen.name}")


class PlacementField(ChoiceField):
    """The placement choice: only the chosen company's placements are offered."""

    MESSAGE = ("Forløbet skal høre til den valgte virksomhed. Har du skiftet virksomhed, så tryk "
               "»Vis virksomhedens forløb« og vælg igen.")


class StoryForm(DanishForm):
    """Write or edit a story; choices of company and placement are the partners' (set per request)."""

    title = StringField("Overskrift", filters=[clean_line], validators=[
        DataRequired("Skriv en overskrift."), no_nul, no_hidden_characters, no_cpr(),
        Length(3, STORY_TITLE_LENGTH, f"Overskriften skal være 3-{STORY_TITLE_LENGTH} tegn.")],
        render_kw={"maxlength": STORY_TITLE_LENGTH})
    company = ChoiceField("Code of Care-virksomhed", validators=[Required("Vælg virksomheden.")])
    placement = PlacementField("Forløb (kræves før offentliggørelse)", default="")
    kind = ChoiceField("Type forløb (følger det valgte forløb)", choices=choices(OPENING_KINDS),
                       validators=[Required("Vælg en type forløb.")])
    # A placement cancelled before its start has no outcome: »Aflyst før start« is not offered.
    outcome = ChoiceField("Udfald", choices=choices([("", "Intet udfald endnu"), *ENDING_REASONS.items()]),
                          default="")
    text = TextAreaField("Historien", filters=[clean_text], validators=[
        DataRequired("Skriv historien."), no_nul, no_hidden_characters, no_cpr(),  # read by partners (review BH 9)
        Length(MIN_TEXT_LENGTH, STORY_TEXT_LENGTH,
               f"Historien skal være {MIN_TEXT_LENGTH}-{STORY_TEXT_LENGTH} tegn.")],
        render_kw={"rows": 10, "maxlength": STORY_TEXT_LENGTH})
    consent_confirmed = BooleanField("Borgeren har givet samtykke til, at historien deles med "
                                     "Code of Care-virksomhederne (uden navn)")
    # The edit form: each field's fingerprint as the story was loaded (service.fingerprints),
    # so a save after someone else's is refused instead of undoing theirs.
    base = HiddenField()

    def __init__(self, *args, companies: list[Company], placements: list[Placement], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.company.choices = choices([("", "Vælg virksomhed"),
                                        *((str(c.id), c.name) for c in companies)])
        first = "Intet forløb" if self.company.data else "Vælg først virksomheden"
        self.placement.choices = choices([("", first),
                                          *((str(p.id), placement_label(p)) for p in placements)])
        # The type is the chosen placement's (review, finding 2): the kind field only counts
        # for a story without a placement, so choosing the placement is enough.
        kind = {str(p.id): p.kind for p in placements}.get(self.placement.data or "")
        if kind is not None:
            self.kind.data = kind

    def story_data(self) -> StoryData:
        """The validated fields as :class:`StoryData` (call after ``validate_on_submit``)."""
        return StoryData(
            title=self.title.data, text=self.text.data, company_id=int(self.company.data),
            placement_id=int(self.placement.data) if self.placement.data else None,
            kind=self.kind.data, outcome=self.outcome.data or None,
            consent_confirmed=bool(self.consent_confirmed.data))


class ActionForm(DanishForm):
    """Publish or withdraw: nothing but the CSRF token."""


class ListFilterForm(DanishGetForm):
    """GET filters of the story list (no CSRF: it changes nothing). Bad values mean "all"."""

    # The shown types: a filter on »Fleksjob« would tell partners which stories are fleksjob.
    kind = SelectField("Type forløb", choices=choices({"": "Alle typer", **STORY_KINDS}), default="")
    status = SelectField("Status", choices=choices({"": "Alle", **STORY_STATUSES}), default="")

    def cleaned(self) -> dict:
        self.validate()
        return {"kind": self.kind.data if not self.kind.errors else "",
                "status": self.status.data if not self.status.errors else ""}
