"""Danish names for the audit log's actions and results, grouped as the log's viewer offers them.

The keys are the ``action`` strings the portal writes (``audit.record`` / ``record_now`` /
``record_in`` / ``record_many_now`` across ``portal/``); a test reads the code and fails when
an action has no name here. An action written before its name was added (or by an older
version) is shown as its key, never hidden (:func:`action_label`).
"""
from __future__ import annotations

import re
from datetime import date

from decimal import Decimal, InvalidOperation

from ..i18n import format_date, format_hours_count, format_month, format_number
from store.models.api import API_SCOPES
from store.models.vocab import (CASE_CLOSE_REASONS, COMPANY_RESPONSES, CONSENT_CHANNELS, END_REASONS,
                                OPENING_STATUSES, PROPOSAL_STATUSES, ROLES)

ACTION_GROUPS: dict[str, dict[str, str]] = {
    "Log-ind og sikkerhed": {
        "login": "Logget ind",
        "login_failed": "Mislykket log-ind",
        "login_throttled": "Log-ind spærret efter for mange forsøg",
        "logout": "Logget ud",
        "session_ended": "Session afsluttet efter forkerte adgangskoder",
        "session_protection": "Session afbrudt (ny browser eller adresse)",
        "confirm_failed": "Forkert adgangskode ved bekræftelse",
        "confirm_throttled": "Bekræftelse spærret efter for mange forsøg",
        "password_set": "Adgangskode valgt",
        "password_changed": "Adgangskode skiftet",
        "password_change_failed": "Forkert nuværende adgangskode ved skift",
        "password_change_throttled": "Skift af adgangskode spærret efter for mange forsøg",
        "password_forgot": "Link til ny adgangskode bestilt",
        "password_forgot_throttled": "Bestilling af ny adgangskode spærret",
        "set_password_link_issued": "Link til at vælge adgangskode udstedt",
        "account_mail": "Mail om brugerkonto",
        "authorisation_denied": "Adgang nægtet",
        "csrf_failed": "Formular afvist (udløbet eller forfalsket)",
        "upload_rejected": "Upload afvist",
    },
    "Adgangsloggen": {
        "audit_log_viewed": "Adgangsloggen læst",
        "audit_log_exported": "Adgangsloggen hentet som CSV",
        "audit_log_pruned": "Adgangsloggen ryddet efter opbevaringsperioden",
    },
    "Borgere": {
        "read_citizen": "Borger læst",
        "read_limitations": "Skånehensyn læst",
        "read_goal_list": "Borgerliste fra målopfølgningen læst",
        "citizen_created": "Borger oprettet",
        "citizen_profile_updated": "Borgerens profil rettet",
        "citizen_assigned": "Sagsbehandlere ændret",
        "caseworkers_break_glass": "Sagsbehandlere ændret af en uden for borgerens sag (med begrundelse)",
        "job_goal_added": "Jobmål tilføjet",
        "job_goal_renamed": "Jobmål rettet",
        "job_goal_removed": "Jobmål fjernet",
        "job_goal_moved": "Jobmål flyttet",
        "cv_text_saved": "CV skrevet",
        "cv_uploaded": "CV uploadet",
        "cv_downloaded": "CV hentet",
        "cv_deleted": "CV slettet (gemt ved en fejl)",
        "cv_superseded_deleted": "Erstattet CV slettet efter opbevaringsfristen",
        "citizen_access_export": "Udtræk til indsigt (art. 15)",
        "limitations_updated": "Skånehensyn rettet",
        "case_closed": "Sag afsluttet",
        "case_reopened": "Sag genåbnet",
        "processing_restricted": "Behandling begrænset (art. 18)",
        "restriction_lifted": "Begrænsning ophævet",
        "citizen_erased": "Borger slettet (art. 17)",
        "erasure_recipients_told": "Virksomheder med borgerens navn fik besked om sletningen (art. 19)",
        "rectification_recipients_told": "Virksomheder med borgerens navn fik besked om rettede oplysninger (art. 19)",
        "erasure_queues_cleared": "Ventende webhooks og mails om borgeren fjernet eller renset",
        "erasure_hotline_blanked": "Hotline-henvendelser uden forløb, der nævnte borgeren, tømt",
        "erasure_none_suitable_blanked": "Begrundelser for »Ingen egnede kandidater lige nu«, der nævnte borgeren, "
                                         "tømt",
        "citizen_anonymised": "Borger anonymiseret efter opbevaringsfristen",
        "anonymisation_recipients_told": "Virksomheder, der havde fået kandidaten vist, fik besked om, at den "
                                         "anonymiserede sags forslag slettes",
        "erasure_block_lifted": "Spærring af slettet id fra fagsystemet ophævet",
    },
    "Kandidater og samtykke": {
        "rank_candidates": "Kandidatliste til opslag vist",
        "rank_openings": "Opslag til borger vist",
        "proposal_approved": "Forslag godkendt",
        "proposal_rejected": "Forslag fravalgt",
        "proposal_renewed": "Ny beslutning om afsluttet forslag",
        "proposal_ended": "Forslag afsluttet",
        "proposal_viewed": "Forslag læst",
        "proposal_shared_goal": "Jobmål til virksomheden godkendt",
        "profile_approved": "Profil til virksomheden godkendt",
        "consent_recorded": "Samtykke registreret",
        "consent_renewed": "Samtykke fornyet",
        "consent_withdrawn": "Samtykke trukket tilbage",
        "identity_disclosed": "Navn og profil delt med virksomheden",
        "identity_viewed": "Navn vist for virksomheden",
        "company_response": "Virksomhedens svar på kandidat",
        "interview_offered": "Samtaletider tilbudt",
        "interview_booked": "Samtale aftalt",
        "interview_moved": "Samtale flyttet",
        "interview_cancelled": "Samtale aflyst",
        "interview_kept": "Samtale beholdt",
    },
    "Opslag og forløb": {
        "opening_created": "Opslag oprettet",
        "opening_updated": "Opslag rettet",
        "opening_closed": "Opslag lukket",
        "opening_filled": "Opslag besat",
        "placement_started": "Forløb startet",
        "placement_ended": "Forløb afsluttet",
        "placement_end_corrected": "Forløbets afslutning rettet",
        "placement_followup": "Opfølgning på forløb",
        "placement_retention": "Fastholdelse registreret",
        "placement_viewed": "Forløb læst via API",
        "hours_logged": "Timer registreret",
        "hours_updated": "Timer rettet",
        "hours_removed": "Timer slettet (forløbet aflyst før start)",
    },
    "Hotline": {
        "hotline_request_created": "Hotline-henvendelse oprettet",
        "hotline_viewed": "Hotline-henvendelse læst",
        "hotline_assigned": "Hotline-henvendelse tildelt",
        "hotline_replied": "Hotline-henvendelse besvaret",
        "hotline_follow_up": "Opfølgning på hotline-henvendelse",
        "hotline_closed": "Hotline-henvendelse lukket",
        "hotline_reminder": "Påmindelse om hotline-henvendelse",
        "hotline_escalation": "Hotline-henvendelse eskaleret",
        "hotline_duty_set": "Vagthavende for hotline ændret",
        "hotline_taken_over": "Hotline-henvendelse overtaget af en kollega",
    },
    "Eksport og rapporter": {
        "export_candidates": "Kandidater hentet som fil",
        "export_placements": "Forløb hentet som fil",
        "export_hours": "Timer hentet som fil",
        "export_partner_report": "Code of Care-rapport hentet",
        "export_policy_goals": "Målopfølgning hentet som fil",
        "export_figure_list": "Borgerliste fra målopfølgningen hentet som fil",
        "recompute_policy_goals": "Målopfølgning beregnet",
    },
    "Gode historier": {
        "story_created": "Historie oprettet",
        "story_updated": "Historie rettet",
        "story_published": "Historie offentliggjort",
        "story_withdrawn": "Historie trukket tilbage",
    },
    "Administration": {
        "user_created": "Bruger oprettet",
        "user_updated": "Bruger rettet",
        "user_phone_set": "Brugers telefonnummer rettet",
        "user_enabled": "Bruger aktiveret",
        "user_disabled": "Bruger deaktiveret",
        "user_role_changed": "Brugers rolle ændret",
        "user_email_freed": "Deaktiveret brugers e-mail frigjort",
        "caseload_handed_over": "Sager overdraget til en anden konsulent",
        "team_created": "Team oprettet",
        "team_renamed": "Team omdøbt",
        "team_deleted": "Team slettet",
        "company_saved": "Virksomhed gemt",
        "eligibility_changed": "Regel for ydelsesgrupper ændret",
        "import_citizens": "Borgere importeret",
        "import_openings": "Opslag importeret",
        "import_citizens_dry_run": "Prøveimport af borgere",
        "import_openings_dry_run": "Prøveimport af opslag",
        "import_wage_hours": "Løntimer importeret",
        "import_wage_hours_dry_run": "Prøveimport af løntimer",
        "wage_hours_imported": "Løntimer fra fagsystemet importeret (måned)",
        "wage_hours_removed": "Løntimer fra fagsystemet fjernet (måned)",
        "citizen_imported": "Borger importeret",
        "job_goals_imported": "Jobmål importeret",
        "opening_imported": "Opslag importeret (enkelt)",
    },
    "API og integrationer": {
        "api_auth_failed": "API: ugyldig adgangsnøgle",
        "api_write": "API: ændring",
        "api_token_created": "API-nøgle oprettet",
        "api_token_revoked": "API-nøgle tilbagekaldt",
        "integration_created": "Integration oprettet",
        "citizen_viewed": "Borger læst via API",
        "citizen_list_viewed": "Borgerliste læst via API",
        "webhook_created": "Webhook oprettet",
        "webhook_changed": "Webhook ændret",
        "webhook_secret_rotated": "Webhookens hemmelighed skiftet",
        "webhook_deleted": "Webhook slettet",
        "webhook_resent": "Webhook sendt igen",
        "webhook_tested": "Testhændelse sendt til webhook",
        "mail_sent": "Mail sendt",
    },
}

