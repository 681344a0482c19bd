"""Details a CV holds that a company given the CV must not get, besides :mod:`portal.private_details`.

A CV's header says what a profile the consultant writes never does: where the citizen lives,
whether they are married, and sometimes their faith, party or union (review AK 3). The CV page
and the consent promise that contact details and »andre private oplysninger« are taken out, and
religion, political opinion and trade-union membership are GDPR art. 9 data. So the CV text a
company gets (:func:`portal.citizens.cv_sharing.checked`) is checked with :func:`find` on top of
:func:`portal.private_details.find`. These checks are for the CV only: a profile the consultant
writes may still name, say, the citizen's union work.

:func:`find` names what a sentence holds, by kind (:data:`KINDS`):

- ``address``: the word »adresse« or »bopæl«, a street with a house number (»Vestergade 12«), a
  house number before a postcode and town (»12, 8722 Hedensted«), or a line that is only a
  postcode and town (»8722 Hedensted«);
- ``religion``: a faith or its practice (»Religion: muslim«, »Jeg er muslim og beder fem gange
  dagligt«, »går i kirke«); a church as a workplace or employer is work (»kirkegårdsgartner«,
  »Kirkens Korshær«, »Kirketjener«), and »Kristen« with a capital is a name;
- ``politics``: membership of, or standing for, a party (»Medlem af Enhedslisten«, »Aktiv i
  Venstre«, »Politisk ståsted: …«); »Medlem af bestyrelsen« is not a party;
- ``union``: union or unemployment-fund membership (»Fagforening: 3F«, »Medlem af HK«, »A-kasse:
  Krifa«, »fagligt organiseret«); a union named as an employer is work (»Chauffør hos 3F«);
- ``family``: civil status, partner and children (»Gift, 2 børn«, »Civilstand: gift med Anna«,
  »Mor til tre«, »min kone«, »på barsel«); children as the work's subject are work
  (»Ansvar for 20 børn«, »Pædagog for børn i 3-6 år«).

The patterns are a net, as :mod:`portal.private_details` is: wide where a company would
otherwise learn something private, and clear of the words of ordinary work.
"""
from __future__ import annotations

import re

from .private_details import Detail, gated

KINDS = {
    "address": "hjemadresse",
    "religion": "religion eller tro",
    "politics": "politisk overbevisning eller partimedlemskab",
    "union": "medlemskab af fagforening eller a-kasse",
    "family": "civilstand eller familieforhold",
}

_STREET = r"(?:gade|vej|allé|alle|stræde|stien|plads|torv|vænge|vænget|parken|boulevard|bakke|bakken|toften|kær)"
_ADDRESS = re.compile(
    r"(?<![-\w])(?:hjem)?adresse\b|\bbopæl\b|\bpost(?:nr|nummer)\b\.?\s*:|"
    rf"\b[A-ZÆØÅ][a-zæøå]*{_STREET}\s+\d{{1,4}}\s?[A-Za-z]?(?![\w-])|"
    # »12, 8722 Hedensted«, »12, 1. th., 8722 Hedensted«
    r"(?<![\d-])\d{1,3}\s?[A-Za-z]?,(?:\s*[\w.]+(?:\s+[\w.]+)?,)?\s*[1-9]\d{3}\s+[A-ZÆØÅ][a-zæøå]+|"
    # a line that is only a postcode and a town: »8722 Hedensted«
    r"^\s*(?:DK-)?(?!19|20)[1-9]\d{3}\s+[A-ZÆØÅ][a-zæøå]+(?:[ -][A-ZÆØÅ]?[a-zæøå]+)?\s*$")
_FAITH = (r"muslim\w*|islam\w*|kristendom\w*|jødisk\w*|jøde|jøder|hindu\w*|buddhis\w*|sikh\w*|ateist\w*|"
          r"katolik\w*|katolsk\w*|troende|moské\w*|moske\w*|synagoge\w*|ramadan\w*|fredagsbøn\w*|"
          r"bøn|folkekirke\w*|frikirke\w*|menighed\w*|jehovas\s+vidne\w*|mormon\w*|pinsekirke\w*")
_RELIGION = re.compile(
    rf"\breligi\w*|\btro\s*:|\btrosretning\w*|\btrossamfund\w*|\b(?:{_FAITH})\b|(?-i:\bkristne?\b)|"
    r"\bbeder\s+(?:\w+\s+){0,2}?(?:dagligt|gange|til\s+(?:gud|allah)|fredag\w*|i\s+moské\w*)\b|"
    r"\bgår\s+i\s+(?:kirke|moské|moskeen|moske|synagoge)\w*",
    re.IGNORECASE)
_PARTIES = (r"Socialdemokrat(?:iet|erne)|Venstre|Det\s+Konservative\s+Folkeparti|De\s+Konservative|Konservative|"
            r"Dansk\s+Folkeparti|DF|SF|Socialistisk\s+Folkeparti|Enhedslisten|(?:Det\s+)?Radikale(?:\s+Venstre)?|"
            r"Liberal\s+Alliance|Alternativet|Nye\s+Borgerlige|Moderaterne|Danmarksdemokraterne|"
            r"Kristendemokraterne|Borgernes\s+Parti|Frie\s+Grønne|Veganerpartiet|Klimapartiet\s+Momentum|"
            r"DSU|Venstres\s+Ungdom|VU|Konservativ\s+Ungdom|KU|SFU|Radikal\s+Ungdom|LAU|Liberal\s+Alliances\s+Ungdom|"
            r"Socialistisk\s+Ungdomsfront|Dansk\s+Folkepartis\s+Ungdom|DFU")
