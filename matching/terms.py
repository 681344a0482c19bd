"""Shared terms for explanations: whole words and real Danish compound parts, never fragments.

"Fælles ord" must be something a consultant recognises as a word: "lager" for
"Lagermedarbejder" and "lagerarbejde", "sundhed" for "Social- og sundhedshjælper" and
"sundhedsassistent". A common beginning or ending of two words is not enough ("bager"/"lager"
share "ager", "uddannelse"/"ansættelse" share "else"): a word is split only into parts that
are words themselves (:data:`LEXICON`, the job vocabulary, or a whole word of one of the two
texts), with an optional linking "s" or "e" between them (sundhed|s|hjælper). Function words
and the citizen's name (the words of a CV's name line: "CV – Lars" ~ "Larsen Transport") are
never shown. The terms are evidence: relevance never reads them (only a learned re-ranking
in use counts them, matching.rerank's "shared_terms").

Boilerplate is never shown either (:data:`BOILERPLATE`): a word two texts share is a reason
only when it is rare enough to say something about this pair. The rule, measured on the demo
(5 December 2026: the 37 open openings and the 608 matchable citizens' jobmål and CVs, each
word and compound part counted once per text): a word found in at least a fifth of the
openings or of the citizens' texts is boilerplate, unless it names the work itself (a task or
its object: "køre", "pakke", "kunder" stay). Such words come from the texts' stock phrases
("Vi lægger vægt på" in 97 % of the openings, "taler dansk" 76 %, "Praktikken varer 6 uger"
57 %, "flere timer på sigt" 30 %; "Kørekort:" and "Sprog:" lines in 100 % and 91 % of the CVs),
and meet a large part of any pool by chance. Three kinds are boilerplate whatever their
share: the heads job titles of every trade share ("medarbejder" 55 %, "assistent" 30 %,
"hjælper", "arbejder": a "Lagermedarbejder" and a "Butiksmedarbejder" share nothing a
consultant can use; a whole shared title such as "lagermedarbejder" is still shown, and so
is a shared trade part such as "lager" or "sundhed"), the everyday verbs a task line
starts with ("lave", "holde", "gøre", "hjælpe"), and the words of limits the ranking checks
itself (driving licence, languages: the card lists them under "Krav tjekket"). Inflected
forms of a boilerplate word ("medarbejdere", "kravene") are boilerplate too. When nothing
else is shared, the card shows no shared words.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from cachetools import LRUCache, TTLCache, cached

from matching import geo
from matching.geo import TOWNS
from matching.lexical import text_key, tokens

# Words that say nothing about a job; never shown.
STOPWORDS = frozenset(
    "og i at en et til med for på af der som er de den det har vi du kan skal vil fra om "
    "eller ikke men også samt hos din dit dine jeg mig min mit mine vores jeres the and of "
    "in to a an or with och att som för på av eller med inde ude over under efter ved søger "
    "søges job jobbet arbejde timer uge ugen gerne god godt gode".split()
    # Boilerplate of openings and CVs: true shared words, but no reason for a match.
    + "dansk engelsk tysk var vil være blive mulighed muligheder lære travlt erfaring hverdagen "
    "hverdag virksomhed virksomheden arbejdet opgaver opgave kollegaer kolleger team tid dag "
    "dage år måned måneder start hurtigt ekstra hånd mange flere meget lidt nye ny kender "
    "kendskab glad gode store stor lille hele alle andre other work".split()
    # Company forms and everyday verbs the demo's texts share most often ("Hansen ApS", "tage imod").
    + "aps ivs amba smba tage imod komme kommer bruge bruger".split()
    # Function words (prepositions, conjunctions, pronouns, adverbs, auxiliaries) and
    # abbreviations ("f.eks.", "evt."): shared by any two Danish texts, never a reason.
    + "før mellem både efter under over samt mod uden inden indtil omkring gennem igennem bag "
    "blandt langs siden via per pr hvis når hvor hvad hvem hvilke hvilken hvilket hvordan "
    "hvorfor fordi så end da nu her derfor dog enten hverken heller også kun bare blot helt "
    "lige ret igen aldrig altid ofte allerede stadig endnu snart mere mest mindre mindst "
    "sammen hinanden selv sig sin sit sine hans hendes deres dem denne dette disse man os jer "
    "han hun ham hende nogen noget nogle ingen intet hver hvert enhver anden andet første "
    "være været havde haft bliver blev blevet kunne skulle ville må måtte bør burde får fik "
    "fået gør gjorde gjort går gik ud ind op ned hen frem tilbage "
    "eks evt inkl ekskl bl mht osv dvs ca mv kl".split()
    # English CVs' function words ("have" is left out: in Danish it is a garden).
    + "on at as by from is are was were be been has had my our your you we its this "
    "that these those all also not will can who which what when where".split()
)


# Boilerplate (see the module docstring for the rule and how it was measured). Words in at
# least a fifth of the demo's openings or citizens' texts, their share in parentheses where
# it is the openings' (o) or the texts' (c):
BOILERPLATE = frozenset(
    # the openings' stock phrases: lægger vægt (o 97 %), lyst til at lære faget (o 97 %),
    # forstår og taler dansk (o 76 %), varer 6 uger (o 57 %, 49 %), krav (o 41 %), fast
    # kontaktperson (o 38 %), brug for en ekstra hånd i starten (o 35 %), Code of Care (o 35 %),
    # lokal ... sammenhold, medarbejdere (o 35 %), mangler (o 32 %), afprøve ... vise (o 32 %),
    # lægges, så de passer med dine andre aftaler (o 30 %), almindelig løn (o 30 %), flere
    # timer på sigt (o 30 %), stillingen (o 30 %), English-speaking candidates are welcome to
    # apply (o 24 %), klare fysisk arbejde og løft (o 22 %)
    "lægge lægger lægges vægt lyst faget fag forstår forstå tale taler varer uger krav fast "
    "kontaktperson brug starten code care lokal sammenhold mangler afprøve vise passe passer "
    "aftaler almindelig løn sigt stillingen stilling praktikken småjob english speaking "
    "candidates welcome apply klar klare fysisk løft ".split()
    # the CVs' headings and stock lines: jobmål (c 100 %), modersmål (c 100 %), kørekort
    # (c 100 %), sprog (c 91 %), uddannelse, erhvervserfaring, kompetencer (c 65 %), kurser,
    # profil (c 37 %), AMU-kursus (c 34 %), folkeskolens afgangseksamen (c 32 %), egen bil
    # (c 30 %, 26 %), jobønske (c 28 %), senest, styrker, ansvar, deltid (c 26 %)
    + "jobmål modersmål kørekort sprog uddannelse erhvervserfaring kompetencer kurser kursus "
    "profil amu folkeskolens folkeskole afgangseksamen egen bil jobønske senest styrker ansvar "
    "deltid".split()
    # the CVs' and openings' personal traits: mødestabil (c 33 %), stabil (c 31 %), udadvendt
    # (c 29 %), rolig (c 29 %), fleksibel (c 26 %), ærlig (c 25 %), arbejdsom (c 25 %),
    # lærenem (c 24 %), samarbejdsvillig, pligtopfyldende, positiv, person (c 22 %),
    # hjælpsom (c 21 %), selvstændig (c 20 %)
    + "mødestabil stabil udadvendt rolig fleksibel ærlig arbejdsom lærenem samarbejdsvillig "
    "pligtopfyldende positiv person hjælpsom selvstændig".split()
    # the heads job titles of every trade share: medarbejder (o 35 %, c 55 %), assistent
    # (c 30 %), and medhjælper, hjælper, arbejder ("Kantinemedhjælper" / "Chaufførmedhjælper",
    # "Gartneriarbejder" / "Bygningsarbejder"); service (c 30 %, mostly "service-minded"
    # and "AMU-kursus i service"), minded
    + "medarbejder assistent medhjælper hjælper arbejder service minded".split()
    # everyday verbs a task line starts with (hjælpe c 24 %; the rest under a fifth)
    + "hjælpe lave holde gøre give tager".split()
)

_town_words: dict[str | None, frozenset[str]] = {}


def _towns_in_use() -> frozenset[str]:
    """The town names of the postcode table in use and their words of four letters or more
    ("aarhus" of "Aarhus C"), rebuilt when another table is installed."""
    version = geo.table_version()
    words = _town_words.get(version)
    if words is None:
        # normalised as the texts' words are ("Aarhus" → "århus"); whole names and their long words
        words = frozenset(TOWNS) | frozenset(w for town in TOWNS for w in tokens(town) if len(w) >= 4)
        _town_words.clear()
        _town_words[version] = words
    return words


def is_stopword(word: str) -> bool:
    """A word that is never shown: a stop word, boilerplate (:data:`BOILERPLATE`), or a town
    of the postcode table in use (where someone lives or works is the distance's business,
    not a shared word), so a job centre's own table (``MATCHING_POSTCODES``) counts too."""
    return word in STOPWORDS or word in BOILERPLATE or word in _towns_in_use()
