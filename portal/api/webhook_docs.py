"""The webhook deliveries in the OpenAPI document (review AS 7): OpenAPI 3.1 ``webhooks``, one
entry per event of :data:`store.models.api.WEBHOOK_EVENTS` (and ``ping``), each with its body as a
schema component (``Webhook…``): the envelope ``{id, type, created_at, data, links}`` and the
fields of ``data`` that :mod:`portal.webhooks.events` writes. ``tests/webhooks`` compares each
queued payload with :data:`DATA`, so the document cannot drift from what is sent.

The descriptions are Danish, as the rest of the document.
"""
from __future__ import annotations

from apispec import APISpec

from store.models.api import JOBCENTER_ONLY_EVENTS, RECTIFIED_FIELDS, WEBHOOK_EVENTS
from store.models.vocab import (COMPANY_RESPONSES, END_REASONS, HOTLINE_CATEGORIES, HOTLINE_STATUSES,
                                HOTLINE_URGENCIES, INTERVIEW_SIDES, INTERVIEW_STATUSES, OPENING_KINDS)

PING = "ping"
CITIZEN_FIELDS = ("citizen_id", "citizen_external_id")


def _int(text: str, nullable: bool = False) -> dict:
    return {"type": ["integer", "null"] if nullable else "integer", "description": text}


def _str(text: str, nullable: bool = False, **extra) -> dict:
    return {"type": ["string", "null"] if nullable else "string", "description": text, **extra}


def _time(text: str, nullable: bool = False) -> dict:
    return _str(text + " (UTC, RFC 3339 med Z).", nullable, format="date-time")


def _day(text: str, nullable: bool = False) -> dict:
    return _str(text, nullable, format="date")


def _enum(text: str, values, nullable: bool = False) -> dict:
    return _str(text, nullable, enum=[*values, *([None] if nullable else [])])


def _bool(text: str) -> dict:
    return {"type": "boolean", "description": text}


_PROPOSAL = {
    "proposal_id": _int("Forslagets id (GET /api/v1/proposals/{id})."),
    "opening_id": _int("Opslagets id."),
    "opening_title": _str("Opslagets titel."),
    "company_id": _int("Virksomhedens id."),
}
_INTERVIEW = {
    "interview_id": _int("Samtalens id."),
    "uid": _str("Kalenderinvitationens UID (.ics)."),
    "sequence": _int("Kalenderinvitationens SEQUENCE."),
    **_PROPOSAL,
    "starts_at": _time("Samtalens start"),
    "duration_minutes": _int("Varighed i minutter."),
    "location": _str("Sted."),
    "status": _enum("Samtalens status.", INTERVIEW_STATUSES),
}
_HOTLINE = {
    "request_id": _int("Henvendelsens id (GET /api/v1/hotline/{id})."),
    "company_id": _int("Virksomhedens id."),
    "placement_id": _int("Forløbet, henvendelsen handler om; null uden forløb (og efter borgerens sletning).", True),
    "category": _enum("Kategori.", HOTLINE_CATEGORIES),
    # built from the vocabulary, so the text names the values sent (review AX 4)
    "urgency": _enum("Hast: " + ", ".join(f"{code} ({label.split(' – ', 1)[-1]})"
                                          for code, label in HOTLINE_URGENCIES.items()) + ".", HOTLINE_URGENCIES),
    "status": _enum("Henvendelsens status nu.", HOTLINE_STATUSES),
}
_PLACEMENT = {
    "placement_id": _int("Forløbets id (GET /api/v1/placements/{id})."),
    "opening_id": _int("Opslagets id.", True),
    "opening_title": _str("Opslagets titel.", True),
    "company_id": _int("Virksomhedens id."),
    "kind": _enum("Forløbstype.", OPENING_KINDS),
    "start_date": _day("Startdag."),
    "weekly_hours": {"type": "number", "description": "Timer om ugen."},
}

