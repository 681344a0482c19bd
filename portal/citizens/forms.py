"""Forms for the citizen pages: list filters, profile (and a new citizen), jobmål, CV, caseworkers,
skånehensyn.

Every field is validated on the server with a Danish message. Ownership never comes
from a form: the citizen is the one in the URL, the acting user is ``current_user``,
and fields such as ``role`` or ``company_id`` in a POST are simply not declared here.
"""
from __future__ import annotations

import re
from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms.widgets import CheckboxInput
from wtforms.validators import (DataRequired, Email, Length, NumberRange, Optional,
                                ValidationError)

from matching.geo import POSTCODES
from matching.redact import NO_CPR_PATTERN, contains_cpr

from .. import postcodes
from ..formutil import (DATE_MISSING, ChoiceField, DanishDateField, DanishDecimalField, DanishForm,
                        DanishGetForm, LicencesField, Required, WholeNumberField, choices, in_range, no_cpr,
                        no_hidden_characters, no_nul)
from ..text import clean_line, clean_text
from ..i18n import and_list, format_number
from ..health_words import health_words_in, whole_words
from store.models.vocab import BENEFIT_GROUPS, LIMITATION_FLAGS, READINESS_GROUPS
from store import clock

MAX_JOB_GOALS = 10
MAX_CV_CHARS = 200_000
SCOPES = {"mine": "Mine borgere", "team": "Mit team", "all": "Alle borgere"}

# Eight ASCII digits, in groups separated by single spaces or hyphens; +45/0045 optional.
_DANISH_PHONE = re.compile(r"(?:(?:\+|00)45[ -]?)?(?P<number>[0-9](?:[ -]?[0-9]){7})")
EMAIL_MESSAGE = "Skriv en gyldig e-mailadresse, fx navn@eksempel.dk."
JOB_GOAL_HINT = ("Skriv stillingsbetegnelser, fx »Lagermedarbejder«. Helbred og skånehensyn hører til "
                 "under Skånehensyn.")
# A jobmål is a job title. One that speaks of the citizen in the first person ("Jeg har ondt i
# ryggen") is a note about the citizen, which belongs under skånehensyn or in the case system.
_FIRST_PERSON = re.compile(r"\b(?:jeg|mig|min|mit|mine)\b", re.IGNORECASE)


def single_spaces(_form, field) -> None:
    """An id is compared as typed: no runs of spaces that would make two ids look alike."""
    if field.data and clean_line(field.data) != field.data:
        raise ValidationError("Id'et må ikke have flere mellemrum i træk.")


# SECURITY.md: never a CPR number anywhere. A citizen's name and languages go to pages, exports
# and the API; a jobmål also to companies (matched jobmål) and the API. The web forms, the import
# and the API's PUT (both through ProfileForm and job_goal_sentence_problem) refuse a CPR-like
# number in them by the portal's one rule, matching.redact.contains_cpr (as for the external id).
# The messages never repeat the number: the import's report goes to logs.
CPR_IN_NAME_MESSAGE = ("Et CPR-nummer må ikke stå i navnet. Skriv kun borgerens navn, uden tal på seks og "
                       "fire cifre: CPR-numre bruges ikke i portalen.")
CPR_IN_LANGUAGES_MESSAGE = ("Et CPR-nummer må ikke stå under sprog. Skriv kun sprogene, fx »dansk, engelsk«: "
                            "CPR-numre bruges ikke i portalen.")
CPR_IN_JOB_GOAL_MESSAGE = ("Et CPR-nummer må ikke stå i et jobmål: jobmål vises for virksomheder. Skriv kun "
                           "stillingsbetegnelsen, uden tal på seks og fire cifre.")
CPR_IN_LIMITATIONS_MESSAGE = "Skriv skånehensyn uden CPR-nummer: CPR-numre bruges ikke i portalen."