# Endings that are inflection or derivation, never a compound part of their own.
SUFFIXES = frozenset(
    "else elser erne eret ende ning ninger hed heder ere ene lig lige isk iske ager inde vere "
    "kler ering eringer ter ser er en et ne".split()
)
# Inflectional endings stripped when comparing a part with a word ("kantinen" ~ "kantine").
_INFLECTIONS = ("erne", "ene", "en", "et", "er", "ne", "n", "r", "e")
_SHORTEST_FIRST = tuple(sorted(_INFLECTIONS, key=len))
# Compound parts of Danish job titles and tasks (normalised spelling). Parts of at least
# three letters; whole words of the two texts are added per call (at least four letters).
LEXICON = frozenset("""
    lager medarbejder hjælper medhjælper arbejde arbejder arbejdsmand mand assistent chauffør fører
    truck pakke pakning pluk plukker køkken kok kantine opvask opvasker rengøring social sundhed
    pleje hjemme hjem ældre butik salg kasse kontor administrativ bogholder regnskab kunde
    service lastbil bus skole varebil bil bud plads praktik produktion maskine operatør
    passer smed svejser tømrer murer maler elektriker vvs montør mekaniker gartner gartneri
    anlæg anlægs park vej landbrug stald dyr have væksthus vask vaskeri hotel stue pige tjener
    servering bager bageri slagter slagteri kød frisør elev lærling reception receptionist
    it support supporter udvikler web software vagt sikkerhed pedel ejendom tekniker teknik
    flytte omdeler avis reklame genbrug havn handel webshop shop certifikat kørekort kørsel
    byg bygning beton jord nat dag aften weekend leder chef afløser hjælp portør sosu
    børn dagpleje pædagog pædagogisk institution rengørings sygehjem plejehjem center
    industri fabrik montage lagerstyring ordre ordrer varer vare post pakker pakkeri
    kunder telefon klargører klargøring værksted cykel cykler bilpleje kran
""".split())


