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

HEALTH_WORDS = re.compile(
    r"skåne|\bpga\b|på grund af|grundet|diagnos|sygdom|sygemeld|\bsyg\b|\w*skade\b|skadet|smerte|\bondt\b|"
    r"stress|angst|depression|psykisk|"
    rf"psykiatri(?!{_PSYCHIATRIC_TITLE}|{_CARE_TITLE})|misbrug(?!{_CARE_TITLE})|handicap(?!{_CARE_TITLE})|"
    r"begrænsning|hensyn|helbred|\badhd\b|autis|ressourceforløb|jobafklaring|førtidspension|fleksjob|"
    r"revalidering", re.IGNORECASE)