def job_goal_sentence_problem(title: str) -> str | None:
    """Why ``title`` is not a job title, or None: it holds a CPR-like number, or it is a
    sentence about the citizen.

    Refused everywhere a jobmål is written: such a text is never a job title.
    """
    if contains_cpr(title):
        return CPR_IN_JOB_GOAL_MESSAGE
    if words := whole_words(_FIRST_PERSON, title):
        quoted = ", ".join(f"»{w}«" for w in words)
        return (f"Jobmålet ligner en sætning om borgeren ({quoted}), ikke en stillingsbetegnelse. "
                + JOB_GOAL_HINT)
    return None


def job_goal_health_words(title: str) -> list[str]:
    """The words of ``title`` that give away health or limitations (the portal's one list,
    :data:`portal.health_words.HEALTH_WORDS`), whole and as written.

    Some job titles hold such a word ("Handicaphjælper"), so a person may confirm one; an
    import or the API, where no one can, refuses it (:mod:`portal.imports.citizens`).
    """
    return health_words_in(title)


def job_goal_health_message(words: list[str]) -> str:
    """The Danish warning for a jobmål that holds ``words`` (from :func:`job_goal_health_words`)."""
    quoted = ", ".join(f"»{w}«" for w in words)
    return (f"Jobmålet ser ud til at nævne helbred eller skånehensyn ({quoted}). Jobmål bruges i "
            "matchingen og er grundlaget for det, virksomheder senere ser. Helbred og skånehensyn "
            "hører til under Skånehensyn.")


# A free text that goes into the audit log (a restriction's note, a reopening's reason, an
# erasure's purpose) stays there after the citizen is erased: SECURITY.md, "Never logged: ...
# CPR numbers, health details", and the privacy page says the log holds numbers, not names.
AUDIT_LOG_KEPT = "Teksten gemmes i adgangsloggen, som ikke slettes sammen med borgeren."
AUDIT_TEXT_MAX = 200  # the audit event's purpose column; longer texts are not searched at all
_EMAIL_LIKE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# Name particles that are also everyday Danish words; a name part shorter than three letters
# ("Bo", "Li") is not looked for either: too many ordinary words would be refused.
_NAME_PARTICLES = frozenset({"van", "von", "der", "den", "del", "bin", "ibn", "ben"})


def audit_text_problem(text: str, *, name: str = "", phone: str = "") -> str | None:
    """Why ``text`` may not go into the audit log, in Danish, or None when it may.

    Refused: a CPR-like number (:func:`matching.redact.contains_cpr`), a health word (the
    portal's one list, :data:`portal.health_words.HEALTH_WORDS`), an e-mail address and, when
    given, the citizen's ``name`` (each part of three letters or more, as a whole word) and
    ``phone`` (its eight digits, however they are spaced). Every problem is named at once.
    A text longer than :data:`AUDIT_TEXT_MAX` is refused unread (the health words' pattern is
    not linear in the length of a long word).
    """
    if len(text) > AUDIT_TEXT_MAX:
        return f"Teksten er for lang til adgangsloggen: højst {AUDIT_TEXT_MAX} tegn."
    problems = []
    if contains_cpr(text):
        problems.append("CPR-nummer")
    if words := health_words_in(text):
        problems.append("helbredsoplysninger (" + ", ".join(f"»{w}«" for w in words) + ")")
    if _EMAIL_LIKE.search(text):
        problems.append("e-mailadresse")
    if found := _name_parts_in(text, name):
        problems.append("borgerens navn (" + ", ".join(f"»{w}«" for w in found) + ")")
    digits = re.sub(r"\D", "", phone)[-8:]
    if len(digits) == 8 and digits in re.sub(r"\D", "", text):
        problems.append("borgerens telefonnummer")
    if not problems:
        return None
    return f"Skriv teksten uden {and_list(problems)}. {AUDIT_LOG_KEPT}"


def _name_parts_in(text: str, name: str) -> list[str]:
    parts = {p.casefold() for p in re.split(r"[\s\-]+", clean_line(name))
             if len(p) >= 3 and p.casefold() not in _NAME_PARTICLES}
    if not parts:
        return []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(parts))) + r")(?!\w)", re.IGNORECASE)
    return list(dict.fromkeys(m.group() for m in pattern.finditer(text)))


