"""Details about a citizen that no text shared with a company may hold.

One check for the texts a consultant lets through to a company: the profile given with the
name (:mod:`portal.candidates.profile`, its draft and its check) and the jobmål shown before
consent (:func:`portal.shared_goal.shared_goal_choices`, checked by
:func:`portal.shared_goal.check_shared_goal`). The consent text promises the citizen that health,
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
- ``origin``: origin, nationality, residence status (»oprindeligt fra«, »flygtning«), any
  country but Denmark named in any phrasing (»fra Syrien«, »i Eritrea«, »Egen virksomhed,
  Eritrea«, »eksport til Norge«), from CLDR's Danish names (:func:`_country_names`), and any
  country's or people's adjective but Denmark's (»eritreisk kok«, »afghansk kørekort«,
  :mod:`portal.demonyms`), but for a language or a cuisine (»taler arabisk«, »Sprog: polsk,
  engelsk«, »fransk køkken«): a language is a skill the company is shown (see ``_NATIONALITY``);
- ``criminal``: a sentence or prison (»afsoning«, »i fængsel«); »Fængselsbetjent« is a job;
- ``contact``: a phone number or e-mail address (any, so a reference's too);
- ``identity``: the citizen's own name, phone or e-mail (when the citizen is given; a surname
  alone is not refused, see :func:`_own`).

The patterns are a net, not a guarantee: the consultant still writes or approves each text.
They are wide where a miss would tell a company something private, and they keep clear of the
words of ordinary work (»3-årig uddannelse«, »5 års erfaring«, »Social- og sundhedshjælper«).
"""
from __future__ import annotations

import functools
import re
from bisect import bisect_right
from re import _constants as _sre, _parser as _sre_parser  # the parse :func:`gated` reads
from dataclasses import dataclass
from typing import Protocol

from babel import Locale
from babel.languages import get_official_languages

from matching.redact import CPR_SHAPE

from . import demonyms
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

def gated(pattern: re.Pattern) -> re.Pattern:
    """``pattern`` behind a look-ahead for the characters a hit can start with: the same hits,
    found faster (the :mod:`re` engine tries every alternative at every position of a text; the
    look-ahead turns most positions away at once: a long CV's first check, docs/performance.md).

    The characters come from the pattern's own parse (:func:`_first`), so the look-ahead never
    turns away a position where a hit starts. A pattern that can start with any character, or
    with any letter (``\\w``: the look-ahead would turn few positions away), or match the empty
    string, or one the parse is not understood for, is returned as it is.
    """
    try:
        first, empty = _first(_sre_parser.parse(pattern.pattern, pattern.flags).data)
        if first is None or empty or not first or first & _BROAD:
            return pattern
        return re.compile(f"(?=[{''.join(sorted(first))}])(?:{pattern.pattern})", pattern.flags)
    except (AttributeError, IndexError, TypeError, ValueError, re.error):  # another Python's parse tree
        return pattern


_BROAD = {r"\w", r"\W", r"\S", r"\D"}
_CATEGORIES = {_sre.CATEGORY_DIGIT: r"\d", _sre.CATEGORY_WORD: r"\w", _sre.CATEGORY_SPACE: r"\s",
               _sre.CATEGORY_NOT_DIGIT: r"\D", _sre.CATEGORY_NOT_WORD: r"\W", _sre.CATEGORY_NOT_SPACE: r"\S"}


def _first(items) -> tuple[set[str] | None, bool]:
    """The character-class parts a match of the parsed sequence ``items`` can start with (None:
    any character), and whether it can match the empty string."""
    found: set[str] = set()
    for op, arg in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):  # \b, ^, look-arounds: nothing read
            continue
        if op is _sre.LITERAL:
            return found | {re.escape(chr(arg))}, False
        if op is _sre.IN:
            parts = set()
            for kind, value in arg:
                if kind is _sre.LITERAL:
                    parts.add(re.escape(chr(value)))
                elif kind is _sre.RANGE:
                    parts.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
                elif kind is _sre.CATEGORY and value in _CATEGORIES:
                    parts.add(_CATEGORIES[value])
                else:  # a negated class, and anything not known here
                    return None, False
            return found | parts, False
        if op is _sre.SUBPATTERN:
            if arg[1]:  # »(?i:…)« inside: the look-ahead would not know the flag
                return None, False
            branches, may_be_empty = [arg[3].data], False
        elif op is _sre.BRANCH:
            branches, may_be_empty = [branch.data for branch in arg[1]], False
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            branches, may_be_empty = [arg[2].data], arg[0] == 0
        else:  # ., a back-reference, anything not known here
            return None, False
        for branch in branches:
            first, empty = _first(branch)
            if first is None:
                return None, False
            found |= first
            may_be_empty = may_be_empty or empty
        if not may_be_empty:
            return found, False
    return found, True


