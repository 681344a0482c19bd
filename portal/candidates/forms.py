"""Filters for a ranking (GET), the consultant's decision and the shared profile (POST)."""
from __future__ import annotations

from wtforms import (BooleanField, FloatField, HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, ValidationError

from matching.domain import DEFAULT_PRIORITY, PRIORITY_STRENGTHS

from ..formutil import (DanishDateField, DanishDecimalField, DanishForm, LicencesField, WholeNumberField, choices,
                        in_range, no_cpr, no_hidden_characters)
from ..shared_goal import MAX_SHARED_GOAL_LENGTH, GoalChoice
from .none_suitable import health_problem
from store.models.openings import NONE_SUITABLE_REASON_LENGTH
from store.models.vocab import BENEFIT_GROUPS, READINESS_GROUPS

# The longest list the form allows (its k), and so the furthest a sought citizen is looked for.
MAX_K = 100
K_MESSAGE = f"Vælg mellem 1 og {MAX_K} kandidater."
MAX_DISTANCE_KM = 300
DISTANCE_MESSAGE = f"Afstanden skal være mellem 0 og {MAX_DISTANCE_KM} km."
DISTANCE_NOT_A_NUMBER = f"Skriv afstanden som et tal i km mellem 0 og {MAX_DISTANCE_KM}, fx 25."
# The per-search policy priority (matching.domain.PRIORITY_STRENGTHS), in the consultant's words.
_PRIORITY_LABELS = {"off": "Fra", "normal": "Normal", "strong": "Stærk"}
PRIORITIES = {key: _PRIORITY_LABELS[key] for key in PRIORITY_STRENGTHS}


class CheckboxesField(SelectMultipleField):
    """A multiple choice as checkboxes (render with ``checkboxes`` from
    templates/macros/forms.html): a squeezed ``<select multiple>`` reads as one dropdown."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RankingFilterForm(DanishForm):
    benefit_groups = CheckboxesField("Ydelsesgruppe", choices=choices(BENEFIT_GROUPS),
                                     description="Vælg en eller flere; ingen valgt: alle.")
    readiness_groups = CheckboxesField("Parathed", choices=choices(READINESS_GROUPS),
                                       description="Vælg en eller flere; ingen valgt: alle.")
    # One message for a value that is not a number (not the parse's and the range's both):
    # in_range is silent when the value did not parse (browser review 2).
    max_distance_km = FloatField("Højst km fra arbejdsstedet", validators=[
        Optional(), in_range(0, MAX_DISTANCE_KM, DISTANCE_MESSAGE)], invalid_value_message=DISTANCE_NOT_A_NUMBER)
    k = WholeNumberField("Antal kandidater", default=20, too_large=K_MESSAGE, validators=[
        Optional(), NumberRange(1, MAX_K, K_MESSAGE)])
    vis_frasorterede = BooleanField("Vis også frasorterede med årsag")
    # A citizen the consultant came to find (e.g. from an ended proposal after the case was
    # reopened): the list is widened until the citizen is on it (at most MAX_K).
    borger = WholeNumberField("Borger", too_large="Ukendt borger.", validators=[Optional()])
    prioritet = SelectField(
        "Prioritering", choices=choices(PRIORITIES), default=DEFAULT_PRIORITY,
        description="Hvor meget målgruppen bag 70 %-målet (lang tid uden virksomhedsrettet "
                    "forløb, parathed, tid på ydelse) rykker frem blandt lige gode match. "
                    "Den løfter aldrig en borger over en med klart højere relevans.")


MAX_REASON_LENGTH = 500


class DecisionForm(DanishForm):
    decision = HiddenField(validators=[AnyOf(["approve", "reject"], "Ukendt beslutning.")])
    # The priority the ranking was viewed with: the stored score is the one the consultant saw.
    priority = HiddenField(default=DEFAULT_PRIORITY, validators=[
        Optional(), AnyOf(list(PRIORITIES), "Ukendt prioritering.")])
    reason = StringField("Begrundelse", validators=[
        DataRequired("Skriv en kort begrundelse."),
        Length(max=MAX_REASON_LENGTH, message=f"Højst {MAX_REASON_LENGTH} tegn."), no_hidden_characters,
        no_cpr()])  # stored with the proposal (review BH 9)
    # Reject only: "y" once the consultant confirmed the rejection, which is final
    # (portal.proposals: "rejected" ends a proposal); without it the page asks first.
    confirmed = HiddenField(validators=[Optional(), AnyOf(["y"], "Ukendt bekræftelse.")])
    # The citizen the ranking was opened for (``?borger=``): a refused decision goes back to
    # the ranking with it, so the sought card, the kept input and the error come back.
    # Not validated: it only steers where the page goes back to (:func:`.routes._ranking_url`).
    borger = HiddenField()
    # The ranking's other filters as a query string ("k=30&benefit_groups=dagpenge"), so the
    # consultant lands on the same list after the decision. Not trusted: every value is checked
    # again as the ranking checks it, and only known filters are kept (:func:`.routes._ranking_url`).
    filtre = HiddenField()
    # Approve only: the jobmål the company will see, chosen from the citizen's own
    # (rendered as a list, :func:`goal_options`; checked by shared_goal.check_shared_goal).
    shared_goal = StringField("Jobmål vist for virksomheden", validators=[
        Length(max=MAX_SHARED_GOAL_LENGTH,
               message=f"Jobmålet til virksomheden: Højst {MAX_SHARED_GOAL_LENGTH} tegn.")])


class ProfileForm(DanishForm):
    """The candidate profile the company gets after disclosure (rules in :mod:`.profile`)."""

    experience = TextAreaField("Erfaring (kort resumé)", validators=[
        DataRequired("Skriv et kort resumé af borgerens erfaring."),
        Length(max=600, message="Højst 600 tegn."), no_hidden_characters])
    goals = StringField("Jobmål", validators=[Length(max=200, message="Højst 200 tegn."), no_hidden_characters])
    hours = DanishDecimalField("Timer om ugen", validators=[
        Optional(), in_range(0, 80, "Timetallet skal være mellem 0 og 80.")])
    licences = LicencesField("Kørekort (kategorier)")
    languages = StringField("Sprog", validators=[Length(max=200, message="Højst 200 tegn."), no_hidden_characters])
    start = DanishDateField("Kan starte", validators=[Optional()])


# What the company reads when no jobmål is chosen, and the list's first option.
NO_GOAL = "Foreslået af jobcentret til dette opslag"


def goal_options(goal_choices: list[GoalChoice]) -> list[tuple[str, str]]:
    """The list a consultant chooses the company's jobmål from: none first, then the citizen's
    jobmål (:func:`portal.shared_goal.shared_goal_choices`), those the match found marked."""
    return [("", "Intet jobmål"),
            *((c.title, f"{c.title} (matcher opslaget)" if c.matched else c.title) for c in goal_choices)]


class NoneSuitableForm(DanishForm):
    """»Ingen egnede kandidater lige nu« on a ranking (:mod:`.none_suitable`): why, in short.
    Seen by the job centre only, never by the company; checked as every free text is."""

    reason = StringField("Begrundelse", validators=[
        DataRequired("Skriv en kort begrundelse."),
        Length(max=NONE_SUITABLE_REASON_LENGTH, message=f"Højst {NONE_SUITABLE_REASON_LENGTH} tegn."),
        no_hidden_characters, no_cpr()])

    def validate_reason(self, field) -> None:
        # No health details (the hint says so): :func:`.none_suitable.health_problem`, which
        # :func:`.none_suitable.mark` checks again for any caller.
        if field.data and (problem := health_problem(field.data)):
            raise ValidationError(problem)
