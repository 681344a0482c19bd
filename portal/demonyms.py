"""Danish nationality adjectives, for the origin check (:mod:`portal.private_details`).

Source and how it was made: typed by hand in December 2026 for the origin check, one list per
ISO 3166 code of CLDR's Danish country names (the codes :func:`portal.private_details._country_names`
reads through babel). Neither CLDR nor any package installed here offers demonyms, so the list
could not be derived. The forms are the ones Danish writes (»eritreisk«, »afghansk«,
»congolesisk«), with common second forms beside them (»hollandsk«, »hviderussisk«). They were
not compared against a published list; the ones to check them against are Dansk Sprognævn's
Retskrivningsordbogen and the annex of the EU's Interinstitutional Style Guide (Danish edition)
that lists states and their adjectives. A correction is a line here; the tests in
``tests/portal/test_private_details.py`` run every adjective through the check.

Each form is the base, uninflected adjective. The check adds the inflected form (»eritreiske«,
»polske«) and reads any case (»ERITREISK« in a CV heading). Denmark is not here: »dansk« tells
nothing about a citizen of a Danish job centre. The territories CLDR names that have no
adjective in everyday Danish (:data:`WITHOUT_ADJECTIVE`) are still caught by their names.
"""
from __future__ import annotations

BY_COUNTRY: dict[str, tuple[str, ...]] = {
    # The EU (except Denmark) and the rest of Europe
    "AT": ("østrigsk",), "BE": ("belgisk",), "BG": ("bulgarsk",), "CY": ("cypriotisk",),
    "CZ": ("tjekkisk",), "DE": ("tysk",), "EE": ("estisk", "estlandsk"), "ES": ("spansk",),
    "FI": ("finsk", "finlandsk"), "FR": ("fransk",), "GR": ("græsk",), "HR": ("kroatisk",),
    "HU": ("ungarsk",), "IE": ("irsk",), "IT": ("italiensk",), "LT": ("litauisk",),
    "LU": ("luxembourgsk",), "LV": ("lettisk",), "MT": ("maltesisk",),
    "NL": ("nederlandsk", "hollandsk"), "PL": ("polsk",), "PT": ("portugisisk",), "RO": ("rumænsk",),
    "SE": ("svensk",), "SI": ("slovensk",), "SK": ("slovakisk",),
    "AD": ("andorransk",), "AL": ("albansk",), "AX": ("ålandsk",), "BA": ("bosnisk", "hercegovinsk"),
    "BY": ("belarusisk", "hviderussisk"), "CH": ("schweizisk",), "FO": ("færøsk",),
    "GB": ("britisk", "engelsk", "skotsk", "walisisk", "nordirsk"), "GI": ("gibraltarsk",),
    "IS": ("islandsk",), "LI": ("liechtensteinsk",), "MC": ("monegaskisk",), "MD": ("moldovisk",),
    "ME": ("montenegrinsk",), "MK": ("nordmakedonsk", "makedonsk"), "NO": ("norsk",), "RS": ("serbisk",),
    "RU": ("russisk",), "SM": ("sanmarinesisk",), "UA": ("ukrainsk",), "VA": ("vatikansk",),
    "XK": ("kosovarisk", "kosovansk"),
    # The Middle East, the Caucasus and Central Asia
    "AE": ("emiratisk",), "AF": ("afghansk",), "AM": ("armensk",), "AZ": ("aserbajdsjansk",),
    "BH": ("bahrainsk",), "GE": ("georgisk",), "IL": ("israelsk",), "IQ": ("irakisk",), "IR": ("iransk",),
    "JO": ("jordansk",), "KG": ("kirgisisk",), "KW": ("kuwaitisk",), "KZ": ("kasakhisk", "kasakhstansk"),
    "LB": ("libanesisk",), "OM": ("omansk",), "PS": ("palæstinensisk",), "QA": ("qatarsk",),
    "SA": ("saudiarabisk", "saudisk"), "SY": ("syrisk",), "TJ": ("tadsjikisk",), "TM": ("turkmensk",),
    "TR": ("tyrkisk",), "UZ": ("usbekisk",), "YE": ("yemenitisk",),
    # Africa
    "AO": ("angolansk",), "BF": ("burkinsk",), "BI": ("burundisk",), "BJ": ("beninsk",),
    "BW": ("botswansk",), "CD": ("congolesisk", "kongolesisk"), "CF": ("centralafrikansk",),
    "CG": ("congolesisk", "kongolesisk"), "CI": ("ivoriansk",), "CM": ("camerounsk",),
    "CV": ("kapverdisk",), "DJ": ("djiboutisk",), "DZ": ("algerisk",), "EG": ("egyptisk",),
    "EH": ("vestsaharisk", "sahrawisk"), "ER": ("eritreisk",), "ET": ("etiopisk",), "GA": ("gabonesisk",),
    "GH": ("ghanesisk",), "GM": ("gambisk",), "GN": ("guineansk",), "GQ": ("ækvatorialguineansk",),
    "GW": ("bissauguineansk",), "KE": ("kenyansk",), "KM": ("comorisk",), "LR": ("liberiansk",),
    "LS": ("lesothisk",), "LY": ("libysk",), "MA": ("marokkansk",), "MG": ("malagassisk", "madagaskisk"),
    "ML": ("malisk",), "MR": ("mauretansk",), "MU": ("mauritisk",), "MW": ("malawisk",),
    "MZ": ("mozambikisk",), "NA": ("namibisk",), "NE": ("nigerisk",), "NG": ("nigeriansk",),
    "RW": ("rwandisk",), "SC": ("seychellisk",), "SD": ("sudanesisk",), "SL": ("sierraleonsk",),
    "SN": ("senegalesisk",), "SO": ("somalisk",), "SS": ("sydsudanesisk",), "ST": ("santomesisk",),
    "SZ": ("swazisk", "swazilandsk"), "TD": ("tchadisk",), "TG": ("togolesisk",), "TN": ("tunesisk",),
    "TZ": ("tanzanisk",), "UG": ("ugandisk",), "ZA": ("sydafrikansk",), "ZM": ("zambisk",),
    "ZW": ("zimbabwisk",),
    # Asia and Oceania
    "AU": ("australsk",), "BD": ("bangladeshisk",), "BN": ("bruneisk",), "BT": ("bhutansk",),
    "CN": ("kinesisk",), "FJ": ("fijiansk",), "FM": ("mikronesisk",), "HK": ("hongkongsk",),
    "ID": ("indonesisk",), "IN": ("indisk",), "JP": ("japansk",), "KH": ("cambodjansk",),
    "KI": ("kiribatisk",), "KP": ("nordkoreansk",), "KR": ("sydkoreansk", "koreansk"), "LA": ("laotisk",),
    "LK": ("srilankansk",), "MH": ("marshallesisk",), "MM": ("myanmarsk", "burmesisk"), "MN": ("mongolsk",),
    "MO": ("macaosk",), "MV": ("maldivisk",), "MY": ("malaysisk",), "NP": ("nepalesisk",),
    "NR": ("nauruisk",), "NU": ("niueansk",), "NZ": ("newzealandsk",), "PG": ("papuansk",),
    "PH": ("filippinsk",), "PK": ("pakistansk",), "PW": ("palauansk",), "SB": ("salomonsk",),
    "SG": ("singaporeansk",), "TH": ("thailandsk",), "TL": ("østtimoresisk",), "TO": ("tongansk",),
    "TV": ("tuvaluansk",), "TW": ("taiwansk", "taiwanesisk"), "VN": ("vietnamesisk",), "VU": ("vanuatisk",),
    "WS": ("samoansk",),
    # The Americas and the Arctic
    "AG": ("antiguansk",), "AI": ("anguillansk",), "AR": ("argentinsk",), "AW": ("arubansk",),
    "BB": ("barbadisk",), "BM": ("bermudisk",), "BO": ("boliviansk",), "BR": ("brasiliansk",),
    "BS": ("bahamansk",), "BZ": ("belizisk",), "CA": ("canadisk",), "CL": ("chilensk",),
    "CO": ("colombiansk",), "CR": ("costaricansk",), "CU": ("cubansk",), "CW": ("curaçaosk",),
    "DM": ("dominicansk",), "DO": ("dominikansk",), "EC": ("ecuadoriansk",), "FK": ("falklandsk",),
    "GD": ("grenadisk",), "GL": ("grønlandsk",), "GT": ("guatemalansk",), "GY": ("guyansk",),
    "HN": ("honduransk",), "HT": ("haitiansk", "haitisk"), "JM": ("jamaicansk",), "MX": ("mexicansk",),
    "NI": ("nicaraguansk",), "PA": ("panamansk",), "PE": ("peruviansk",), "PR": ("puertoricansk",),
    "PY": ("paraguayansk",), "SR": ("surinamsk",), "SV": ("salvadoriansk",), "TT": ("trinidadisk",),
    "US": ("amerikansk",), "UY": ("uruguayansk",), "VE": ("venezuelansk",),
}