# A benefit word that names a field of work is a job: »Sagsbehandler på kontanthjælpsområdet«.
_WORK = r"(?!s?(?:sag|område|afdeling|team|enhed|medarbejder|rådgiver|konsulent|kontor))"
# Linear in the length of a word (review: thousands of letters without a space took minutes): no
# leading ``\w*`` (»sygedagpenge« is found by its »dagpenge«: a hit is widened to its whole word,
# :func:`portal.health_words.whole_words`), and one inside a word is bounded. A leading ``\w*``
# also kept :func:`gated` from telling where a hit can start.
_BENEFIT = re.compile(
    rf"dagpenge{_WORK}\w*|kontanthjælp{_WORK}\w*|uddannelseshjælp{_WORK}\w*|"
    rf"integrationsydelse{_WORK}\w*|ledighedsydelse{_WORK}\w*|ressourceforløb{_WORK}\w*|"
    rf"jobafklaring{_WORK}\w*|førtidspension{_WORK}\w*|seniorpension\w*|revalidering{_WORK}\w*|"
    r"overgangsydelse|hjemrejseydelse|selvforsørgelses\w{0,40}ydelse|forsørgelse\b|bistandshjælp|"
    r"\bpå\s+bistand\b|aktivitetsparat\w*|\bjobparat\w*|\bydelse(?:sgruppe|n)?\b|efterløn\w*|"
    r"\bledig\s+(?:i|siden)\b|\bunemployment\s+benefit|\bwelfare\b",
    re.IGNORECASE)
# The number in every spacing and dash the redaction reads (matching.redact.CPR_SHAPE: a
# no-break space or a minus sign too, review AQ 2), or the word.
_CPR = re.compile(rf"\b{CPR_SHAPE}\b|\bcpr\b", re.IGNORECASE)
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
_COUNTRY_NAME = "(?:" + "|".join(
    alternative for name in _country_names() for alternative in (re.escape(name), re.escape(name.upper()))
) + ")"
# A country is origin in a market too (»eksport til Norge«, »kunder i Tyskland«): no phrase is let
# through, as »salg til kunder i Eritrea« tells where a shop was as »Egen virksomhed, Eritrea« does.
# The company can be told as much in words that name no country (»eksport til nabolandene«).
_COUNTRY = re.compile(rf"(?<![\w-]){_COUNTRY_NAME}(?![\w-])")


class _Unless:
    """Hits of ``pattern`` that count only outside a phrase of ``unless`` (a hit that starts
    inside one does not): the shape of a compiled pattern that :func:`whole_words` reads."""

    def __init__(self, pattern: re.Pattern, unless: re.Pattern) -> None:
        self.pattern, self.unless = pattern, unless

    def finditer(self, text: str):
        # the phrases do not overlap and come in order: the one a hit may start in is found by
        # a binary search, not by trying each (a long CV has a language in every line)
        phrases = [phrase.span() for phrase in self.unless.finditer(text)]
        starts = [start for start, _ in phrases]

        def inside(position: int) -> bool:
            index = bisect_right(starts, position) - 1
            return index >= 0 and position < phrases[index][1]

        return (hit for hit in self.pattern.finditer(text) if not inside(hit.start()))


def _language_names() -> frozenset[str]:
    """The Danish names of every state's official languages (CLDR via babel: »polsk«,
    »arabisk«, »engelsk«, »somali«), with the adjectives Danish uses for one besides
    (:data:`portal.demonyms.SPOKEN`: »somalisk«, »kurdisk«)."""
    locale = Locale("da")
    names = {locale.languages.get(code) or locale.languages.get(code.split("_")[0])
             for territory in locale.territories for code in get_official_languages(territory, de_facto=True)}
    return frozenset(name for name in names if name and " " not in name) | frozenset(demonyms.SPOKEN)


