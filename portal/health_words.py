"""Words that give away a citizen's health, limitations or the reason for them.

One rule for every text that leaves the consultant's hands or is read by a company: the
jobmål shown to the company and the shared profile (:mod:`portal.proposals`,
:mod:`portal.candidates.profile`), success stories (:mod:`portal.stories`), and the warning on
a jobmål typed for a citizen (:mod:`portal.citizens`). A job title that names the field it
works in (»Handicaphjælper«, »Misbrugskonsulent«, »Psykiatrisk sygeplejerske«) is a job, not a
health detail, and does not match.
"""
from __future__ import annotations

import re

# A job title of the care and treatment fields follows these words (»Handicaphjælper«,
# »Misbrugskonsulent«): a negative lookahead, so the word alone still matches.
_CARE_TITLE = r"s?(?:hjælper|medhjælper|pædagog|konsulent|behandler|rådgiver|område|center|\w*assistent)"
_PSYCHIATRIC_TITLE = r"ske?\s+(?:sygeplejerske|social|pædagog|assistent|ergoterapeut|sygehjælper)"

# »Rygskade« is found by its »skade« (a hit is widened to its whole word, :func:`whole_words`): a
# leading ``\w*`` read a word of thousands of letters to its end from each letter (quadratic).
HEALTH_WORDS = re.compile(
    r"skåne|\bpga\b|på grund af|grundet|diagnos|sygdom|sygemeld|\bsyg\b|skade\b|skadet|smerte|\bondt\b|"
    r"stress|angst|depression|psykisk|"
    rf"psykiatri(?!{_PSYCHIATRIC_TITLE}|{_CARE_TITLE})|misbrug(?!{_CARE_TITLE})|handicap(?!{_CARE_TITLE})|"
    r"begrænsning|hensyn|helbred|\badhd\b|autis|ressourceforløb|jobafklaring|førtidspension|fleksjob|"
    r"revalidering|"
    # Diagnoses, treatment and addiction (review E1). Each is written so that the work of the care
    # fields does not match: »Dosering af medicin« and »Medicinsk sekretær« are work,
    # »tager medicin« is not; »Kræftens Bekæmpelse« is an employer and »prøve kræfter« an idiom;
    # »kørestolsbrugere« are the people a helper helps, »i kørestol« / »kørestolsbruger« the citizen.
    r"alkohol(?:behandl|misbrug|problem|afhængig|iker)\w*|\balkoholiker|\bhash\b|\bkokain|\bnarko(?!tikapolit)\w*|"
    r"afvænning|afrusning|antabus|metadon|ludoman\w*|spilleafhængig\w*|"
    r"\bptsd\b|posttraumatisk|\btraume\w*|skizofren\w*|bipolar\w*|\bocd\b|asperger\w*|"
    r"spiseforstyrr\w*|anoreksi|bulimi|selvmord\w*|personlighedsforstyrr\w*|"
    r"diabet\w*|sukkersyge|epilep\w*|\bkræft(?!er|ens\s+bekæmpelse)\w*|\bcancer|\bkemo(?:terapi)?\b|"
    r"strålebehandl\w*|sklerose|parkinson|gigt\w*|migræne|astma\w*|blodprop\w*|\bhiv\b|\baids\b|"
    r"\bgravid(?:itet\w*)?\b|\bpsykiater\b|\b(?:tager|på)\s+(?:\w+\s+)?medicin\b|"
    r"\bmedicineret\b|antidepressiv\w*|\bkørestol(?:sbruger)?\b|rollator|ordblind\w*|dysleksi|"
    r"hørehæm\w*|\bdøv\b|\bblind\b|amputer\w*|indlagt|indlæggelse|\bopereret\b", re.IGNORECASE)


def whole_words(pattern: re.Pattern, text: str) -> list[str]:
    """The hits of ``pattern`` in ``text`` widened to the whole words they are part of, as
    written, each once: a message then names »Skånehensynene«, not »Skåne«."""
    words = []
    widened_to = -1  # where the last word found ends: a hit within it names (part of) that word again
    for found in pattern.finditer(text):
        start, end = found.span()
        if end <= widened_to:
            continue  # »stressstress…«: widening each hit to the same long word was quadratic
        while start > 0 and text[start - 1].isalnum():
            start -= 1
        while end < len(text) and text[end].isalnum():
            end += 1
        words.append(text[start:end])
        widened_to = end
    return list(dict.fromkeys(words))


def health_words_in(text: str) -> list[str]:
    """The words of ``text`` that give away health details or limitations (:data:`HEALTH_WORDS`)."""
    return whole_words(HEALTH_WORDS, text)
