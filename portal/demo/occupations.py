"""Occupations for the demo data: jobmål titles, tasks, skills and where they are hired.

Pure data. Each occupation feeds three texts: a citizen's jobmål and CV, and a company's
opening. Lists are written as ``|``-separated strings to keep the table readable.
Tasks are Danish infinitive phrases ("plukke og pakke ordrer") so they read well both as
CV bullets and in an opening's "Dine opgaver".
"""
from __future__ import annotations

from dataclasses import dataclass

from matching import licences


@dataclass(frozen=True)
class Occupation:
    """One occupation; ``goals[0]`` is the usual jobmål title."""

    key: str
    goals: tuple[str, ...]
    sectors: tuple[str, ...]
    tasks: tuple[str, ...]
    skills: tuple[str, ...]
    education: tuple[str, ...]
    certificates: tuple[str, ...]
    english: tuple[str, ...]
    heavy: bool  # physically demanding: skånehensyn "no heavy lifting" rules it out
    licence: bool  # openings usually require a driving licence
    weight: int  # how common the occupation is among citizens' jobmål


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def _occ(key: str, goals: str, sectors: str, tasks: str, skills: str, education: str,
         certificates: str = "", english: str = "", heavy: bool = False,
         licence: bool = False, weight: int = 2) -> Occupation:
    return Occupation(key, _split(goals), _split(sectors), _split(tasks), _split(skills),
                      _split(education), _split(certificates), _split(english),
                      heavy, licence, weight)


