"""Names, towns, streets and company templates for the demo data (all fictitious).

Pure data. Company names are built from neutral templates (town, surname, region word) so
that they read like local firms without naming real ones on purpose.
"""
from __future__ import annotations


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


FIRST_NAMES_F = _split(
    "Anne|Mette|Kirsten|Hanne|Helle|Susanne|Lene|Camilla|Louise|Maria|Julie|Sofie|Emma|Ida|"
    "Laura|Caroline|Line|Pia|Tina|Gitte|Bente|Rikke|Sanne|Marianne|Charlotte|Nanna|Freja|"
    "Mathilde|Signe|Katrine|Trine|Dorthe|Jette|Karina|Maja|Cecilie|Stine|Birgitte|Lotte|Vibeke"
)
FIRST_NAMES_M = _split(
    "Peter|Jens|Lars|Henrik|Søren|Niels|Michael|Thomas|Jesper|Martin|Anders|Rasmus|Mads|"
    "Morten|Kim|Jan|Brian|Kasper|Christian|Frederik|Mikkel|Jonas|Emil|Lucas|Oliver|Mathias|"
    "Steen|Bo|Torben|Ole|Kenneth|Dennis|René|Allan|Carsten|Jakob|Simon|Nikolaj|Tobias|Magnus"
)
LAST_NAMES = _split(
    "Nielsen|Jensen|Hansen|Pedersen|Andersen|Christensen|Larsen|Sørensen|Rasmussen|"
    "Jørgensen|Petersen|Madsen|Kristensen|Olsen|Thomsen|Christiansen|Poulsen|Johansen|"
    "Møller|Mortensen|Knudsen|Jakobsen|Mikkelsen|Lund|Holm|Schmidt|Kjær|Bech|Dahl|Friis|"
    "Vestergaard|Kjærgaard|Bruun|Lauridsen|Skov|Bak|Damgaard|Nørgaard|Thygesen|Overgaard|"
    "Bisgaard|Ravn|Eriksen|Iversen|Frandsen|Gregersen|Brandt|Søndergaard|Lindholm|Krogh"
)
# Names common among refugees and migrants in Danish municipalities (integrationsydelse),
# by mother tongue, so that a citizen's name, language and country of earlier work agree.
FOREIGN_ORIGINS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "arabisk": (_split("Amal|Fatima|Noor|Rania|Yasmin|Hiba"),
                _split("Ahmad|Mohammad|Omar|Khalid|Samir|Bilal"),
                _split("Al-Hassan|Haddad|Ibrahim|Mahmoud|Yousef|Nasser|Saleh")),
    "somali": (_split("Hodan|Ayaan|Faadumo|Sahra"), _split("Abdi|Abdirahman|Mahad|Yusuf"),
               _split("Warsame|Abdullahi|Osman|Farah")),
    "tigrinya": (_split("Saba|Selam|Helen|Rahel"), _split("Tesfay|Yonas|Dawit|Filmon"),
                 _split("Tesfamariam|Ghebre|Haile|Kidane")),
    "dari": (_split("Zahra|Mariam|Fatema|Shabnam"), _split("Hamid|Ali|Karim|Mustafa"),
             _split("Rahimi|Hosseini|Ahmadi|Karimi")),
    "ukrainsk": (_split("Olena|Iryna|Kateryna|Oksana"), _split("Dmytro|Oleksandr|Andrii|Serhii"),
                 _split("Kovalenko|Shevchenko|Bondarenko|Melnyk")),
}

STREETS = _split(
    "Vestergade|Østergade|Nørregade|Søndergade|Stationsvej|Kirkevej|Bygaden|Skolevej|"
    "Hovedgaden|Vejlevej|Horsensvej|Juelsmindevej|Åvej|Bakkevej|Engvej|Skovvej|Møllevej|"
    "Lindevej|Birkevej|Toftevej|Rosenvænget|Violvej|Ahornvej|Fjordvej|Strandvejen"
)
BUSINESS_STREETS = _split(
    "Industrivej|Erhvervsvej|Fabriksvej|Håndværkervej|Transportvej|Centervej|Industriparken|"
    "Teglværksvej|Savværksvej|Smedevej|Tømrervej|Lagervej|Havnevej"
)
REGION_WORDS = _split("Østjysk|Hedensted|Vejle Fjord|Horsens Fjord|Midtjysk|Kattegat|Trekant")
PLACE_WORDS = _split(
    "Solbakken|Lindegården|Bøgely|Egebakken|Kastaniehuset|Møllehøj|Engtoften|Skovly|"
    "Fjordglimt|Rosenhaven|Bakkehuset|Søndervang"
)

