"""Details about a citizen that no text shared with a company may hold.

One check for the texts a consultant lets through to a company: the profile given with the
name (:mod:`portal.candidates.profile`, its draft and its check) and the jobmål shown before
consent (:func:`portal.proposals.shared_goal_choices`, checked by
:func:`portal.proposals.check_shared_goal`). The consent text promises the citizen that health,
limitations, benefit and CPR number are not passed on, and the allow-list (SECURITY.md) never
shows age, gender or origin; the contact details go only as the citizen chose in the consent.

:func:`find` names what a text holds, by kind (:data:`KINDS`):

- ``health``: :data:`portal.health_words.HEALTH_WORDS`;
- ``benefit``: the benefit groups and their vocabulary (»kontanthjælp«, »sygedagpenge«,
  »ledighedsydelse«, »jobparat«) unless they name a field of work (»kontanthjælpssager«);
- ``cpr``: a CPR-like number, or the word CPR;
- ``age``: »født«, a birth date or year, an age (»36 år«, »36-årig«, »i 30'erne«);
- ``gender``: the citizen's gender stated (»kvinde«, »mand«). Pronouns are not refused: the
  company reads the profile beside the name, which tells as much;
- ``origin``: origin, nationality, residence status (»oprindeligt fra«, »flygtning«), and
  any country but Denmark named in any phrasing (»fra Syrien«, »i Eritrea«, »Egen virksomhed,
  Eritrea«), from CLDR's Danish names (:func:`_country_names`);
- ``criminal``: a sentence or prison (»afsoning«, »i fængsel«); »Fængselsbetjent« is a job;
- ``contact``: a phone number or e-mail address (any, so a reference's too);
- ``identity``: the citizen's own name, phone or e-mail (when the citizen is given; a surname
  alone is not refused, see :func:`_own`).

The patterns are a net, not a guarantee: the consultant still writes or approves each text.
They are wide where a miss would tell a company something private, and they keep clear of the
words of ordinary work (»3-årig uddannelse«, »5 års erfaring«, »Social- og sundhedshjælper«).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from babel import Locale

from .health_words import HEALTH_WORDS, whole_words

KINDS = {
    "health": "helbredsoplysninger eller skånehensyn",
    "benefit": "borgerens ydelse eller visitation",
    "cpr": "et CPR-nummer",
    "age": "alder eller fødselsår",
    "gender": "køn",
    "origin": "oprindelse, nationalitet eller opholdsgrundlag",
    "criminal": "straffe- eller fængselsforhold",
    "contact": "telefonnumre eller e-mailadresser",
    "identity": "borgerens navn eller kontaktoplysninger",
}

# A benefit word that names a field of work is a job: »Sagsbehandler på kontanthjælpsområdet«.
_WORK = r"(?!s?(?:sag|område|afdeling|team|enhed|medarbejder|rådgiver|konsulent|kontor))"
_BENEFIT = re.compile(
    rf"\w*dagpenge{_WORK}\w*|kontanthjælp{_WORK}\w*|uddannelseshjælp{_WORK}\w*|"
    rf"integrationsydelse{_WORK}\w*|ledighedsydelse{_WORK}\w*|ressourceforløb{_WORK}\w*|"
    rf"jobafklaring{_WORK}\w*|førtidspension{_WORK}\w*|seniorpension\w*|revalidering{_WORK}\w*|"
    r"overgangsydelse|hjemrejseydelse|selvforsørgelses\w*ydelse|\w*forsørgelse\b|bistandshjælp|"
    r"\bpå\s+bistand\b|aktivitetsparat\w*|\bjobparat\w*|\bydelse(?:sgruppe|n)?\b|efterløn\w*|"
    r"\bledig\s+(?:i|siden)\b|\bunemployment\s+benefit|\bwelfare\b",
    re.IGNORECASE)
_CPR = re.compile(r"\b\d{6}[- ]?\d{4}\b|\bcpr\b", re.IGNORECASE)
_AGE = re.compile(
    r"\bfødt\b(?:\s+(?:i\s+|den\s+|d\.\s*)?\d[\d./-]*(?:\s+\d{4})?)?|\bfødsels(?:dato|år|dag)\w*|\bf\.\s*(?:19|20)\d\d\b|\bårgang\s+(?:19|20)\d\d|"
    r"\balder\s*[:\d]|\bi en alder af\b|\bborn\b|\bage\s*[:\d]|\byears old\b|"
    r"\b[1-9]\d\s*-?\s*årig\b|\b(?:er|bliver|blev|fylder|fyldte)\s+[1-9]\d\s+år\b|\b[1-9]\d\s+år\s+gammel\b|"
    r"\bi\s+(?:start|midt|slut)?(?:en\s+af\s+)?(?:de\s+)?[2-6]0['’]?erne\b|"
    r"(?:^|(?<=[,;(]))\s*(?:1[6-9]|[2-9]\d)\s+år\s*(?=[,;).]|$)",
    re.IGNORECASE)
_GENDER = re.compile(r"\b(?:kvinde|kvindelig|mand|mandlig|køn|transkønnet|non-?binær|woman|female)\b",
                     re.IGNORECASE)
# Every country and territory, by its Danish name as CLDR has it (babel, a pinned dependency:
# no hand-kept list to fall behind). A country named anywhere in a profile tells a company
# where the citizen is from as surely as »fra Syrien« does: »IT-supporter i Eritrea«, »Egen
# virksomhed, Eritrea« (review AC 5). Denmark is left out (it tells nothing), as are CLDR's
# regions and groupings (»Europa«, »Den Europæiske Union«: ordinary words of work).
_NOT_COUNTRIES = frozenset({"DK", "EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def _country_names() -> list[str]:
    """The Danish names of every country and territory, with the short forms people write:
    the first part of a hyphenated name (»Bosnien«, »Congo«) and each part of one with an
    alternative in brackets (»Myanmar«, »Burma«), and a name after »SAR« (»Hongkong«)."""
    names: set[str] = set()
    for code, name in Locale("da").territories.items():
        if len(code) != 2 or not code.isalpha() or code in _NOT_COUNTRIES:
            continue
        names.add(name)
        if match := re.fullmatch(r"(.+?) \((.+)\)", name):
            names.update(match.groups())
        if match := re.match(r"(\w{4,})-\w", name):
            names.add(match.group(1))
        if name.startswith("SAR "):
            names.add(name.removeprefix("SAR "))
    # The names in everyday Danish where CLDR uses another (»De palæstinensiske områder«).
    names.update(("Palæstina", "Kongo"))
    return sorted(names, key=len, reverse=True)  # the longest first: »Sydsudan« before »Sudan«


# As written, with the capital a name has in Danish, or all in capitals (a CV heading): a
# lower-case »jersey« or »island« is a word, not a country.
_COUNTRY = re.compile(r"(?<![\w-])(?:" + "|".join(
    alternative for name in _country_names() for alternative in (re.escape(name), re.escape(name.upper()))
) + r")(?![\w-])")
_ORIGIN = re.compile(
    r"\boprindel\w*(?:\s+fra\s+\w+)?|\bnationalitet\w*|\bstatsborger\w*|\betnisk\w*|\bherkomst\b|\bafstamning\b|"
    r"flygtning\w*|\bindvandre[rt]\w*|\befterkommer\w*|\basyl(?:ansøger\w*)?\b|opholdstilladelse\w*|"
    r"familiesammenfør\w*|\b(?:kom|flyttede|flygtede|ankom)\s+til\s+danmark\b|\bi\s+danmark\s+siden\b|"
    r"\bnationality\b|\brefugee\w*|\bimmigra\w*|"
    r"\b(?:syrer|iraker|afghaner|somalier|eritreer|tyrker|polak|rumæner|ukrainer|pakistaner|iraner)e?\b",
    re.IGNORECASE)
_CRIMINAL = re.compile(
    r"\bfængsel\b|\bfængslet\b|fængselsstraf\w*|\bafson\w*|\bdømt\b|\bdom\s+for\b|prøveløsladt|\bfodlænke\b|"
    r"samfundstjeneste|under\s+kriminalforsorgen|kriminalforsorgens\s+tilsyn|\bsigtet\b|\bstraffet\b",
    re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A Danish phone number: eight digits together or in pairs, optionally after +45. Not year
# ranges (»2015-2019«): pairs are split by single spaces only.
_PHONE = re.compile(r"(?<![\d-])(?:\+45\s?)?(?:\d{8}|\d{2} \d{2} \d{2} \d{2}|\d{4} \d{4})(?![\d-])")

_PATTERNS = (("benefit", _BENEFIT), ("health", HEALTH_WORDS), ("cpr", _CPR), ("age", _AGE),
             ("gender", _GENDER), ("origin", _ORIGIN), ("origin", _COUNTRY), ("criminal", _CRIMINAL), ("contact", _EMAIL),
             ("contact", _PHONE))


class Person(Protocol):
    """What :func:`find` reads of a citizen (a ``store.models.Citizen``)."""

    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class Detail:
    """One private detail found in a text: its kind (a key of :data:`KINDS`) and the words."""

    kind: str
    words: str


def find(text: str, citizen: Person | None = None) -> list[Detail]:
    """The private details ``text`` holds, each words once: the citizen's own first, then by
    kind (a benefit word before a health word: »ressourceforløb« is named as the benefit)."""
    text = text or ""
    # the citizen's own details first: »12 34 56 78« is named as the citizen's number
    found = [Detail("identity", words) for words in _own(text, citizen)] if citizen is not None else []
    for kind, pattern in _PATTERNS:
        found += [Detail(kind, words.strip(" ,;:()")) for words in whole_words(pattern, text)]
    kept: list[Detail] = []
    for detail in found:  # each words once: »12345678« is not named again after »+45 12345678«
        if not any(detail.words.lower() in earlier.words.lower() for earlier in kept):
            kept.append(detail)
    return kept


def _own(text: str, citizen: Person) -> list[str]:
    """The citizen's name, phone number (its digits, however spaced) and e-mail found in ``text``.

    The name counts whole, as two of its parts side by side, or as a given name of at least
    three letters written with a capital; a surname alone does not, as many are words of
    work too (»Smed«, »Bager«, »Skov«).
    """
    hits = []
    parts = (getattr(citizen, "name", "") or "").split()
    names = [" ".join(parts), *(" ".join(pair) for pair in zip(parts, parts[1:]))]
    for name in filter(None, names):
        if (found := re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)) \
                and not any(found.group().lower() in hit.lower() for hit in hits):
            hits.append(found.group())
    for given in parts[:-1]:
        if len(given) >= 3 and given[0].isupper() and re.search(rf"(?<!\w){re.escape(given)}(?!\w)", text) \
                and not any(given in hit for hit in hits):
            hits.append(given)
    digits = re.sub(r"\D", "", getattr(citizen, "phone", "") or "")[-8:]
    if len(digits) >= 6 and (phone := re.search(r"[\s-]?".join(digits), text)):
        hits.append(phone.group())
    email = (getattr(citizen, "email", "") or "").strip()
    if email and email.lower() in text.lower():
        hits.append(email)
    return hits


def describe(details: list[Detail]) -> str:
    """The details as a Danish list for a message: »alder eller fødselsår (»Født 1990«), køn (»kvinde«)«."""
    by_kind: dict[str, list[str]] = {}
    for detail in details:
        by_kind.setdefault(detail.kind, []).append(f"»{detail.words}«")
    return ", ".join(f"{KINDS[kind]} ({', '.join(words)})" for kind, words in by_kind.items())