def _split(word: str, extra: frozenset[str]) -> tuple[str, ...]:
    """The parts of ``word`` (fewest parts), or () when it is not a compound of known words."""
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()

    def offer(at: int, parts: tuple[str, ...]) -> None:
        if best[at] is None or len(parts) < len(best[at]):
            best[at] = parts

    for end in range(3, n + 1):
        for start in range(0, end - 2):
            if best[start] is None:  # checked before slicing: few positions are reachable
                continue
            part = word[start:end]
            if part == word or part in SUFFIXES or not (part in LEXICON or part in extra):
                continue
            parts = best[start] + (part,)
            offer(end, parts)
            if end < n - 3 and word[end] in "se":  # linking letter: sundhed|s|hjælper
                offer(end + 1, parts)
    return best[n] if best[n] is not None and len(best[n]) > 1 else ()


def _meeting(unit: str, others: frozenset[str], stems: frozenset[str]) -> str | None:
    """The term ``unit`` shares with ``others``: itself, or the uninflected form of the two
    (a prefix of both, so it occurs in both texts); None when it meets none.

    ``stems`` are the ``others`` without their inflection endings (:func:`_stems`), so an
    inflected form of ``unit`` among them is one set lookup. Set lookups, not a scan of
    ``others``: this runs for every word of every candidate on the ranking page. When
    ``unit`` is an inflected form of several words, the longest (the least stripped) is the
    term.
    """
    if unit in others or unit in stems:
        return unit
    for stem in _stripped(unit):
        if stem in others:
            return stem
    return None


@lru_cache(maxsize=65536)
def _stripped(unit: str) -> tuple[str, ...]:
    """``unit`` without each inflection ending it has, the shortest ending first.

    Called for the opening's side only (``_meeting``'s ``unit``): no citizen's words are kept.
    """
    return tuple(unit[:-len(e)] for e in _SHORTEST_FIRST if unit.endswith(e))


_MAX_TOKENS = 500  # bounds the work on huge inputs (a CV pasted 10^4 times)
_MAX_WORD = 40  # longer "words" are noise (base64, URLs, pasted junk)