# Each event's ``data`` as a company's endpoint gets it; the job centre's also get CITIZEN_FIELDS
# (except for ping). JOBCENTER_ONLY_EVENTS go to the job centre's endpoints only.
DATA: dict[str, dict[str, dict]] = {
    "proposal.approved": {**_PROPOSAL, "approved_at": _time("Hvornår konsulenten godkendte kandidaten")},
    "proposal.shared": {**_PROPOSAL, "shared_at": _time("Hvornår navnet blev delt")},
    "proposal.answered": {
        **_PROPOSAL, "response": _enum("Virksomhedens svar (hired: start et forløb).", COMPANY_RESPONSES),
        "previous_response": _enum("Det svar, det erstatter; null ved første svar.", COMPANY_RESPONSES, True),
        "answered_at": _time("Hvornår virksomheden svarede")},
    "proposal.ended": {**_PROPOSAL, "ended_at": _time("Hvornår jobcentret tog kandidaten ud")},
    "proposal.withdrawn": {
        "proposal_id": _PROPOSAL["proposal_id"], "opening_id": _PROPOSAL["opening_id"],
        "company_id": _PROPOSAL["company_id"],
        "reason": _enum("withdrawn: borgeren har trukket sit samtykke tilbage; erased: borgerens oplysninger er "
                        "slettet (art. 17); anonymised: sagen blev afsluttet for længe siden, borgerens "
                        "oplysninger er anonymiseret, og forslaget slettes (opbevaringsperioden); restricted: "
                        "behandlingen er begrænset (art. 18): brug ikke oplysningerne, men slet dem heller ikke; "
                        "proposal.shared følger, når begrænsningen ophæves.",
                        ("withdrawn", "erased", "anonymised", "restricted")),
        "must_delete": _bool("Sand: slet navn, kontaktoplysninger og CV, I har fået om kandidaten, også i egne "
                             "systemer. Falsk ved en begrænsning, og ved et tilbagetrukket samtykke, mens parrets "
                             "forløb stadig kører (jobcentret kontakter jer)."),
        "withdrawn_at": _time("Hvornår det skete")},
    "proposal.rectified": {
        "proposal_id": _PROPOSAL["proposal_id"], "opening_id": _PROPOSAL["opening_id"],
        "company_id": _PROPOSAL["company_id"],
        "fields": {"type": "array", "minItems": 1, "uniqueItems": True,
                   "description": "De rettede oplysninger, som virksomheden har fået: name (navn), phone "
                                  "(telefonnummer), email (e-mail). Aldrig de gamle eller nye værdier.",
                   "items": {"type": "string", "enum": list(RECTIFIED_FIELDS)}},
        "readable": _bool("Sand: virksomheden ser kandidatens oplysninger nu; de rettede står på kandidatens side "
                          "i portalen (navnet også i GET /api/v1/proposals/{id}): hent dem, og ret de gamle i "
                          "egne systemer. Falsk: virksomheden ser ikke længere kandidatens oplysninger (samtykket "
                          "er udløbet eller trukket tilbage, forslaget er afsluttet, behandlingen er begrænset) "
                          "og får ikke de rettede: brug ikke det, I fik, og ret eller slet det. Falsk også, når "
                          "virksomheden ser navnet, men samtykket ikke dækker en rettet oplysning, den fik "
                          "tidligere (se readable_fields)."),
        "readable_fields": {"type": "array", "uniqueItems": True,
                            "description": "De af fields, virksomheden kan se i portalen nu (alle, når readable "
                                           "er sand; ingen, når den ikke længere ser kandidaten). De øvrige: "
                                           "brug ikke det, I fik, og ret eller slet det.",
                            "items": {"type": "string", "enum": list(RECTIFIED_FIELDS)}},
        "rectified_at": _time("Hvornår oplysningerne blev rettet")},
    "interview.offered": {
        **_PROPOSAL, "offered_by": _enum("Hvem foreslog tiderne.", INTERVIEW_SIDES),
        "replaces_interview_id": _int("Den aftalte samtale, tiderne skal afløse (en flytning); ellers null.", True),
        "times": {"type": "array", "description": "De foreslåede tider (1–3); den anden side vælger én "
                  "(POST /api/v1/proposals/{id}/interviews/{interview_id}/book).", "items": {
                      "type": "object", "required": ["interview_id", "starts_at", "duration_minutes", "location"],
                      "properties": {"interview_id": _int("Tidens id."), "starts_at": _time("Start"),
                                     "duration_minutes": _int("Varighed i minutter."),
                                     "location": _str("Sted.")}}}},
    "interview.booked": {**_INTERVIEW, "replaces_interview_id": _int(
        "Ved en flytning: den samtale, denne afløser (den kommer som interview.cancelled med moved).", True)},
    "interview.cancelled": {**_INTERVIEW, "moved": _bool("Sand, når samtalen blev flyttet (den nye tid kommer "
                                                          "som interview.booked)."),
                            "cancelled_at": _time("Hvornår den blev aflyst")},
    "hotline.created": {**_HOTLINE, "created_at": _time("Hvornår henvendelsen kom"),
                        "due_at": _time("Svarfristen for jobcentrets første svar")},
    "hotline.message": {**_HOTLINE, "message_at": _time("Hvornår virksomheden skrev"),
                        "awaits_answer": _bool("Sand: henvendelsen venter (igen) på svar; falsk: til orientering."),
                        "due_at": _time("Svarfristen, når den venter på svar; ellers null", True)},
    "hotline.answered": {**_HOTLINE, "answered_at": _time("Hvornår jobcentret svarede")},
    "hotline.closed": {**_HOTLINE, "closed_at": _time("Hvornår den blev lukket"),
                       "closed_by": _enum("Hvem lukkede den: jobcenter, eller company (virksomheden selv; kun "
                                          "jobcentrets webhooks får det).", ("jobcenter", "company")),
                       "closing_note": _str("Jobcentrets begrundelse til virksomheden, som dens brugere fik den; "
                                            "null uden, og altid når virksomheden selv lukkede.", True)},
    "placement.started": {**_PLACEMENT, "planned_end_date": _day("Planlagt slutdag; null uden.", True)},
    "placement.ended": {**_PLACEMENT, "end_date": _day("Slutdag.", True),
                        "end_reason": _enum("Hvorfor forløbet sluttede (aflyst: før sin start).", END_REASONS, True),
                        "corrected": _bool("Sand, når en tidligere slutning blev rettet.")},
    PING: {"message": _str("»Testhændelse fra Jobbro«."), "endpoint_id": _int("Webhookens id.")},
}
_CITIZEN = {
    "citizen_id": _int("Kun jobcentrets webhooks: borgerens id i Jobbro (null, hvor ingen borger hører til, "
                       "og efter en sletning).", True),
    "citizen_external_id": _str("Kun jobcentrets webhooks: sagssystemets id for borgeren, eller null.", True),
}
_WHEN = {
    "proposal.approved": "Konsulenten har godkendt en kandidat til et af virksomhedens opslag: virksomheden ser "
                         "den nu (med kaldenavn i portalen og API'et). Kun id'er, aldrig kaldenavn eller profil.",
    "proposal.shared": "Jobcentret har delt kandidatens navn og profil med virksomheden (også når en begrænsning "
                       "ophæves, så oplysningerne må bruges igen).",
    "proposal.answered": "Kun jobcentrets webhooks: virksomheden har svaret om en kandidat (aldrig noten).",
    "proposal.ended": "Jobcentret har taget en kandidat ud af opslaget (aldrig hvorfor).",
    "proposal.withdrawn": "Virksomheden skal slette det, den har fået om kandidaten (samtykke trukket tilbage, "
                          "oplysningerne slettet), eller må ikke bruge det (begrænsning): se reason og must_delete. "
                          "Sendes til virksomheder, der har fået navnet; når forslaget slettes (erased, "
                          "anonymised) til enhver virksomhed, der har fået kandidaten vist, også kun med "
                          "kaldenavn. Kun id'er.",
    "proposal.rectified": "Borgerens navn, telefonnummer eller e-mail er rettet (databeskyttelsesforordningens "
                          "art. 16 og 19). Sendes til hver virksomhed, der har fået navnet, også når den ikke "
                          "længere ser det, for hvert forslag, med de felter, den har fået; sammen med "
                          "beskeden til dens brugere. Kun id'er og feltnavne.",
    "interview.offered": "Samtaletider er foreslået (når navnet er delt).",
    "interview.booked": "En samtaletid er valgt.",
    "interview.cancelled": "En aftalt samtale er aflyst eller flyttet.",
    "hotline.created": "Kun jobcentrets webhooks: en virksomhed har sendt en hotline-henvendelse (aldrig emne "
                       "eller besked).",
    "hotline.message": "Kun jobcentrets webhooks: virksomheden har skrevet i en henvendelse (aldrig beskeden).",
    "hotline.answered": "Jobcentret har svaret på en hotline-henvendelse (aldrig beskeden).",
    "hotline.closed": "En hotline-henvendelse er lukket: af jobcentret (virksomhedens og jobcentrets webhooks), "
                      "eller af virksomheden selv (kun jobcentrets webhooks); se closed_by.",
    "placement.started": "Et forløb er startet.",
    "placement.ended": "Et forløb er afsluttet, eller dets slutning rettet.",
    PING: "Testhændelsen fra »Send testhændelse« på webhookens side.",
}
HEADERS = [
    {"name": "Webhook-Id", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "Beskedens id (det samme som id i kroppen og ved hvert nyt forsøg): spring gentagelser over."},
    {"name": "Webhook-Timestamp", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "Afsendelsestidspunktet i sekunder siden 1970 (UTC)."},
    {"name": "Webhook-Signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "v1= og HMAC-SHA256 (hex) af \"<Webhook-Timestamp>.<rå body>\" med webhookens hemmelighed."},
]