# The territories CLDR names in Danish with no nationality adjective in everyday use: their
# people are named by the state they belong to (Fransk Guyana: »fransk«) or by the name alone.
WITHOUT_ADJECTIVE = frozenset({
    "AC", "AQ", "AS", "BL", "BQ", "BV", "CC", "CK", "CP", "CQ", "CX", "DG", "EA", "GF", "GG", "GP",
    "GS", "GU", "HM", "IC", "IM", "IO", "JE", "KN", "KY", "LC", "MF", "MP", "MQ", "MS", "NC", "NF",
    "PF", "PM", "PN", "RE", "SH", "SJ", "SX", "TA", "TC", "TF", "TK", "UM", "VC", "VG", "VI", "WF", "YT",
})

# Origin without a state of its own, or a part of the world said of a person (»kurdisk
# baggrund«, »arabisk kvinde«, »østafrikansk«). Europe, Scandinavia and the Nordic countries
# are left out, as ordinary words of work (»europæisk standard«, »nordisk samarbejde«).
PEOPLES = ("arabisk", "kurdisk", "tamilsk", "tjetjensk", "afrikansk", "nordafrikansk", "østafrikansk",
           "vestafrikansk", "asiatisk", "sydøstasiatisk", "mellemøstlig", "østeuropæisk", "latinamerikansk",
           "sydamerikansk")