def fit_for_audit_log(_form, field) -> None:
    """A form's check of a text kept in the audit log (:func:`audit_text_problem`, without
    the citizen's own name and phone, which the service checks: the form does not know them).
    Silent on a text too long for the field: its length check says so."""
    if field.data and len(field.data) <= AUDIT_TEXT_MAX and (problem := audit_text_problem(field.data)):
        raise ValidationError(problem)


def known_postcode(_form, field) -> None:
    """Matching measures commutes from the postcode, so it must be in the postcode table."""
    code = (field.data or "").strip()
    if not re.fullmatch(r"\d{4}", code):
        raise ValidationError("Postnummeret skal være 4 cifre.")
    if code not in POSTCODES:
        raise ValidationError(postcodes.unknown(code, "Postnummeret kendes ikke i området. Vælg et "
                                                      "postnummer i eller nær Hedensted Kommune."))


def normalise_phone(value: str | None) -> str:
    """A Danish number as "21 34 56 78" (the +45/0045 prefix is implied); anything else unchanged.

    Spaces and hyphens between digit groups are allowed; only ASCII digits count.
    """
    line = clean_line(value)
    match = _DANISH_PHONE.fullmatch(line)
    if not match:
        return line
    digits = re.sub(r"[ -]", "", match["number"])
    return " ".join(digits[i:i + 2] for i in range(0, 8, 2))


def danish_phone(_form, field) -> None:
    """Only Danish numbers: 8 digits, optionally +45 or 0045 first."""
    if field.data and not _DANISH_PHONE.fullmatch(field.data):
        raise ValidationError("Skriv et dansk telefonnummer med 8 cifre, fx 21 34 56 78 eller +45 21 34 56 78.")


def not_future(_form, field) -> None:
    if field.data and not date(1990, 1, 1) <= field.data <= clock.today():
        raise ValidationError("Sagsstart skal ligge mellem 1990 og i dag.")


def placement_end_in_range(_form, field) -> None:
    """A placement's last day that has passed: between 1990 and today."""
    if field.data and not date(1990, 1, 1) <= field.data <= clock.today():
        raise ValidationError(PRIOR_PLACEMENT_RANGE_MESSAGE)


PRIOR_PLACEMENT_LABEL = "Seneste virksomhedsrettede forløb uden for Jobbro (slutdato)"
PRIOR_PLACEMENT_RANGE_MESSAGE = "Slutdatoen for det seneste virksomhedsrettede forløb skal ligge mellem 1990 og i dag."
PRIOR_PLACEMENT_HINT = ("Sidste dag i borgerens seneste virksomhedspraktik eller løntilskud ifølge fagsystemet, fx "
                        "fra før Jobbro blev taget i brug. Tom: intet kendt. Forløb oprettet i Jobbro tæller af sig "
                        "selv; fokusmålet og prioriteringen bruger det seneste af de to.")


# The list's restricted-processing filter (GDPR art. 18): all, only restricted, or none of them.
RESTRICTED_CHOICES = {"": "Alle", "ja": "Kun med begrænset behandling", "nej": "Uden begrænset behandling"}

CPR_SEARCH_MESSAGE = "Søg på navn. CPR-numre bruges ikke i portalen, så der kan ikke søges på dem."