ACTION_LABELS: dict[str, str] = {key: label for group in ACTION_GROUPS.values() for key, label in group.items()}

# Typed by a person and kept in the purpose (portal.citizens.case, .need_to_know): checked before they are
# written since review E3, but older rows may hold anything, so the viewer is careful with them.
FREE_TEXT_ACTIONS = frozenset({"processing_restricted", "restriction_lifted", "case_reopened", "citizen_erased",
                               "read_limitations", "caseworkers_break_glass",  # a break-glass purpose
                               "cv_deleted"})  # »cv <id>: « and the reason typed

RESULT_LABELS = {"ok": "Gennemført", "sent": "Sendt", "denied": "Afvist", "not_found": "Afvist (findes ikke for brugeren)",
                 "rejected": "Afvist", "failed": "Fejlede", "no_recipient": "Ingen modtager",
                 "skipped": "Ikke sendt (ingen mailserver)", "capped": "Ikke sendt (for mange på kort tid)",
                 "no_account": "Ingen aktiv konto", "inactive": "Kontoen er deaktiveret"}
# What the viewer's "Kun afviste og fejlede" means; an API write's result is its HTTP status.
PROBLEM_RESULTS = frozenset({"denied", "not_found", "rejected", "failed", "no_recipient", "no_account", "inactive"})