# The adjectives Danish also uses as a language's name, beside CLDR's names of the states'
# official languages (CLDR says »somali«, »tamil«, »bengali«, »nederlandsk«, and Welsh and
# Kurdish are no state's): they are read as a language where CLDR's names are
# (:func:`portal.private_details._language_names`).
SPOKEN = ("somalisk", "kurdisk", "tamilsk", "bengalsk", "thailandsk", "hollandsk", "walisisk")

# The EU (but Denmark) and the EEA: a driving licence from one of them is valid in Denmark as a
# Danish one is (directive 2006/126/EC), and says where it was issued, not where its holder is
# from (many Danes hold a Swedish or German one). So »norsk kørekort« is a licence like »dansk
# kørekort« (review AK 4); one from elsewhere (»afghansk kørekort«) still counts as origin.
EEA = frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
                 "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO"})

# A person named by the people (»Jeg er kurder«, »palæstinensere«): the singular, to which the
# check adds the plural »-e« and »-ne«. Left out are the ones that are also ordinary words
# (»russer«: a new student, »perser«: a rug, »finne«, »ester«, »lette«, »inder«).
NOUNS = ("syrer", "iraker", "afghaner", "somalier", "eritreer", "etiopier", "tyrker", "kurder", "polak", "polakker",
         "rumæner", "bulgarer", "ukrainer", "pakistaner", "iraner", "palæstinenser", "libaneser", "marokkaner",
         "algerier", "tuneser", "egypter", "jordaner", "sudaneser", "bosnier", "serber", "kroat", "albaner",
         "kosovoalbaner", "kosovaner", "makedonier", "tjetjener", "georgier", "armenier", "vietnameser",
         "thailænder", "kineser", "filippiner", "tamiler", "srilankaner", "bangladesher", "nigerianer",
         "ghaneser", "congoleser", "kongoleser", "araber", "afrikaner", "asiat", "litauer", "tysker",
         "svensker", "nordmand", "nordmænd", "englænder", "amerikaner", "italiener", "spanier", "græker")