def _words(text: str) -> tuple[str, ...]:
    return tuple([w for w in dict.fromkeys(tokens(text)) if len(w) <= _MAX_WORD][:_MAX_TOKENS])


def _long(words: tuple[str, ...]) -> frozenset[str]:
    """The words of a text that may be compound parts of the pair's words (``extra``)."""
    return frozenset(w for w in words if len(w) >= 4 and not is_stopword(w) and w not in SUFFIXES)


@dataclass(frozen=True)
class _Side:
    """One text's words and the splitting of them that does not depend on the other text.

    A word is split into parts from :data:`LEXICON` and the long words of both texts of the
    pair. ``splits`` uses this text's own long words only; the other text can change a
    word's split only through one of its long words that is a substring of it and neither
    in the lexicon nor one of this text's long words (:func:`_pair_units` re-splits just
    those words).
    """

    words: tuple[str, ...]
    word_set: frozenset[str]
    joined: str  # the words with spaces between: one substring search finds a part in any
    long: frozenset[str]
    splits: dict[str, tuple[str, ...]]
    units: frozenset[str]  # every word and its parts
    stems: frozenset[str]  # every unit minus an inflection ending it has (``_meeting``)


def _side(text: str) -> _Side:
    words = _words(text)
    long = _long(words)
    splits = {w: _split(w, long) for w in words}
    units = frozenset(u for w in words for u in (w, *splits[w]))
    return _Side(words, frozenset(words), " ".join(words), long, splits, units, _stems(units))


def _stems(units: frozenset[str]) -> frozenset[str]:
    """Each unit without an inflection ending it has: ``x + ending in units`` iff x in stems."""
    return frozenset(u[:-len(e)] for u in units for e in _INFLECTIONS if u.endswith(e) and len(u) > len(e))


# The opening's side: its text is the query of every candidate on its ranking page. Keyed by
# a hash; the words of an opening are no citizen's data.
_query_side = cached(LRUCache(maxsize=1024), key=lambda text: (text_key(text), geo.table_version()),
                     lock=threading.Lock())(_side)

# The citizen's side (CV and jobmål words) is analysed once per text, not once per pair, but
# it is a citizen's data: kept at most DOC_SECONDS, like the portal's profile cache
# (store.profiles.ProfileCache), so an erased citizen's words leave a process within minutes.
DOC_SECONDS = 120.0
_clock = time.monotonic  # replaced in tests
_DOC_SIDES: TTLCache = TTLCache(maxsize=4096, ttl=DOC_SECONDS, timer=lambda: _clock())
_doc_side = cached(_DOC_SIDES, key=lambda text: (text_key(text), geo.table_version()),
                   lock=threading.Lock())(_side)