def _trie(words) -> str:
    """``words`` as one regular expression that shares their prefixes (»s(?:y(?:risk|d…))«), which
    the :mod:`re` engine rejects at a word's first letters instead of trying each word in turn."""
    tree: dict = {}
    for word in words:
        node = tree
        for letter in word:
            node = node.setdefault(letter, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(letter) + pattern(rest) for letter, rest in sorted(node.items()) if letter]
        branches += [""] if "" in node else []
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(tree)


def _alternatives(words) -> str:
    """``words`` as a regular expression's alternatives, the longest first: »sydsudanesisk«
    before »sudanesisk«."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# Nationality adjectives tell origin as a country's name does (»eritreisk kok«, »syrisk uddannet
# lærer«, »afghansk kørekort«): every country's (portal.demonyms: CLDR has none, so they are a
# list of ours) and the peoples without a state (»kurdisk«, »arabisk«), inflected (»polske«), in
# any case (»ERITREISK«), joined to »dansk« (»dansk-tyrkisk«) or to »-født«, »-ættet«
# (»tyrkiskættet«). Denmark's never counts (»dansk«, »Dansk Supermarked«).
#
# Languages: many of these name a language too (»arabisk«, »polsk«, »engelsk«). A language is a
# skill the company is shown: the profile has a »Sprog« field (SECURITY.md's allow-list: matched
# job goals and skills), and only the ranking must never use languages, as a proxy for origin
# (docs/matching.md). So an adjective that is also a language's name (:func:`_language_names`)
# counts as origin only when it is said of something other than a language: before a word that
# is not about language (»polsk kok«, »tyrkisk kørekort«, »arabisk baggrund«) or of the citizen
# (»jeg er polsk«). Alone or in a list it is a language (»Arabisk og dansk«, »Sprog: polsk,
# engelsk«, »Engelsk B1«), and so it is after a word of speaking (»taler flydende tyrkisk«,
# »kundeservice på polsk«, »modersmålet er arabisk«). An adjective that names no language
# (»eritreisk«, »syrisk«, »afghansk«) counts wherever it stands.
#
# A kind of thing named after a country is a skill, not an origin, for any adjective: a cuisine
# and a place that serves it (»fransk køkken«, »kok på italiensk restaurant«, »irsk pub«,
# »italiensk pizzeria«, »tyrkisk grillbar«, »fransk bistro«), a thing so called (»franske
# altaner«, »islandske heste«, »svensk massage«, »tyrkisk kaffe«, »tyske lastbiler«, »japanske
# biler«) and a language's variety (»amerikansk engelsk«). So is an organisation's name: an
# adjective with a capital before a word with a capital (»Norsk Hydro«, »Svensk Byggtjänst«, as
# »Dansk Supermarked«); a heading in capitals (»ERITREISK KOK«) still counts. A driving licence
# from the EU/EEA (»norsk kørekort«, »tysk lastbilkørekort«) is a licence like »dansk kørekort«
# (:data:`portal.demonyms.EEA`); one from elsewhere (»afghansk kørekort«) counts. The line is whether the word is the skill: customers, markets and tourists are not (»tyske kunder«,
# »det norske marked«, »tyske turister« count, as »kunder i Tyskland« does; »udenlandske
# kunder« says the skill without the country).
_LANGUAGES = _language_names()
_ADJECTIVES = {form for forms in demonyms.BY_COUNTRY.values() for form in forms} | set(demonyms.PEOPLES)
_SPEAKABLE = "(?:" + _alternatives(_ADJECTIVES & _LANGUAGES) + ")e?"
_UNSPEAKABLE = "(?:" + _alternatives(_ADJECTIVES - _LANGUAGES) + ")e?"
# What a nationality adjective may stand before without telling an origin (see above).
_THING = (r"(?:køkken\w*|mad|madlavning|madkultur|retter|specialitet\w*|\w*restaurant\w*|pub|\w*bar|café|cafe|"
          r"bageri\w*|pizza\w*|pizzeria\w*|grill\w*|bistro\w*|kebab\w*|kaffe|te|brød\w*|bagværk|kage\w*|"
          r"vin|vine|altan\w*|vindue\w*|hest\w*|massage\w*|\w*bil(?:en|er|erne|mærke\w*)?|"
          rf"{_alternatives(_LANGUAGES)})(?!\w)")
_ABOUT_LANGUAGE = (r"(?:sprog\w*|modersmål\w*|flydende|mundtlig\w*|skriftlig\w*|tale|talt|skrift|skrevet|"
                   r"læse\w*|niveau\w*|kundskab\w*|kendskab\w*|undervisning\w*|underviser\w*|tolk\w*|"
                   r"oversæt\w*|grammatik|korrespondance|kommunikation|kundeservice|tekst\w*|kursus|kurser|"
                   r"ordbog\w*|manual\w*|dokumentation|mail\w*|e-mail\w*|brev\w*|version\w*|undertekst\w*|"
                   r"[a-c][12]?)(?!\w)")
# The small words after a language in a list or a sentence (»Engelsk og tysk«, »Engelsk på B-niveau«).
_SMALL = (r"(?:og|eller|samt|som|men|med|på|i|til|fra|for|af|at|er|var|har|kan|også|både|meget|rigtig|godt|"
          r"god|fint|lidt|perfekt|basalt|grundlæggende|begynder\w*|øvet|bedst|derhjemme|mv|mm|etc)(?!\w)")
_EEA = "(?:" + _alternatives({form for code in demonyms.EEA for form in demonyms.BY_COUNTRY[code]}) + ")e?"
# The words that may stand between the citizen's »er« and the adjective: »jeg er også polsk«.
_OF_THE_CITIZEN = "(?:" + "|".join(
    rf"(?<=\ber\s{word})" for word in ("", "halvt ", "selv ", "også ", "oprindeligt ", "født ", "delvis ",
                                        "delvist ", "faktisk ", "jo ")) + ")"
_NATIONALITY = _Unless(re.compile(
    # first, quickly, whether an adjective starts here at all (a text has few)
    rf"(?<!\w)(?={_trie(_ADJECTIVES | {'dansk'})})"
    # not an organisation's name (»Norsk Hydro«) nor a licence from the EU/EEA (»norsk kørekort«)
    r"(?!(?-i:[A-ZÆØÅ][a-zæøå]+)\s+(?-i:[A-ZÆØÅÄÖÜÉ][a-zæøåäöüé]))"
    rf"(?!{_EEA}\s+\w*kørekort)"
    # one that names no language, wherever it stands: »eritreisk«, »syriske«, »dansk-eritreisk«
    # (not before a thing, also in a list: »syrisk og libanesisk mad«)
    rf"(?:{_UNSPEAKABLE}(?!\w)"
    rf"(?!(?:(?:\s*,\s*|\s+(?:og|eller|samt)\s+)(?:danske?|{_SPEAKABLE}|{_UNSPEAKABLE})){{0,3}}\s+{_THING})"
    # one that names a language, before a word that is not about language: »polsk kok«
    rf"|{_SPEAKABLE}\s+(?!{_THING}|{_ABOUT_LANGUAGE}|{_SMALL})[^\W\d_]\w*"
    # or of the citizen: »jeg er polsk«, »dansk-tyrkisk« (not »tysk-dansk ordbog«), »tyrkiskættet«
    rf"|{_OF_THE_CITIZEN}{_SPEAKABLE}(?!\w)"
    rf"|(?:{_SPEAKABLE}|{_UNSPEAKABLE})-?(?:født|fødte|ættet|ættede)(?!\w)"
    rf"|(?:(?:danske?|{_SPEAKABLE})-{_SPEAKABLE}|{_SPEAKABLE}-danske?)(?!\w)(?!\s+(?:{_THING}|{_ABOUT_LANGUAGE})))",
    re.IGNORECASE), re.compile(
    # after a word of speaking it is the language: »taler flydende tyrkisk derhjemme«, »på polsk«
    # (but not »på tyrkisk hospital«: after »på« only when no other noun follows)
    r"\b(?:taler|talte|tale|skriver|skrev|skrive|læser|læse|forstår|forstå|behersker|"
    r"(?:modersmål|sprog)\w*\s+(?:er|var))"
    rf"(?:\s+(?:flydende|godt|lidt|rigtig|meget|perfekt|både|også|kun|primært))*\s+{_SPEAKABLE}(?!\w)"
    rf"|\bpå\s+{_SPEAKABLE}(?!\w)(?!\s+(?!{_SMALL}|{_ABOUT_LANGUAGE})[^\W\d_])",
    re.IGNORECASE))
_ORIGIN = re.compile(
    r"\boprindel\w*(?:\s+fra\s+\w+)?|\bnationalitet\w*|\bstatsborger\w*|\betnisk\w*|\bherkomst\b|\bafstamning\b|"
    r"flygtning(?!ehjælp)\w*|\bindvandre[rt]\w*|\befterkommer\w*|\basyl(?:ansøger\w*)?\b|opholdstilladelse\w*|"
    r"familiesammenfør\w*|\b(?:kom|flyttede|flygtede|ankom)\s+til\s+danmark\b|\bi\s+danmark\s+siden\b|"
    r"\bnationality\b|\brefugee\w*|\bimmigra\w*|"
    rf"\b(?:{_alternatives(demonyms.NOUNS)})(?:e|ne|er|erne)?\b",
    re.IGNORECASE)
_CRIMINAL = re.compile(
    r"\bfængsel\b|\bfængslet\b|fængselsstraf\w*|\bafson\w*|\bdømt\b|\bdom\s+for\b|prøveløsladt|\bfodlænke\b|"
    r"samfundstjeneste|under\s+kriminalforsorgen|kriminalforsorgens\s+tilsyn|\bsigtet\b|\bstraffet\b",
    re.IGNORECASE)
# From the start of a run of the address's letters only: tried at every letter of a long word,
# the run was read to its end again each time (quadratic).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class _Needs:
    """Hits of ``pattern``, looked for only in a text that holds ``needed`` (which every hit
    does: »@« in an e-mail address, whose first letter can be any): the shape :func:`whole_words`
    reads."""

    def __init__(self, pattern: re.Pattern, needed: str) -> None:
        self.pattern, self.needed = pattern, needed

    def finditer(self, text: str):
        return self.pattern.finditer(text) if self.needed in text else iter(())
# A Danish phone number: eight digits together or in pairs, optionally after +45. Not year
# ranges (»2015-2019«): pairs are split by single spaces only.
_PHONE = re.compile(r"(?<![\d-])(?:\+45\s?)?(?:\d{8}|\d{2} \d{2} \d{2} \d{2}|\d{4} \d{4})(?![\d-])")

# Each behind the look-ahead of where its hits can start (:func:`gated`): the same hits, found in
# a fifth of the time or less.
_PATTERNS = (("benefit", gated(_BENEFIT)), ("health", gated(HEALTH_WORDS)), ("cpr", gated(_CPR)),
             ("age", gated(_AGE)), ("gender", gated(_GENDER)), ("origin", gated(_ORIGIN)),
             ("origin", gated(_COUNTRY)), ("origin", _Unless(gated(_NATIONALITY.pattern), gated(_NATIONALITY.unless))),
             ("criminal", gated(_CRIMINAL)), ("contact", _Needs(_EMAIL, "@")), ("contact", gated(_PHONE)))


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
    names, givens, phone, email = _own_patterns(getattr(citizen, "name", "") or "",
                                                getattr(citizen, "phone", "") or "",
                                                (getattr(citizen, "email", "") or "").strip())
    hits = []
    for name in names:
        if (found := name.search(text)) and not any(found.group().lower() in hit.lower() for hit in hits):
            hits.append(found.group())
    for given, pattern in givens:
        if pattern.search(text) and not any(given in hit for hit in hits):
            hits.append(given)
    if phone is not None and (number := phone.search(text)):
        hits.append(number.group())
    if email and email.lower() in text.lower():
        hits.append(email)
    return hits


@functools.lru_cache(maxsize=256)
def _own_patterns(name: str, phone: str, email: str):
    """:func:`_own`'s patterns for one citizen, compiled once (a CV's check asks per sentence)."""
    parts = name.split()
    names = [" ".join(parts), *(" ".join(pair) for pair in zip(parts, parts[1:]))]
    name_patterns = tuple(re.compile(rf"(?<!\w){re.escape(whole)}(?!\w)", re.IGNORECASE)
                          for whole in filter(None, names))
    givens = tuple((given, re.compile(rf"(?<!\w){re.escape(given)}(?!\w)"))
                   for given in parts[:-1] if len(given) >= 3 and given[0].isupper())
    digits = re.sub(r"\D", "", phone)[-8:]
    phone_pattern = re.compile(r"[\s-]?".join(digits)) if len(digits) >= 6 else None
    return name_patterns, givens, phone_pattern, email


def describe(details: list[Detail]) -> str:
    """The details as a Danish list for a message: »alder eller fødselsår (»Født 1990«), køn (»kvinde«)«."""
    by_kind: dict[str, list[str]] = {}
    for detail in details:
        by_kind.setdefault(detail.kind, []).append(f"»{detail.words}«")
    return ", ".join(f"{KINDS[kind]} ({', '.join(words)})" for kind, words in by_kind.items())