class ListFilterForm(DanishGetForm):
    """GET filters of the citizen list (no CSRF: it changes nothing)."""

    scope = SelectField("Vis", choices=choices(SCOPES), default="mine")
    # A CPR number typed here would sit in the URL, the browser's history and a proxy's access
    # log (SECURITY.md): the browser refuses it before sending (pattern), the list drops it.
    q = StringField("Søg på navn eller id i fagsystemet", validators=[Optional(), Length(max=100)],
                    render_kw={"pattern": NO_CPR_PATTERN, "title": CPR_SEARCH_MESSAGE})
    readiness = SelectField("Parathedsgruppe", choices=choices({"": "Alle", **READINESS_GROUPS}),
                            default="")
    benefit = SelectField("Ydelsesgruppe", choices=choices({"": "Alle", **BENEFIT_GROUPS}), default="")
    incomplete = BooleanField("Kun borgere der mangler CV, jobmål eller VK")
    closed = BooleanField("Vis afsluttede sager (i stedet for åbne)")
    # No VK, or a deactivated one: not matchable, and one on no team is on no consultant's list
    # (an import or the API may leave a citizen so); the administrator's start page links here.
    uden_vk = BooleanField("Uden aktiv virksomhedskonsulent")
    # Only the citizens with this user as VK (the link from a deactivated consultant's cases).
    vk = WholeNumberField("VK", validators=[Optional(), NumberRange(1, 2**31 - 1)])
    # Only the citizens with this user as beskæftigelsesrådgiver (the same link, for advisers).
    raadgiver = WholeNumberField("Rådgiver", validators=[Optional(), NumberRange(1, 2**31 - 1)])
    # Only those under restricted processing ("ja") or not ("nej"): what can be handed over.
    begraenset = SelectField("Begrænset behandling", choices=choices(RESTRICTED_CHOICES), default="")
    page = WholeNumberField("Side", default=1, validators=[Optional(), NumberRange(1, 100_000)])

    def cleaned(self, default_scope: str = "mine") -> dict:
        """The filters, with anything invalid replaced by its default (a bad URL is not an error).

        Args:
            default_scope: the scope of a bad ``scope`` (pass the same as the form's ``scope=``).
        """
        self.validate()
        return {
            "scope": self.scope.data if not self.scope.errors else default_scope,
            "q": clean_line(self.q.data)[:100] if not self.q.errors else "",
            "readiness": self.readiness.data if not self.readiness.errors else "",
            "benefit": self.benefit.data if not self.benefit.errors else "",
            "incomplete": bool(self.incomplete.data),
            "closed": bool(self.closed.data),
            "uden_vk": bool(self.uden_vk.data),
            "vk": self.vk.data if (self.vk.data and not self.vk.errors) else None,
            "raadgiver": self.raadgiver.data if (self.raadgiver.data and not self.raadgiver.errors) else None,
            "begraenset": self.begraenset.data if not self.begraenset.errors else "",
            "page": self.page.data if (self.page.data and not self.page.errors) else 1,
        }


class ProfileForm(DanishForm):
    """The profile fields matching depends on, plus name and contact details."""

    version = HiddenField()
    # Each field's fingerprint as the form was loaded (portal.merge.fingerprints): after someone
    # else saved, this user's changes are merged onto theirs instead of refused for good.
    base = HiddenField()
    name = StringField("Navn", validators=[DataRequired("Skriv borgerens navn."),
                                           Length(2, 120, "Navnet skal være 2–120 tegn."),
                                           no_hidden_characters, no_cpr(CPR_IN_NAME_MESSAGE)])
    phone = StringField("Telefon", filters=[normalise_phone],
                        validators=[Optional(), Length(max=30, message="Højst 30 tegn."),
                                    no_hidden_characters, danish_phone])
    email = StringField("E-mail", filters=[clean_line],
                        validators=[Optional(), Length(max=254, message="Højst 254 tegn."),
                                    no_hidden_characters, Email(EMAIL_MESSAGE)])
    benefit_group = ChoiceField("Ydelsesgruppe", choices=choices(BENEFIT_GROUPS),
                                validators=[DataRequired("Vælg ydelsesgruppe.")])
    hours_available = DanishDecimalField(
        "Timer til rådighed pr. uge",
        validators=[Required("Skriv antal timer (0–80)."),
                    in_range(0, 80, "Timetallet skal være mellem 0 og 80.")])
    postcode = StringField("Postnummer", validators=[DataRequired("Skriv postnummeret."), known_postcode],
                           render_kw={"inputmode": "numeric", "autocomplete": "postal-code",
                                      "list": "known-postcodes", "maxlength": "4"})
    max_commute_km = DanishDecimalField(
        "Længste transport (km)",
        validators=[Required("Skriv hvor langt borgeren kan transportere sig."),
                    in_range(0, 200, "Transportafstanden skal være mellem 0 og 200 km.")])
    driving_licences = LicencesField("Kørekort (kategorier)")
    languages = StringField("Sprog (kommasepareret)",
                            validators=[DataRequired("Skriv mindst ét sprog."),
                                        Length(max=200, message="Højst 200 tegn."), no_hidden_characters,
                                        no_cpr(CPR_IN_LANGUAGES_MESSAGE)])
    readiness_group = ChoiceField("Parathedsgruppe", choices=choices(READINESS_GROUPS),
                                  validators=[DataRequired("Vælg parathedsgruppe.")])
    case_start = DanishDateField("Sagsstart", validators=[Required(DATE_MISSING), not_future])
    # The case system's last virksomhedspraktik or løntilskud (review BG 2); None: none known.
    prior_company_placement_end = DanishDateField(PRIOR_PLACEMENT_LABEL, description=PRIOR_PLACEMENT_HINT,
                                                  validators=[Optional(), placement_end_in_range])
    known_postcodes = POSTCODES  # the input's suggestions (the template's datalist)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.postcode.description = postcodes.hint("Postnummer i eller nær Hedensted Kommune, fx 8722.")