def action_label(action: str) -> str:
    """The Danish name of ``action``; an unknown one (older or newer code) as it is written."""
    return ACTION_LABELS.get(action, action)


def result_label(result: str) -> str:
    """The Danish name of a result (an API write's HTTP status as "HTTP 422"); an unknown one as written."""
    if result.isdigit():
        return f"HTTP {result}"
    return RESULT_LABELS.get(result, result)


# Why a CV file was refused, an ``upload_rejected``'s "cv:<code>": every code of
# cvtext.extract.ExtractionError (its Danish message table, the child parser's codes) and the
# request-size refusal (portal.citizens.routes_cv: "too_large"). tests/portal/test_audit_upload_codes.py
# reads those codes from the source and fails on one without a phrase here.
UPLOAD_REJECTIONS = {
    "empty": "filen er tom", "too_large": "filen er for stor", "bad_type": "filtypen understøttes ikke",
    "legacy_doc": "gammel Word-fil (.doc)", "type_mismatch": "filens indhold passer ikke til filnavnet",
    "macro": "Word-fil med makroer", "zip_slip": "Word-filen har ulovlige filnavne",
    "zip_bomb": "Word-filen er for stor udpakket eller har for mange dele",
    "xxe": "Word-filen har ulovlige XML-konstruktioner", "encrypted": "filen er krypteret",
    "truncated": "filen er ufuldstændig", "corrupt": "filen er beskadiget",
    "too_many_pages": "PDF-filen har for mange sider", "too_many_paragraphs": "Word-filen har for mange afsnit",
    "too_complex": "filen er for kompleks at læse", "timeout": "det tog for lang tid at læse filen",
    "encoding": "tekstfilen er ikke gemt som UTF-8", "nul": "tekstfilen indeholder binære data",
    "no_text": "ingen tekst i filen", "too_little_text": "for lidt tekst i filen",
}