def _pair_units(side: _Side, other: _Side, extra: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """The words of ``side`` whose split the other text changes, split again with ``extra``."""
    touched: set[str] = set()
    for part in other.long:
        if part in side.joined and part not in side.long and part not in LEXICON and part not in SUFFIXES:
            touched.update(w for w in side.words if part in w and w != part)
    return {w: (w, *_split(w, extra)) for w in touched}


def _shown(term: str) -> bool:
    """Whether a shared term is shown. ``term`` is a word of the opening's side, so its
    inflections may be stripped (:func:`_stripped` keeps no citizen's words)."""
    return (len(term) >= 3 and not is_stopword(term) and not term.isdigit() and term not in SUFFIXES
            and not any(stem in BOILERPLATE for stem in _stripped(term)))


# A CV's heading line names the citizen ("CV – Lars", "Curriculum vitae: Lars Rasmussen",
# "Lars' CV", "LARS – CV"); the portal's profile draft skips the same lines
# (portal.candidates.profile._HEADING). A name is never evidence of fit, and it meets the
# opening's text by chance ("Lars" ~ "Larsen Transport").
_CV = r"(?:cv|curriculum vitae)"
_NAME_HEADING = re.compile(
    rf"{_CV}(?:\s+[-–—]\s*|\s*[-–—]\s+|\s*:\s*)(?P<after>[^\n]{{1,80}})|(?P<owner>\S{{1,40}})\s+{_CV}"
    rf"|(?P<before>[^\n]{{1,60}}?)\s+[-–—]\s*{_CV}", re.IGNORECASE)
# Where the CV starts in a citizen's text ("Jobmål: ...; .... " repeated, then the CV).
_GOALS_PREFIX = re.compile(r"(?:jobmål: [^\n]*?\. )*", re.IGNORECASE)
_HEAD_LINES = 40  # a heading naming the CV's owner is at its top; bounds the work on huge CVs
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _name_words(doc: str) -> frozenset[str]:
    """The normalised words of the name lines of the citizen's text ``doc``.

    A name line is a heading that names the CV's owner (``_NAME_HEADING``, on one of the
    first ``_HEAD_LINES`` lines), or a CV's first line when it is only a name: two to four
    capitalised words, none of them a job word (:data:`LEXICON`) or a compound of job words
    ("Lars Rasmussen", not "Erfaren Lagermedarbejder"), with more of the CV after it (a jobmål
    alone is never a name line). Its words are left out wherever they occur: a citizen's own
    name is never evidence of fit.
    """
    lines = doc.split("\n", _HEAD_LINES)[:_HEAD_LINES]
    names: set[str] = set()
    for number, line in enumerate(lines):
        line = line.strip()
        if number == 0:
            line = line[_GOALS_PREFIX.match(line).end():]
        if not line or len(line) > 200:
            continue
        heading = _NAME_HEADING.fullmatch(line)
        if heading is not None:
            names.update(tokens(next(g for g in heading.groups() if g is not None)))
            if heading["owner"]:  # "Karims CV": the name is Karim
                names.update(w[:-1] for w in tokens(heading["owner"]) if w.endswith("s") and len(w) > 3)
        elif number == 0 and len(lines) > 1 and _only_a_name(line):
            names.update(tokens(line))
    return frozenset(names)


def _only_a_name(line: str) -> bool:
    words = line.split()
    if not 2 <= len(words) <= 4 or not all(_NAME_WORD.fullmatch(w) and w[0].isupper() for w in words):
        return False
    return not any(w in LEXICON or _split(w, frozenset()) for w in tokens(line))


def matched_terms(query: str, doc: str, limit: int = 8) -> list[str]:
    """The whole words and real compound parts that ``query`` and ``doc`` share.

    Exact shared words come first, then shared compound parts ("lagermedarbejder" and
    "lagerarbejde" -> "lager"), each in order of appearance in ``query``. Every term occurs in
    both normalised texts; stopwords, boilerplate (:data:`BOILERPLATE`, with its inflected
    forms), numbers, inflection endings, words under three letters and the citizen's name
    (the words of a CV's name line, :func:`_name_words`) are never terms, and a stop word of
    the opening is never met through its stem ("tage" imod is no "tag"). These are the card's "Fælles ord"; relevance never reads them.

    Args:
        query: The opening's side: its title and description (its words are cached by hash).
        doc: The citizen's side: jobmål and CV, or one jobmål (never kept).
        limit: Maximum number of terms.

    Returns:
        Normalised terms.
    """
    return list(_matched_terms(query, doc, limit))


# A pure function of the two texts, so it is cached: a ranking page shown again (or to another
# consultant) does not split the same compounds again. The key is the texts' hashes and the
# value the shared terms (words of the query, the opening's side), so no citizen's CV or
# jobmål is kept in the process (an erased citizen's text leaves nothing behind).
# The postcode table's version is part of the key: its towns are never terms.
@cached(LRUCache(maxsize=16384),
        key=lambda query, doc, limit: (text_key(query), text_key(doc), limit, geo.table_version()),
        lock=threading.Lock())
def _matched_terms(query: str, doc: str, limit: int) -> tuple[str, ...]:
    q, d = _query_side(query), _doc_side(doc)
    names = _name_words(doc)
    extra = q.long | d.long
    found = dict.fromkeys(w for w in q.words if w in d.word_set and _shown(w) and w not in names)
    q_changed, d_changed = _pair_units(q, d, extra), _pair_units(d, q, extra)
    doc_units, doc_stems = d.units, d.stems
    if d_changed:  # rare: a long word of the opening is a new compound part of a CV word
        doc_units = frozenset(u for w in d.words for u in d_changed.get(w) or (w, *d.splits[w]))
        doc_stems = _stems(doc_units)
    for word in q.words:
        if len(found) >= limit:
            break
        if word in found:
            continue
        for unit in q_changed.get(word) or (word, *q.splits[word]):
            if is_stopword(unit):  # nor its stem: "tage" (imod) is no "tag" (roof)
                continue
            term = _meeting(unit, doc_units, doc_stems)
            if term is None or term in found or not _shown(term) or term in names \
                    or any(term in f for f in found):
                continue
            found[term] = None
    return tuple(found)[:limit]