def _strip(value: str | None) -> str:
    return (value or "").strip()


class NewCitizenForm(ProfileForm):
    """"Opret borger": the profile, the VK (the creating consultant by default) and an optional
    case-system id, which the service checks as the import and the API do (unique, not erased)."""

    external_id = StringField("Id i fagsystemet (valgfrit)", filters=[_strip],
                              validators=[Optional(), Length(max=64, message="Højst 64 tegn."),
                                          no_hidden_characters, single_spaces])
    vk_id = ChoiceField("Virksomhedskonsulent (VK)", coerce=int)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # No group chosen for the consultant: a silent first choice would be saved unnoticed.
        self.benefit_group.choices = choices({"": "Vælg ydelsesgruppe", **BENEFIT_GROUPS})
        self.readiness_group.choices = choices({"": "Vælg parathedsgruppe", **READINESS_GROUPS})


CONFIRM_HEALTH_LABEL = "Ja, det er en stillingsbetegnelse (fx »Handicaphjælper«), ikke et helbredsforhold"


class JobGoalForm(DanishForm):
    title = StringField("Nyt jobmål", validators=[DataRequired("Skriv et jobmål."),
                                                  Length(2, 200, "Et jobmål skal være 2–200 tegn."),
                                                  no_hidden_characters, no_cpr(CPR_IN_JOB_GOAL_MESSAGE)])
    # Shown only after a warning (see job_goal_health_words): ticking it saves the title as typed.
    title_confirmed = BooleanField(CONFIRM_HEALTH_LABEL)
    ask_confirmation = False


class JobGoalEditForm(DanishForm):
    """A jobmål's new text (same rules as a new one); the field has its own name beside the add form's."""

    new_title = StringField("Jobmål", validators=[DataRequired("Skriv et jobmål."),
                                                  Length(2, 200, "Et jobmål skal være 2–200 tegn."),
                                                  no_hidden_characters, no_cpr(CPR_IN_JOB_GOAL_MESSAGE)])
    new_title_confirmed = BooleanField(CONFIRM_HEALTH_LABEL)
    # The text the page showed: a rename after someone else's is refused (routes_goals).
    old_title = HiddenField()
    ask_confirmation = False


class JobGoalRemoveForm(DanishForm):
    """"Fjern" is sent only from the confirmation (``confirmed=ja``)."""

    confirmed = HiddenField()


class JobGoalMoveForm(DanishForm):
    direction = ChoiceField("Retning", choices=choices({"up": "Op", "down": "Ned"}))


class ActionForm(DanishForm):
    """A bare POST with CSRF (remove buttons)."""


class CvUploadForm(DanishForm):
    file = FileField("CV-fil (PDF, Word .docx eller tekst .txt, højst 5 MB)",
                     validators=[FileRequired("Vælg en fil.")])