# Company name templates per sector. {town}, {surname}, {region}, {place}.
SECTOR_NAMES: dict[str, tuple[str, ...]] = {
    "logistik": ("{town} Logistik A/S", "{surname} Transport ApS", "{region} Distribution A/S",
                 "{surname} Fragt & Lager ApS"),
    "webshop": ("{region} Webshop ApS", "{surname} E-handel ApS"),
    "industri": ("{town} Plast A/S", "{region} Stål & Metal A/S", "{surname} Maskinfabrik A/S",
                 "{town} Emballage A/S", "{region} Komponenter A/S"),
    "foedevare": ("{region} Kødcentral A/S", "{region} Fødevarer A/S"),
    "byg": ("{surname} Tømrer & Snedker ApS", "{surname} Murerforretning ApS",
            "{town} Byg & Anlæg A/S", "Malerfirmaet {surname} ApS"),
    "detail": ("{town} Dagligvarer ApS", "Købmand {surname}", "{town} Byggemarked A/S",
               "{surname}s Tøjhus"),
    "bus": ("{region} Busser A/S", "{town} Turistfart ApS"),
    "pleje": ("Plejecentret {place}", "{town} Private Hjemmepleje ApS", "Bostedet {place}"),
    "ejendomsservice": ("{town} Ejendomsservice ApS", "{surname} Rengøring ApS",
                        "{region} Facility Service A/S"),
    "institution": ("Børnehuset {place}", "Den selvejende børnehave {place}"),
    "restaurant": ("{town} Kro", "Restaurant {place}", "Hotel {place}", "Café {place}"),
    "bageri": ("{town} Bageri", "Bager {surname}"),
    "genbrug": ("{town} Genbrug & Miljø", "Genbrugsbutikken {place}"),
    "installation": ("{surname} El-service ApS", "{town} VVS & Blik ApS"),
    "auto": ("{town} Autoværksted ApS", "{surname} Biler A/S"),
    "landbrug": ("{place} Landbrug I/S", "{surname} Svineproduktion I/S"),
    "gartneri": ("{town} Gartneri ApS", "{surname} Anlægsgartner ApS", "{region} Planteskole A/S"),
    "frisoer": ("Salon {place}", "Frisør {surname}"),
    "kontor": ("{surname} Revision ApS", "{region} Rådgivning A/S"),
    "callcenter": ("{region} Kundeservice A/S",),
    "it": ("{region} IT ApS", "{surname} Data A/S"),
    "sikkerhed": ("{region} Vagt & Sikring A/S",),
    "havn": ("{town} Havn & Marina",),
    "vaskeri": ("{region} Vaskeri ApS",),
}

# The 40 demo companies: (sector, postcode). Spread like the municipality's business life:
# logistics, care, industry and retail first, a few in the neighbouring towns.
COMPANY_SPECS: tuple[tuple[str, str], ...] = (
    ("logistik", "8722"), ("logistik", "8723"), ("logistik", "8700"), ("pleje", "8722"),
    ("pleje", "7130"), ("pleje", "7160"), ("detail", "8722"), ("detail", "7130"),
    ("detail", "8783"), ("restaurant", "7130"), ("restaurant", "8722"), ("byg", "7160"),
    ("byg", "8723"), ("byg", "7140"), ("installation", "8722"), ("auto", "8722"),
    ("auto", "7171"), ("industri", "8723"), ("industri", "8722"), ("industri", "7160"),
    ("industri", "7100"), ("foedevare", "8700"), ("bageri", "7171"), ("landbrug", "7150"),
    ("landbrug", "8721"), ("gartneri", "8783"), ("gartneri", "8763"), ("institution", "8722"),
    ("institution", "7130"), ("frisoer", "8722"), ("kontor", "8722"), ("it", "8700"),
    ("callcenter", "7100"), ("sikkerhed", "7000"), ("ejendomsservice", "8722"),
    ("genbrug", "8723"), ("havn", "7130"), ("vaskeri", "8763"), ("webshop", "8722"),
    ("bus", "7160"),
)
# Sectors where a Code of Care partnership is typical (large or value-driven employers).
PARTNER_SECTORS = frozenset({
    "logistik", "pleje", "detail", "restaurant", "industri", "gartneri", "ejendomsservice",
    "genbrug", "foedevare", "bageri", "webshop",
})

# Where citizens live: municipality postcodes with rough population weights.
HOME_POSTCODES: tuple[tuple[str, int], ...] = (
    ("8722", 26), ("7130", 12), ("7160", 10), ("8723", 9), ("8783", 8), ("7171", 7),
    ("7140", 6), ("8721", 6), ("7150", 5), ("8763", 6),
)
# Team split by geography; Horsens, Vejle and Fredericia companies follow the nearest team.
TEAM_NORTH_POSTCODES = frozenset({"8722", "8723", "7160", "7171", "8763", "8700", "7100"})