OCCUPATIONS: tuple[Occupation, ...] = (
    _occ("lager", "Lagermedarbejder|Pakkemedarbejder", "logistik|webshop|industri",
         "plukke og pakke ordrer efter plukliste|modtage og kontrollere varer|holde orden på "
         "lageret|bruge håndscanner og lagerstyringssystem|klargøre forsendelser",
         "ordenssans|mødestabil|kan arbejde i højt tempo|kendskab til lagerstyring",
         "AMU-kursus i lager og logistik|Folkeskolens afgangseksamen",
         "", "warehouse work|order picking", heavy=True, weight=6),
    _occ("truckfoerer", "Truckfører|Lagermedarbejder med truckcertifikat", "logistik|industri",
         "køre gaffeltruck og reachtruck|læsse og losse lastbiler|flytte paller mellem lager "
         "og produktion|udføre daglig kontrol af trucken",
         "sikker truckkørsel|overblik|sikkerhedsbevidst",
         "AMU-kursus i gaffeltruck|Lager- og logistikuddannelsen (EUD)",
         "truckcertifikat B", "forklift driving|forklift certificate", weight=4),
    _occ("chauffoer", "Lastbilchauffør|Chauffør (C/CE)", "logistik|foedevare|byg",
         "køre distribution i Østjylland|læsse og sikre gods|føre køre- og hviletid|levere "
         "varer til butikker og kunder", "selvstændig|punktlig|god kundeservice",
         "Erhvervschaufføruddannelsen|AMU-kursus i godstransport",
         "kørekort C/CE|chaufføruddannelsesbevis|ADR-bevis", "truck driving", licence=True,
         weight=4),
    _occ("varebilchauffoer", "Varebilchauffør|Budchauffør", "logistik|webshop|detail",
         "køre pakker ud til private og erhverv|planlægge ruten|scanne og registrere leveringer",
         "lokalkendskab|service-minded|selvstændig", "Folkeskolens afgangseksamen",
         "kørekort B", "parcel delivery", licence=True, weight=3),
    _occ("buschauffoer", "Buschauffør|Skolebuschauffør", "bus",
         "køre rutebus og skolekørsel|hjælpe passagerer|sælge og kontrollere billetter",
         "rolig og venlig|sikker bilist|god til mennesker", "Buschaufføruddannelsen",
         "kørekort D|chaufføruddannelsesbevis", "passenger transport", licence=True, weight=2),
    _occ("sosu_hjaelper", "Social- og sundhedshjælper|Hjemmehjælper", "pleje",
         "hjælpe borgere med personlig pleje|gøre rent og handle ind for borgere|dokumentere i "
         "omsorgssystemet|støtte borgere i hverdagens aktiviteter",
         "empati|ansvarlig|god til dokumentation", "Social- og sundhedshjælperuddannelsen",
         "førstehjælpsbevis|forflytningskursus", "home care|elderly care", heavy=True,
         licence=True, weight=5),
    _occ("sosu_assistent", "Social- og sundhedsassistent", "pleje",
         "give medicin og observere borgerens tilstand|planlægge pleje i samarbejde med sygeplejersker"
         "|tage imod nye borgere|dokumentere i Nexus",
         "faglig sikker|overblik|samarbejde på tværs", "Social- og sundhedsassistentuddannelsen",
         "førstehjælpsbevis", "healthcare", weight=2),
    _occ("plejemedhjaelper", "Plejemedhjælper|Afløser i ældreplejen", "pleje",
         "hjælpe med måltider og personlig hygiejne|hygge og aktivere beboerne|hjælpe med "
         "praktiske opgaver på afdelingen", "omsorgsfuld|fleksibel|tålmodig",
         "AMU-kursus i ældrepleje|Folkeskolens afgangseksamen", "hygiejnekursus",
         "elderly care", heavy=True, weight=4),
    _occ("rengoering", "Rengøringsassistent|Servicemedarbejder", "ejendomsservice|pleje|"
         "institution|restaurant", "gøre rent på kontorer og fællesarealer|vaske gulve med "
         "gulvvaskemaskine|fylde op på toiletter|sortere affald",
         "grundig|selvstændig|mødestabil", "AMU-kursus i erhvervsrengøring",
         "", "cleaning", weight=6),
    _occ("vinduespudser", "Vinduespudser", "ejendomsservice",
         "pudse vinduer hos private og erhverv|bruge lift og stige sikkert|holde kontakt med kunderne",
         "høj arbejdsmoral|ingen højdeskræk|serviceminded", "AMU-kursus i vinduespolering",
         "liftcertifikat", "", heavy=True, licence=True, weight=1),
    _occ("kantine", "Kantinemedhjælper|Køkkenassistent", "restaurant|pleje|institution",
         "tilberede salatbar og smørrebrød|anrette buffet|holde køkkenet rent efter "
         "hygiejneregler|tage imod varer", "hygiejnebevidst|hurtig|glad for samarbejde",
         "Ernæringsassistentuddannelsen|AMU-kursus i køkken og kantine", "hygiejnebevis",
         "canteen work", weight=4),
    _occ("kok", "Kok|Køkkenchef", "restaurant",
         "lave à la carte og selskabsmad|planlægge menuer og indkøb|lede køkkenet i travle "
         "perioder", "kreativ|stressrobust|styr på råvarer", "Kokkeuddannelsen (EUD)",
         "hygiejnebevis", "professional cooking", weight=2),
    _occ("opvasker", "Opvasker|Køkkenmedhjælper", "restaurant|pleje",
         "tage opvask og holde opvaskemaskinen kørende|gøre køkkenet rent|hjælpe med enkel "
         "madlavning", "hurtig|stabil|kan tage imod en besked", "Folkeskolens afgangseksamen",
         "hygiejnebevis", "kitchen work|dishwashing", heavy=True, weight=3),
    _occ("tjener", "Tjener|Serveringsmedarbejder", "restaurant",
         "servere for gæsterne|dække op til selskaber|tage imod bestillinger og betaling|"
         "anbefale vin og drikkevarer", "smilende|overblik|god til mennesker",
         "Tjeneruddannelsen|AMU-kursus i service og servering", "",
         "restaurant service|customer service", weight=3),
    _occ("butik", "Butiksassistent|Salgsassistent", "detail|bageri|genbrug",
         "betjene kunder og give råd om varer|fylde varer op og lave skilte|sætte vareudstillinger"
         " op|tage imod varelevering", "serviceminded|udadvendt|ansvarsbevidst",
         "Detailhandelsuddannelsen|Handelsskolens grundforløb", "", "retail|customer service",
         weight=5),
    _occ("kasse", "Kassemedarbejder|Servicemedarbejder i supermarked", "detail",
         "ekspedere ved kassen|håndtere kontanter og betalingskort|tage imod returvarer|hjælpe "
         "kunderne til rette", "nøjagtig|venlig|ærlig", "Folkeskolens afgangseksamen",
         "", "cash handling", weight=3),
    _occ("toemrer", "Tømrer|Tømrerarbejdsmand", "byg",
         "opsætte vinduer og døre|lægge tag og lave tagrenovering|bygge carporte og "
         "terrasser|læse tegninger", "præcis|håndværksmæssig stolthed|godt humør",
         "Tømreruddannelsen (svendebrev)", "stilladskursus", "carpentry", heavy=True,
         licence=True, weight=3),
    _occ("murer", "Murer|Murerarbejdsmand", "byg",
         "mure og pudse|lægge fliser|renovere badeværelser|blande mørtel og bære materialer",
         "kvalitetsbevidst|fysisk stærk|samarbejdsvillig", "Mureruddannelsen (svendebrev)",
         "stilladskursus", "bricklaying", heavy=True, weight=2),
    _occ("bygningsarbejder", "Bygningsarbejder|Jord- og betonarbejder", "byg",
         "rydde og klargøre byggepladsen|støbe fundamenter|grave ud med minigraver|hjælpe "
         "håndværkerne", "fysisk stærk|mødestabil|sikkerhedsbevidst",
         "AMU-kursus i jord og beton", "§26 certifikat|sikkerhedskursus for byggepladsen",
         "construction", heavy=True, weight=3),
    _occ("maler", "Maler|Malerhjælper", "byg",
         "male vægge, lofter og træværk|spartle og slibe|dække af og gøre rent efter arbejdet",
         "omhyggelig|sans for detaljer|selvstændig", "Maleruddannelsen (svendebrev)",
         "", "painting and decorating", weight=2),
    _occ("elektriker", "Elektriker|Elektrikerlærling", "installation|industri",
         "udføre el-installationer i nybyggeri|fejlfinde på tavler og maskiner|montere "
         "belysning og stikkontakter", "systematisk|sikkerhedsbevidst|kundevenlig",
         "Elektrikeruddannelsen (svendebrev)|Elektrikergrundforløb", "autorisationskursus",
         "electrical installation", licence=True, weight=2),
    _occ("vvs", "VVS-montør|Blikkenslager", "installation",
         "installere varmepumper og radiatorer|udskifte toiletter og armaturer|udføre "
         "servicebesøg hos kunder", "selvstændig|løsningsorienteret",
         "VVS-energiuddannelsen", "", "plumbing", heavy=True, licence=True, weight=2),
    _occ("mekaniker", "Automekaniker|Mekanikerhjælper", "auto|bus",
         "servicere biler og udskifte dæk|fejlfinde med diagnoseudstyr|klargøre biler til syn",
         "teknisk forståelse|nøjagtig|god til kunder", "Personvognsmekaniker (svendebrev)",
         "", "car repair", licence=True, weight=3),
    _occ("bilklargoerer", "Bilklargører|Medarbejder i bilpleje", "auto",
         "vaske og polere biler|gøre nye og brugte biler klar til levering|holde værkstedet "
         "rent", "grundig|stabil", "Folkeskolens afgangseksamen", "", "car valeting",
         licence=True, weight=1),
    _occ("smed", "Smed|Svejser", "industri",
         "svejse MIG/MAG og TIG|bukke og klippe plader|montere stålkonstruktioner",
         "præcis|teknisk stærk|arbejder efter tegning", "Industrismed (svendebrev)",
         "svejsecertifikat", "welding", heavy=True, weight=3),
    _occ("cnc", "CNC-operatør|Maskinoperatør", "industri",
         "indstille og betjene CNC-maskiner|måle emner og kontrollere kvalitet|skifte værktøj",
         "teknisk forståelse|kvalitetsbevidst|koncentreret", "Industritekniker (svendebrev)|"
         "AMU-kursus i CNC-drejning", "", "CNC machining", weight=2),
    _occ("produktion", "Produktionsmedarbejder|Maskinpasser", "industri|foedevare",
         "betjene produktionsanlæg|pakke og kontrollere færdige emner|deltage i 5S og "
         "løbende forbedringer|arbejde i skiftehold", "mødestabil|fleksibel|kvalitetsbevidst",
         "AMU-kursus i industriel produktion|Folkeskolens afgangseksamen", "",
         "production|shift work", weight=6),
    _occ("slagter", "Slagter|Slagteriarbejder", "foedevare|detail",
         "udskære og pakke kød|lave pålæg og færdigretter|holde høj hygiejnestandard",
         "hygiejnebevidst|hurtige hænder|holdånd", "Slagteruddannelsen (svendebrev)",
         "hygiejnebevis", "meat processing", heavy=True, weight=2),
    _occ("bager", "Bager|Bagermedhjælper", "bageri|detail",
         "bage brød og kager fra morgenstunden|ælte dej og forme brød|pakke og levere til "
         "butikker", "morgenfrisk|præcis|kreativ", "Bageruddannelsen (svendebrev)",
         "hygiejnebevis", "baking", weight=2),
    _occ("landbrug", "Landbrugsmedhjælper|Staldmedarbejder", "landbrug",
         "fodre og passe dyr|muge ud og vaske stalde|køre traktor i marken|hjælpe med høst",
         "glad for dyr|fysisk robust|kan arbejde selvstændigt", "Landbrugsuddannelsen (EUD)|"
         "AMU-kursus i husdyrpasning", "traktorkørekort", "farming|livestock", heavy=True,
         licence=True, weight=3),
    _occ("gartner", "Gartneriarbejder|Gartner", "gartneri|landbrug",
         "prikle og potte planter|pakke ordrer til planteskoler|vande og passe kulturer i "
         "væksthus", "tålmodig|grøn interesse|stabil", "Gartneruddannelsen (EUD)",
         "", "greenhouse work", weight=3),
    _occ("anlaegsgartner", "Anlægsgartner|Park- og vejmedarbejder", "gartneri|ejendomsservice",
         "lægge fliser og anlægge haver|beskære hække og træer|slå græs og holde grønne områder",
         "glad for udendørs arbejde|fysisk robust", "Anlægsgartneruddannelsen (svendebrev)",
         "", "landscaping", heavy=True, licence=True, weight=3),
    _occ("paedagogmedhjaelper", "Pædagogmedhjælper|Pædagogisk assistent", "institution",
         "lege og lave aktiviteter med børnene|hjælpe ved måltider og påklædning|deltage i "
         "forældresamarbejde|tage på tur i naturen", "nærværende|ansvarlig|kreativ",
         "PAU – pædagogisk assistentuddannelse|Folkeskolens afgangseksamen",
         "børneattest|førstehjælpsbevis", "childcare", weight=4),
    _occ("frisoer", "Frisør|Frisørelev", "frisoer",
         "klippe og farve dame- og herrehår|rådgive kunder om pleje|passe tidsbog og kasse",
         "kreativ|god til kunder|sans for trends", "Frisøruddannelsen (svendebrev)",
         "", "hairdressing", weight=1),
    _occ("kontor", "Kontorassistent|Administrativ medarbejder", "kontor|industri|logistik",
         "besvare telefon og mails|registrere fakturaer og ordrer|arkivere og scanne "
         "dokumenter|booke møder", "struktureret|god til IT|venlig i telefonen",
         "Kontoruddannelsen (EUD)|HHX", "", "office administration|Microsoft Office", weight=4),
    _occ("bogholder", "Bogholder|Regnskabsassistent", "kontor",
         "bogføre bilag i e-conomic|afstemme konti|lave momsindberetning|sende rykkere",
         "talstærk|omhyggelig|diskret", "Kontoruddannelsen med speciale i regnskab|"
         "Merkonom i regnskab", "", "bookkeeping|accounts payable", weight=2),
    _occ("receptionist", "Receptionist|Servicemedarbejder i reception",
         "kontor|restaurant", "tage imod gæster og kunder|passe omstillingen|udlevere nøgler "
         "og holde styr på mødelokaler", "imødekommende|struktureret|god til sprog",
         "Kontoruddannelsen (EUD)|Hotelreceptionist (EUD)", "",
         "front desk|reception", weight=2),
    _occ("kundeservice", "Kundeservicemedarbejder|Call center-medarbejder",
         "callcenter|webshop|it", "besvare kundehenvendelser på telefon, mail og chat|løse "
         "problemer med ordrer og leveringer|registrere sager i CRM-systemet",
         "tålmodig|god til at lytte|skriver godt dansk", "HF|Folkeskolens afgangseksamen",
         "", "customer service|call centre", weight=4),
    _occ("it_support", "IT-supporter|IT-supportmedarbejder", "it|kontor",
         "hjælpe brugere med pc, printer og netværk|oprette brugere i Active Directory|"
         "installere og opdatere software", "tålmodig|teknisk nysgerrig|god til at forklare",
         "IT-supporteruddannelsen (EUD)|Datatekniker", "",
         "IT support|helpdesk|Microsoft 365", weight=2),
    _occ("udvikler", "Softwareudvikler|Webudvikler", "it",
         "udvikle webapplikationer|skrive og teste kode|vedligeholde hjemmesider og webshops",
         "analytisk|selvstændig|lærer hurtigt", "Datamatiker|Multimediedesigner",
         "", "web development|Python|JavaScript", weight=1),
    _occ("vagt", "Vagt|Sikkerhedsvagt", "sikkerhed",
         "gå rundering på virksomheder|overvåge alarmer og kameraer|lave adgangskontrol ved "
         "arrangementer", "rolig|ansvarlig|kan arbejde alene om natten",
         "Vagtuddannelsen (AMU)", "vagtkort|førstehjælpsbevis", "security",
         licence=True, weight=2),
    _occ("pedel", "Pedel|Ejendomsservicetekniker", "ejendomsservice|institution",
         "udføre små reparationer|holde udenomsarealer|skifte pærer og tjekke tekniske "
         "anlæg|tale med beboere", "praktisk anlagt|serviceminded|selvstændig",
         "Ejendomsserviceteknikeruddannelsen", "", "facility management",
         licence=True, weight=2),
    _occ("hotel", "Hotelmedarbejder|Stuepige", "restaurant",
         "gøre værelser klar til nye gæster|skifte sengetøj og håndklæder|fylde op på "
         "værelserne", "grundig|hurtig|diskret", "AMU-kursus i hotelrengøring",
         "", "housekeeping|room attendant", weight=2),
    _occ("flyttemand", "Flyttemand|Chaufførmedhjælper", "logistik",
         "bære møbler og flyttekasser|pakke og emballere indbo|hjælpe chaufføren med "
         "læsning", "fysisk stærk|godt humør|pålidelig", "Folkeskolens afgangseksamen",
         "", "removals", heavy=True, weight=1),
    _occ("omdeler", "Omdeler|Avis- og reklameomdeler", "logistik",
         "dele aviser, reklamer og pakker ud|følge en fast rute|registrere afvigelser",
         "morgenfrisk|stabil|kan lide at være i bevægelse", "Folkeskolens afgangseksamen",
         "", "", weight=2),
    _occ("genbrug", "Genbrugsmedarbejder|Medarbejder på genbrugsplads", "genbrug",
         "sortere og prissætte varer|vejlede borgere på genbrugspladsen|køre varer til "
         "butikken", "miljøbevidst|serviceminded|praktisk", "Folkeskolens afgangseksamen",
         "", "recycling", weight=2),
    _occ("vaskeri", "Vaskerimedarbejder", "vaskeri|pleje",
         "sortere og vaske tøj og linned|betjene strygerulle og foldemaskine|pakke rent "
         "vasketøj til kunder", "stabil|grundig|god til rutiner",
         "AMU-kursus i industrielt vaskeri", "", "laundry", weight=2),
    _occ("havn", "Havnemedarbejder|Havneassistent", "havn",
         "fortøje både og hjælpe gæstesejlere|holde havnearealer rene|køre kran og "
         "trailer", "udadvendt|praktisk|glad for udendørs arbejde",
         "Folkeskolens afgangseksamen", "kranbevis|duelighedsbevis", "harbour operations",
         heavy=True, weight=1),
    _occ("webshop", "E-handelsmedarbejder|Webshopmedarbejder", "webshop|detail",
         "oprette produkter og billeder i webshoppen|pakke og sende ordrer|svare kunder "
         "på chat og mail", "struktureret|IT-vant|god til detaljer",
         "Handelsuddannelsen (EUD)|HHX", "", "e-commerce|Shopify", weight=2),
)

BY_KEY: dict[str, Occupation] = {occ.key: occ for occ in OCCUPATIONS}


# Driving licence categories: what an opening of the occupation asks for when it asks for a
# licence, and what a citizen with the occupation holds when they have one (others: B).
OPENING_LICENCES: dict[str, tuple[str, ...]] = {"chauffoer": ("C",), "buschauffoer": ("D",)}
HELD_LICENCES: dict[str, tuple[str, ...]] = {
    "chauffoer": ("B", "CE"), "buschauffoer": ("B", "D"), "landbrug": ("B", "BE"),
    "anlaegsgartner": ("B", "BE"),
}


def opening_licences(occ: Occupation) -> list[str]:
    """The categories a licence-requiring opening of ``occ`` asks for (any one of them)."""
    return list(OPENING_LICENCES.get(occ.key, ("B",)))


def held_licences(occupations: list[Occupation]) -> list[str]:
    """The categories a licence holder with these occupations holds, in licence-card order."""
    held = {"B"}.union(*(HELD_LICENCES.get(o.key, ()) for o in occupations))
    return list(licences.ordered(held))