class CvTextForm(DanishForm):
    text = TextAreaField("CV som tekst", validators=[
        DataRequired("Skriv eller indsæt CV'et."),
        Length(20, MAX_CV_CHARS, f"CV-teksten skal være mellem 20 og {format_number(MAX_CV_CHARS)} tegn."),
        no_nul])


# Why a CV version is deleted, as a choice: the natural reason (»another person's CV«) must not
# invite that person's name into the access log (review AP 6). The label goes into the purpose.
CV_DELETE_REASONS = {"other_person": "En anden persons CV", "wrong_file": "Forkert fil",
                     "faulty": "Fejlbehæftet version", "other": "Andet"}
# »cv <id> gemt dd.mm.åååå tt:mm:ss: «, the longest label, » – « and this fit the audit log's 200 characters.
MAX_CV_DELETE_NOTE = 100
CV_DELETE_NOTE_HINT = ("Skal udfyldes ved »Andet«. Uddybningen gemmes i adgangsloggen: skriv ikke navne (heller ikke "
                       "den anden persons), helbredsoplysninger eller CPR-numre. Fx »Uploadet på den forkerte "
                       "borger«.")


class CvDeleteForm(DanishForm):
    """Why a CV version is deleted (a fixed reason, and a short note, required for »Andet«), kept
    in the audit log (``cv_deleted``): the note is checked by :func:`audit_text_problem` in the
    route, with the citizen's name and phone.

    ``version`` is the version's key as the page showed it
    (:func:`portal.citizens.cv_removal.version_key`): an id deleted and given to the next CV saved
    (review AP 1) then no longer matches, and the route refuses instead of deleting the new CV.
    """

    version = HiddenField()
    reason = RadioField("Hvorfor slettes CV'et?", choices=choices(CV_DELETE_REASONS),
                        validators=[Required("Vælg, hvorfor CV'et slettes.")])
    note = StringField("Uddybning", filters=[clean_line], validators=[
        Optional(),
        Length(5, MAX_CV_DELETE_NOTE, f"Skriv uddybningen på 5 til {MAX_CV_DELETE_NOTE} tegn."),
        no_nul, no_hidden_characters])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.reason.data == "other" and not self.note.data and not self.note.errors:
            self.note.errors.append("Skriv kort, hvorfor CV'et slettes, når du vælger »Andet«.")
            ok = False
        return ok

    def reason_text(self) -> str:
        """The reason as the audit log keeps it: the chosen label and the note, if any."""
        label = CV_DELETE_REASONS[self.reason.data]
        return f"{label} – {self.note.data}" if self.note.data else label


class AssignForm(DanishForm):
    """VK and adviser; changing an existing VK must be confirmed (few changes of caseworker).
    ``version`` and ``base`` as loaded: a stale save writes only what this user changed
    (:mod:`.conflicts`)."""

    version = HiddenField()
    base = HiddenField()

    vk_id = ChoiceField("Virksomhedskonsulent (VK)", coerce=int)
    adviser_id = ChoiceField("Beskæftigelsesrådgiver", coerce=int)
    confirm_vk_change = BooleanField("Ja, jeg vil skifte virksomhedskonsulent")


class FlagsField(SelectMultipleField):
    """The skånehensyn to tick, one checkbox each (a select's bare ``<option>``s, outside a
    select, could not be ticked)."""

    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError("Vælg kun skånehensyn fra listen.") from None


class LimitationsForm(DanishForm):
    """Skånehensyn; ``version`` and ``base`` as loaded: a stale save is refused with a merge
    (:mod:`.conflicts`)."""

    version = HiddenField()
    base = HiddenField()
    flags = FlagsField("Skånehensyn", choices=choices(LIMITATION_FLAGS))
    text = TextAreaField("Beskrivelse", filters=[clean_text],
                         validators=[Length(max=2000, message="Højst 2.000 tegn."), no_hidden_characters,
                                     no_cpr(CPR_IN_LIMITATIONS_MESSAGE)])