def _name(event: str) -> str:
    return "Webhook" + "".join(part.capitalize() for part in event.replace(".", "_").split("_"))


def body_schema(event: str) -> dict:
    """The JSON schema of a delivery of ``event`` (the job centre's variant: with the citizen fields)."""
    data = dict(DATA[event])
    if event != PING:
        data.update(_CITIZEN)
    required = [key for key in DATA[event]]
    return {"type": "object", "required": ["id", "type", "created_at", "data", "links"], "properties": {
        "id": _str("Beskedens id (evt_…), det samme som headeren Webhook-Id."),
        "type": {"type": "string", "const": event},
        "created_at": _time("Hvornår hændelsen skete"),
        "data": {"type": "object", "required": required, "properties": data},
        "links": {"type": "object", "description": (
            "portal: objektets side i portalen; api: dets adresse i API'et (ikke når virksomheden ikke længere "
            "får objektet over API'et). Tom ({}), når portalen ikke har en PORTAL_URL."),
            "properties": {"portal": _str("Siden i portalen.", format="uri"),
                           "api": _str("Adressen i API'et.", format="uri")}},
    }}


def register(spec: APISpec) -> None:
    """Add the schemas and the ``webhooks`` section to ``spec``."""
    webhooks = {}
    for event in [*WEBHOOK_EVENTS, PING]:
        spec.components.schema(_name(event), component=body_schema(event))
        label = WEBHOOK_EVENTS.get(event, "Testhændelse")
        who = " (kun jobcentrets webhooks)" if event in JOBCENTER_ONLY_EVENTS else ""
        webhooks[event] = {"post": {
            "summary": f"{label}{who}", "description": _WHEN[event] + (
                "" if event == PING else " En virksomheds webhook får aldrig borgerens navn eller id; jobcentrets "
                "får også citizen_id og citizen_external_id."),
            "security": [],  # Jobbro calls the receiver: signed (Webhook-Signature), no key
            "parameters": HEADERS,
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{_name(event)}"}}}},
            "responses": {"2XX": {"description": "Modtaget. Svar inden for 5 sekunder; ellers prøves igen efter "
                                                 "1 min., 5 min., 30 min., 2 timer og 12 timer."}},
        }}
    spec.options["webhooks"] = webhooks