# The purposes the portal writes itself are codes ("citizen_page", "cv:corrupt", "filter none
# page:1", "hotline:12 message:40"); the viewer shows them in Danish (review J 4), word by word:
# a whole code, or "key:value" with the key named and the value's code translated ("rows:15" as
# "15 rækker", "rows:1" as "1 række"; "vk:1,adviser:2" part by part), an ISO date or month as every page shows one. A
# word not here stays as written (a number, an endpoint, a typed text); the CSV gives both (review AU 6).
# tests/portal/test_audit_purpose_phrases.py reads the code and fails on a code word left English.
PURPOSE_WORDS = {
    "citizen_page": "borgerens side", "cv": "CV", "docx": "Word-fil", "pdf": "PDF-fil", "txt": "tekstfil",
    **UPLOAD_REJECTIONS,
    "none": "ingen", "matching": "matching", "retention": "opbevaringsperioden er udløbet",
    "wrong_password": "forkert adgangskode", "disabled": "brugeren er deaktiveret", "created": "oprettet",
    "staff:": "jobcentret:", "staff": "jobcentret",  # partners.routes: staff reading a partner's report
    "file": "fil", "rank_openings": "opslag rangeret for borgeren",
    "set": "sat", "cleared": "fjernet", "read-only": "kun læse", "api": "API", "filter": "filter:",
    "afviste:y": "kun afviste og fejlede",  # the access log's own filter (portal.admin.audit_view.Filters)
    "external": "eksternt", "id": "id", "lift": "ophæv", "erasure": "sletning", "block": "spærring",
    "other_device": "på en anden enhed", "other_devices": "på alle andre enheder",
    "xlsx": "Excel-fil", "csv": "CSV-fil", "html": "vist som side", "json": "hentet som JSON-fil",
    "zip": "hentet som ZIP-fil med CV-filer", "read": "læst", "answered": "besvaret", "unassigned": "ikke tildelt",
    # how a hotline request changed hands (portal.hotline.service: »Overtag henvendelsen«, or a reply)
    "taken_over": "med »Overtag henvendelsen«", "reply_escalated": "ved svar på den eskalerede henvendelse",
    "company_changed": "virksomheden er skiftet", "active": "aktiv", "inactive": "inaktiv",
    "account": "kontoen", "ip": "IP-adressen", "confirm_failures": "forkerte adgangskoder ved bekræftelse",
    "password_change_failures": "forkerte adgangskoder ved skift af adgangskode",
    "approve": "godkendt", "reject": "fravalgt", "disclose": "delt", "withdraw": "trukket tilbage",
    "name": "navn", "phone": "telefon", "email": "e-mail", "company": "virksomheden", "jobcenter": "jobcentret",
    "stories.index": "siden Gode historier", "adviser": "rådgiver", "vk": "VK",
    # What a staff member read a citizen for (portal.access.audited_read).
    "edit_profile": "rettelse af profilen", "case": "sagens side", "erase": "sletning",
    "on_hold": "kandidaten i bero", "name_hidden": "navnet ikke delt",  # why an interview was kept
    "outside_case": "uden for sagen",  # portal.api.hotline: a staff token refused a request outside its case
    "assign": "valg af sagsbehandlere", "limitations": "skånehensyn", "job_goals": "jobmål",
    "placement_start": "start af forløb", "placement_page": "forløbets side",
    "all": "alle", "mine": "mine",  # a goal list's scope (portal.dashboard.facts.Scope.kind)
    # Why an account mail went (portal.auth.mails.deliver's ``reason``; review AY 4).
    "welcome": "velkomstmail med link", "new_link": "nyt link til adgangskode", "forgot": "glemt adgangskode",
    "email_changed": "e-mailen er ændret", "consultant": "konsulent", "admin": "administrator",  # a role change
    **{key: label.lower() for key, label in OPENING_STATUSES.items()},
    # The profile fields a ``citizen_profile_updated`` names, "phone,email" (review AW 4; name,
    # phone and email above).
    "benefit_group": "ydelsesgruppe", "hours_available": "timer pr. uge", "postcode": "postnummer",
    "max_commute_km": "pendlingsafstand", "driving_licences": "kørekort", "languages": "sprog",
    "readiness_group": "parathed", "case_start": "sagsstart",
    "prior_company_placement_end": "seneste virksomhedsrettede forløb uden for Jobbro",
    # The notification kinds a ``mail_sent`` names (portal.notifications.service.NOTIFICATION_KINDS).
    "candidate_proposed": "kandidat foreslået", "candidate_shared": "kandidat delt",
    "candidate_ended": "kandidat ikke længere aktuel", "candidate_data": "kandidatens oplysninger",
    "interview_offered": "samtaletider foreslået", "interview_booked": "samtale aftalt, flyttet eller aflyst",
    "hotline_answered": "svar fra hotline", "hotline_closed": "henvendelse til hotline lukket",
    "hours_missing": "påmindelse om timer", "placement_started": "forløb startet",
    "placement_ended": "forløb afsluttet eller aflyst", "company_answered": "virksomhedens svar på en kandidat",
    "opening_posted": "nyt opslag", "opening_changed": "opslagets krav ændret",
    "hotline_new": "ny henvendelse til hotline", "hotline_message": "ny besked på en henvendelse til hotline",
    "hotline_duty": "vagt for hotline", "caseload_assigned": "borgere tildelt",
    "caseload_removed": "ikke længere sagsbehandler",
    "caseload_changed": "den anden sagsbehandler skiftet",
    "placement_consent_withdrawn": "samtykke trukket tilbage i et forløb",
    "hotline_taken_over": "henvendelse til hotline overtaget",
    **{key: label[0].lower() + label[1:] for key, label in PROPOSAL_STATUSES.items()},
    **{key: label.lower() for key, label in COMPANY_RESPONSES.items()},
    **{key: label for key, label in CONSENT_CHANNELS.items()},
    **{key: label.lower() for key, label in CASE_CLOSE_REASONS.items()},
}
PURPOSE_KEYS = {
    "user": "bruger", "hotline": "henvendelse", "forloeb": "forløb", "token": "nøgle", "team": "team",
    "company": "virksomhed", "status": "status", "page": "side", "side": "side", "mail": "mail",
    "kind": "slags", "owner": "ejer", "scope": "adgang", "webhook": "webhook", "Proposal": "forslag",
    "ApiToken": "API-nøgle", "file": "fil", "count": "antal", "fields": "felter", "changed": "ændret",
    "updated": "opdateret", "created": "oprettet", "unchanged": "uændret", "refused": "afvist", "skipped": "sprunget over", "cv": "CV", "message": "besked", "unknown": "ukendt", "handling": "handling",
    "bruger": "bruger", "borger": "borger", "fra": "fra", "til": "til", "resultat": "resultat", "maal": "mål", "omfang": "omfang",
    "maaned": "måned", "tal": "tal", "gruppe": "gruppe", "borgere": "borgere", "virksomheder": "virksomheder",
    "henvendelser": "henvendelser", "raadgiver": "borgere som rådgiver", "session": "session",
    "vk": "VK", "adviser": "rådgiver", "interview": "samtale", "times": "tider", "channel": "kanal",
    "text": "samtykketekst", "share": "deles", "response": "svar", "story": "historie", "delivery": "levering",
    "reason": "årsag", "role": "rolle", "saved": "gemt", "before": "ældre end", "Opening": "opslag", "Placement": "forløb", "Interview": "samtale", "Citizen": "borger",
}
# A count put after its number, singular after 1: "rows:15" is "15 rækker", "rows:1" "1 række".
PURPOSE_COUNTS = {"rows": ("række", "rækker")}
# A key whose value is a code of its own vocabulary, named as the page that set it names it
# (review AH 7: an API key's "scope:write" as adgang »Læse og skrive«, not »write«).
PURPOSE_KEY_VALUES = {"scope": API_SCOPES, "role": ROLES}
# The hours a company saved: "ny->10.00" and "12.00->15.00", shown with Danish decimals.
HOURS_ACTIONS = frozenset({"hours_logged", "hours_updated", "hours_removed"})
# A state changed, "before->after" (a placement's end "aktiv->2026-11-20/ordinaert_job", a
# company's VK "-->5"): each side's "/"-parts as dates and codes; "-" is none.
CHANGE_WORDS = {"-": "ingen", **{key: label[0].lower() + label[1:] for key, label in END_REASONS.items()}}
# A key that means something else in one action's purpose ("side" is the log's page elsewhere).
ACTION_PURPOSE_KEYS = {**{action: {"side": "tilbudt af"} for action in
                          ("interview_offered", "interview_booked", "interview_moved", "interview_cancelled")},
                       "interview_kept": {"side": "beholdt af"}}


