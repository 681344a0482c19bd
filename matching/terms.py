"""Shared terms for explanations: whole words and real Danish compound parts, never fragments.

"Fælles ord" must be something a consultant recognises as a word: "lager" for
"Lagermedarbejder" and "lagerarbejde", "hjælper" for "Social- og sundhedshjælper" and
"SOSU-hjælper". A common beginning or ending of two words is not enough ("bager"/"lager"
share "ager", "uddannelse"/"ansættelse" share "else"): a word is split only into parts that
are words themselves (:data:`LEXICON`, the job vocabulary, or a whole word of one of the two
texts), with an optional linking "s" or "e" between them (sundhed|s|hjælper).
"""
from __future__ import annotations

from functools import lru_cache

from matching.lexical import tokens

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
)
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


@lru_cache(maxsize=4096)
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
            part = word[start:end]
            if best[start] is None or part == word or part in SUFFIXES \
                    or not (part in LEXICON or part in extra):
                continue
            parts = best[start] + (part,)
            offer(end, parts)
            if end < n - 3 and word[end] in "se":  # linking letter: sundhed|s|hjælper
                offer(end + 1, parts)
    return best[n] if best[n] is not None and len(best[n]) > 1 else ()


def _units(word: str, extra: frozenset[str]) -> tuple[str, ...]:
    """The word itself and its compound parts."""
    return (word, *_split(word, extra))


def _meeting(unit: str, others: set[str]) -> str | None:
    """The term ``unit`` shares with ``others``: itself, or the uninflected form of the two
    (a prefix of both, so it occurs in both texts); None when it meets none.

    Set lookups per inflectional ending, not a scan of ``others``: this runs for every word
    of every candidate on the ranking page. When ``unit`` is an inflected form of several
    words, the longest (the least stripped) is the term.
    """
    if unit in others:
        return unit
    if any(unit + ending in others for ending in _INFLECTIONS):
        return unit
    for ending in _SHORTEST_FIRST:
        if unit.endswith(ending) and unit[:-len(ending)] in others:
            return unit[:-len(ending)]
    return None


_MAX_TOKENS = 500  # bounds the work on huge inputs (a CV pasted 10^4 times)
_MAX_WORD = 40  # longer "words" are noise (base64, URLs, pasted junk)


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    # Cached: the opening's text is the query of every candidate on its ranking page.
    return tuple([w for w in dict.fromkeys(tokens(text)) if len(w) <= _MAX_WORD][:_MAX_TOKENS])


def _shown(term: str) -> bool:
    return (len(term) >= 3 or term == "it") and term not in STOPWORDS and not term.isdigit() \
        and term not in SUFFIXES


def matched_terms(query: str, doc: str, limit: int = 8) -> list[str]:
    """The whole words and real compound parts that ``query`` and ``doc`` share.

    Exact shared words come first, then shared compound parts ("lagermedarbejder" and
    "lagerarbejde" -> "lager"), each in order of appearance in ``query``. Every term occurs in
    both normalised texts; stopwords, numbers and inflection endings are never terms.

    Args:
        query: E.g. the opening's title and description.
        doc: E.g. a citizen's jobmål and CV.
        limit: Maximum number of terms.

    Returns:
        Normalised terms.
    """
    # A pure function of the two texts, so it is cached: a ranking page shown again (or to
    # another consultant) does not split the same compounds again.
    return list(_matched_terms(query, doc, limit))


@lru_cache(maxsize=16384)
def _matched_terms(query: str, doc: str, limit: int) -> tuple[str, ...]:
    query_words, doc_words = _words(query), _words(doc)
    extra = frozenset(w for w in (*query_words, *doc_words)
                      if len(w) >= 4 and w not in STOPWORDS and w not in SUFFIXES)
    doc_set = set(doc_words)
    found = dict.fromkeys(w for w in query_words if w in doc_set and _shown(w))
    doc_units = {u for w in doc_words for u in _units(w, extra)}
    for word in query_words:
        if len(found) >= limit:
            break
        if word in found:
            continue
        for unit in _units(word, extra):
            term = _meeting(unit, doc_units)
            if term is None or term in found or not _shown(term) or any(term in f for f in found):
                continue
            found[term] = None
    return tuple(found)[:limit]