_POLITICS = re.compile(
    r"\b(?:partimedlem\w*|partibog|politisk\w*\s+(?:overbevisning|ståsted|holdning\w*|tilhørsforhold|aktiv)|"
    r"parti\s*:)|"
    r"\b(?:medlem|aktiv|frivillig|opstillet|kandidat|valgt|stemmer|formand|næstformand|kasserer)\s+"
    rf"(?:\w+\s+){{0,2}}?(?:af|i|for|på)\s+(?:partiet\s+)?(?-i:(?:{_PARTIES}))(?![\w-])",
    re.IGNORECASE)
_UNIONS = (r"3F|HK|FOA|Dansk\s+Metal|Metal|Serviceforbundet|Blik\s+og\s+Rør|Dansk\s+El-Forbund|"
           r"Fødevareforbundet(?:\s+NNF)?|NNF|Krifa|Kristelig\s+Fagforening|Det\s+Faglige\s+Hus|ASE|Lederne|"
           r"DJØF|Djøf|IDA|Ingeniørforeningen|Dansk\s+Sygeplejeråd|DSR|BUPL|Socialpædagogerne|"
           r"Teknisk\s+Landsforbund|TL|Dansk\s+Journalistforbund|Danmarks\s+Lærerforening|Prosa|PROSA|"
           r"Frie\s+Funktionærer|Malerforbundet|Træ-Industri-Byg|TIB|Fagbevægelsens\s+Hovedorganisation|FH|LO|"
           r"Dansk\s+Frisør-\s+og\s+Kosmetikerforbund|Politiforbundet|Dansk\s+Magisterforening|DM|"
           r"Akademikerne|Business\s+Danmark|Min\s+A-kasse|AK-Samvirke|Din\s+Sundhedsfaglige\s+A-kasse")
_UNION = re.compile(
    r"\bfagforening\w*\s*:|\ba-kasse\w*\s*:|\bfagligt?\s+organiseret\b|\bunion\s*:|"
    r"\b(?:medlem|medlemskab|organiseret|indmeldt|meldt\s+ind)\s+(?:\w+\s+){0,2}?(?:af|i|hos)\s+"
    rf"(?:(?:en|min|den\s+lokale)\s+)?(?:fagforening\w*|a-kasse\w*|(?-i:(?:{_UNIONS}))(?![\w-]))",
    re.IGNORECASE)
_COUNT = r"(?:[1-9]|et|ét|en|to|tre|fire|fem|seks|syv|otte|ni)"
_FAMILY = re.compile(
    r"\bcivilstand\w*|\b(?<!af\s)(?:u)?gift\b(?!\w|\s*(?:stof\w*|affald\w*|håndtering\w*|-))|\bskilt\b(?=\s*(?:[,.;]|$|\s+(?:og|fra|med)\b))|\b(?:er|blev)\s+skilt\b|"
    r"\bsepareret\b|\benke(?:mand)?\b|\bsamlever\w*|\bsamboende\b|\bforlovet\b|\bhustru\b|\bægte(?:fælle|mand)\w*|"
    r"\bmin\s+(?:kone|mand|kæreste|ægtefælle|søn|datter|dreng|pige|forlovede)\b|\bmine\s+(?:børn|drenge|piger|sønner|døtre)\b|"
    rf"(?:^|,|\bhar\b)\s*{_COUNT}\s+(?:barn|børn|sønner|døtre|drenge|piger|hjemmeboende)\b|"
    rf"\b(?:mor|far|mormor|farmor|morfar|farfar|forælder)\s+til\s+(?:{_COUNT}|børn|drenge|piger|tvillinger)(?!\w)|"
    r"\benlig\s+(?:mor|far|forsørger|forælder)\b|\bbørn\s*:|\bfamilie\s*:|\b(?:på|holdt|holder|havde)\s+barsel\b|\bbarselsorlov\w*|\bforældreorlov\w*|"
    r"\bmarried\b|\bdivorced\b|\bmarital\s+status\b",
    re.IGNORECASE | re.MULTILINE)

# Behind the look-ahead of where their hits can start (:func:`portal.private_details.gated`).
_PATTERNS = (("address", gated(_ADDRESS)), ("religion", gated(_RELIGION)), ("politics", gated(_POLITICS)),
             ("union", gated(_UNION)), ("family", gated(_FAMILY)))


def find(sentence: str) -> list[Detail]:
    """The CV-only private details ``sentence`` holds (one sentence or line of a CV: a line
    that is only »8722 Hedensted« is an address), each words once, by kind."""
    found: list[Detail] = []
    for kind, pattern in _PATTERNS:
        for hit in pattern.finditer(sentence or ""):
            words = hit.group().strip().strip(" ,;:()")
            if words and not any(words.lower() in earlier.words.lower() for earlier in found):
                found.append(Detail(kind, words))
    return found