# Whole phrases the portal writes (the start of a purpose; what follows is read word by word).
# A longer phrase comes before a shorter one it begins with.
PURPOSE_PHRASES = {
    "none suitable": "markering »Ingen egnede kandidater lige nu«",
    "matching decision": "beslutning om et match", "shared jobmål approved": "jobmål til virksomheden godkendt",
    "shared candidate profile approved": "profil til virksomheden godkendt",
    "identity release:": "deling af navn og profil:", "identity release": "navnet delt",
    "limitations: change without need to know": "skånehensyn ændret uden for borgerens sag",
    "company: candidate page": "virksomhedens kandidatside",
    # The page a company was shown a placement's label on (portal.placements.service.COMPANY_PAGES).
    "company: start page": "virksomhedens forside:", "company: placements page": "virksomhedens liste over forløb:",
    "company: placement page": "virksomhedens side for", "company: month hours page": "virksomhedens side med månedens timer:",
    "company: hotline form": "virksomhedens formular til en ny henvendelse:",
    "company: hotline requests": "virksomhedens liste over henvendelser:",
    "company: hotline request": "virksomhedens henvendelse:",
    "api: company placements": "API: virksomheden hentede",
    # Written before the page was named, for any of them (after the longer phrases it begins).
    "company: placement": "virksomhedens side for eller liste med",
    "company: hours export": "timer hentet af virksomheden:",
    "company: placements export": "forløb hentet af virksomheden:",
    "company: shared CV": "CV hentet af virksomheden", "company: shared candidate": "delt kandidat vist for virksomheden",
    "api: shared candidate": "API: delt kandidat", "api lift erasure block": "API: spærring ophævet",
    "api list": "API: borgerliste", "api wage hours": "API: løntimer fra fagsystemet", "filter none": "uden filter",
    "case closed": "borgerens sag blev afsluttet", "opening requirements changed": "opslagets krav blev ændret",
    "opening": "opslaget blev",
    "new decision after the case was reopened:": "ny beslutning efter genåbning af sagen:",
    "by hand, external id": "oprettet i hånden med eksternt id", "by hand": "oprettet i hånden",
    "external id attached": "eksternt id tilknyttet",  # portal.imports.lookalikes: an import matched by hand
    "likely duplicate created anyway:": "oprettet trods lighed med",  # portal.api.citizens (review AS 2)
    "no company held the name": "ingen virksomhed havde navnet",
    "told companies:": "virksomheder underrettet:", "no active user:": "ingen aktiv bruger hos:",
}
# The code that begins a purpose otherwise typed by a person (FREE_TEXT_ACTIONS): only it is translated.
FREE_TEXT_PREFIXES = {"break-glass:": "nødadgang:", "need to know:": "arbejdsbetinget behov som",
                      "reason:": "årsag:"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MONTH = re.compile(r"\d{4}-\d{2}")


def purpose_label(action: str, purpose: str) -> str:
    """``purpose`` in Danish as the access log shows it; a typed text (:data:`FREE_TEXT_ACTIONS`)
    and an empty purpose as they are."""
    if not purpose:
        return purpose
    if action in FREE_TEXT_ACTIONS:
        return _free_text_label(purpose)
    if "; " in purpose:  # parts, each with its own phrase ("told companies: 3; no active user: 9")
        return "; ".join(purpose_label(action, part) for part in purpose.split("; "))
    keys = {**PURPOSE_KEYS, **ACTION_PURPOSE_KEYS.get(action, {})}
    for phrase, danish in PURPOSE_PHRASES.items():
        if purpose == phrase or purpose.startswith(phrase + " "):
            return " ".join([danish, *(_purpose_word(word, keys) for word in purpose[len(phrase):].split())])
    if action in HOURS_ACTIONS:
        return " ".join(_hours_change(word) if "->" in word else _purpose_word(word, keys)
                        for word in purpose.split())
    return " ".join(_purpose_word(word, keys) for word in purpose.split())


def _hours_change(word: str) -> str:
    """"12.00->15.00" as "fra 12,00 til 15,00 timer", "ny->10.00" as "ny: 10,00 timer",
    "6.00->removed" as "6,00 timer slettet" (typed before the start, removed with a cancellation);
    "ny->1.00" as "ny: 1,00 time" (:func:`portal.i18n.hours_word`)."""
    before, _arrow, after = word.partition("->")
    try:
        if after == "removed":
            return f"{format_hours_count(Decimal(before), 2, trim=False)} slettet"
        new = format_hours_count(Decimal(after), 2, trim=False)
        old = None if before == "ny" else format_number(Decimal(before), 2)
    except InvalidOperation:
        return word
    return f"ny: {new}" if old is None else f"fra {old} til {new}"


def _change(value: str) -> str:
    """"aktiv->2026-11-20/ordinaert_job" as "fra »aktiv« til »20.11.2026, ordinært job«"."""
    def side(text: str) -> str:
        return ", ".join(CHANGE_WORDS.get(part) or _purpose_value(part) for part in text.split("/") if part) or "ingen"

    before, _arrow, after = value.partition("->")
    return f"fra »{side(before)}« til »{side(after)}«"


def _free_text_label(purpose: str) -> str:
    for prefix, danish in FREE_TEXT_PREFIXES.items():
        if purpose.startswith(prefix + " "):
            rest = purpose[len(prefix) + 1:]
            return f"{danish} {PURPOSE_WORDS.get(rest, rest) if prefix == 'need to know:' else rest}"
    return purpose


def _purpose_value(value: str) -> str:
    if "->" in value:
        return _change(value)
    if "," in value:
        return ", ".join(_purpose_value(part) for part in value.split(",") if part)
    if _ISO_DATE.fullmatch(value):
        return format_date(value)
    if _ISO_MONTH.fullmatch(value):
        return format_month(date.fromisoformat(value + "-01"))
    return PURPOSE_WORDS.get(value, value)


def _purpose_word(word: str, keys: dict[str, str]) -> str:
    if ":" not in word.partition("->")[0] and "->" in word:  # a bare change; "vk:-->5" is a key's value
        return _change(word)
    if word in PURPOSE_WORDS or _ISO_MONTH.fullmatch(word) or _ISO_DATE.fullmatch(word):
        return _purpose_value(word)
    parts = word.split(";") if ";" in word else word.split(",")
    if len(parts) > 1 and all(":" in part for part in parts):
        return ", ".join(_purpose_word(part, keys) for part in parts)
    if len(parts) > 1 and all(part in PURPOSE_WORDS for part in parts):  # profile fields, "phone,email"
        return ", ".join(PURPOSE_WORDS[part] for part in parts)
    key, colon, value = word.partition(":")
    pieces = word.split(":")
    # A goal list's "fokus:all:2026-10-31" (also when its figure is a key: "cv:all:…", "virksomheder:all:…").
    if value.count(":") and (key not in keys or (len(pieces) > 2 and _ISO_DATE.fullmatch(pieces[2]))):
        return " · ".join(_purpose_value(part) for part in word.split(":"))
    if colon and key in PURPOSE_COUNTS and value:
        singular, plural = PURPOSE_COUNTS[key]
        return f"{value} {singular if value == '1' else plural}"
    if colon and key == "handling" and value:
        return f"handling »{action_label(value)}«"
    if colon and key in PURPOSE_KEY_VALUES and value in PURPOSE_KEY_VALUES[key]:
        return f"{keys[key]} »{PURPOSE_KEY_VALUES[key][value]}«"
    if colon and key in keys and value:
        return f"{keys[key]} {_purpose_value(value)}"
    return word
