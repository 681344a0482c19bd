"""Configuration from the environment, in one place.

Order (Flask tutorial style): defaults here, then the environment, then the
``test_config`` mapping handed to :func:`portal.create_app`. The keys the indexer reads too
(database, matching backend and encoder, Elasticsearch, index file, upload folder) come from
:mod:`store.settings`, with the same defaults and parsing; this module adds the Flask ones.
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta

from .urlguard import internal_networks
from store import clock
from store import settings as shared
from store.database import engine_options, normalise_url
from store.settings import ConfigError, instance_secret

__all__ = ["ConfigError", "defaults", "finalise", "from_environment", "parse_bool", "portal_url"]

ENV_KEYS = (
    "SECRET_KEY",
    "PSEUDONYM_KEY",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_SENDER",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_TIMEOUT",
    "PORTAL_URL",
    "PASSWORD_FORGOT_MINUTES",
    "JOBBRO_ENV",
    "RETENTION_DAYS",
    "CV_VERSION_KEEP_DAYS",
    "NOTIFICATION_RETENTION_DAYS",
    "MAIL_RETENTION_DAYS",
    "AUDIT_RETENTION_DAYS",
    "TRUSTED_PROXY_HOPS",
    "FRESH_LOGIN_MINUTES",
    "HOTLINE_REMIND_BEFORE_MINUTES",
    "LOGIN_MAX_FAILURES",
    "LOGIN_IP_MAX_ACCOUNTS",
    "HOTLINE_PHONE",
    "HOTLINE_HOURS",
    "SAVINGS_DEADWEIGHT",
    "GO_LIVE_DATE",
    "RANKINGS_PER_PROCESS",
    "REDUCED_ENCODE_SECONDS",
    "ORGANISATION_NAME",
    "DPO_EMAIL",
    "ACCESSIBILITY_EMAIL",
    "ACCESSIBILITY_STATEMENT_URL",
    "API_RATE_LIMIT",
    "API_RATELIMIT_STORAGE_URI",
    "IMPORT_MAX_CONTENT_LENGTH",
    "IMPORT_WEB_MAX_ROWS",
    "WEBHOOKS_INTERNAL_NETWORKS",
)
ENVIRONMENTS = ("development", "testing", "production")
INT_KEYS = ("MAIL_PORT", "RETENTION_DAYS", "CV_VERSION_KEEP_DAYS", "NOTIFICATION_RETENTION_DAYS",
            "MAIL_RETENTION_DAYS", "AUDIT_RETENTION_DAYS", "PASSWORD_FORGOT_MINUTES", "TRUSTED_PROXY_HOPS",
            "FRESH_LOGIN_MINUTES", "HOTLINE_REMIND_BEFORE_MINUTES", "LOGIN_MAX_FAILURES",
            "LOGIN_IP_MAX_ACCOUNTS", "RANKINGS_PER_PROCESS", "IMPORT_MAX_CONTENT_LENGTH", "IMPORT_WEB_MAX_ROWS")


def defaults(instance_path: str) -> dict:
    """Return the default configuration: local development on embedded defaults."""
    return shared.defaults(instance_path) | {
        "JOBBRO_ENV": "development",
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_SENDER": "noreply@jobbro.local",
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_TIMEOUT": 10.0,
        # Links in mails are built on this address, never on the request's Host header
        # (a forged Host would otherwise mail a victim a link to another site).
        "PORTAL_URL": "",
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(hours=12),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=12),
        # Approve, disclose and export ask for the password again after this long.
        "FRESH_LOGIN_MINUTES": 10,
        # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto are believed;
        # 0 = none, so a client cannot forge its address (login throttle, audit IP).
        "TRUSTED_PROXY_HOPS": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_FAILURES": 5,
        # A client IP is locked only after failures on more than this many distinct accounts
        # (an office behind one NAT address must not be locked out by one user's typos).
        "LOGIN_IP_MAX_ACCOUNTS": 20,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "PASSWORD_RESET_HOURS": 72,
        "PASSWORD_FORGOT_MINUTES": 60,
        # "Glemt adgangskode": requests per e-mail and per client IP inside the window.
        "PASSWORD_FORGOT_MAX_PER_EMAIL": 3,
        "PASSWORD_FORGOT_MAX_PER_IP": 10,
        "PASSWORD_FORGOT_WINDOW_SECONDS": 60 * 60,
        # Closed cases are anonymised after five years (the job centre's retention rule).
        "RETENTION_DAYS": 5 * 365,
        # A CV replaced by a newer one is kept this long (a wrong upload can be deleted and the
        # earlier version is current again), then the retention run deletes it unless a consent in
        # force shares it (review AU 2, portal.citizens.cv_versions).
        "CV_VERSION_KEEP_DAYS": 30,
        # The retention run deletes notifications (read or not) this many days old, and mails sent
        # this many days ago (their body is blanked once sent; the subject may name a citizen):
        # review AU 8, portal.privacy.retention.prune_operational.
        "NOTIFICATION_RETENTION_DAYS": 365,
        "MAIL_RETENTION_DAYS": 90,
        # The retention run deletes access-log rows (audit_event) this many days old, about five
        # years as public-sector access logs are kept (review AU 8, portal.audit_retention).
        "AUDIT_RETENTION_DAYS": 5 * 365,
        # The hotline-reminders job mails the assignee this long before an unanswered
        # request's target (0: no reminders; overdue requests are still escalated).
        "HOTLINE_REMIND_BEFORE_MINUTES": 60,
        # Shown to companies on the hotline and placement pages. Made-up demo values: set the job
        # centre's real number and hours in production.
        "HOTLINE_PHONE": "70 20 30 40",
        "HOTLINE_HOURS": "Mandag–torsdag kl. 8–15, fredag kl. 8–12",
        # Share (0..1) of the citizens who left benefit that would have left anyway: the goals
        # dashboard's net savings take it off. An assumption; see portal.dashboard.savings.
        "SAVINGS_DEADWEIGHT": 0.8,
        # The day the job centre took Jobbro into use (a date, or None: the day the first user was
        # created, the first administrator at install). /maal has no figures for months before it
        # (portal.dashboard.go_live, review BG 1).
        "GO_LIVE_DATE": None,
        # Ranking pages a server process works on at once (0: no limit); the others wait
        # their turn, so the process's other threads keep time for ordinary pages
        # (portal.matching_runtime.ranking_turn).
        "RANKINGS_PER_PROCESS": 1,
        # Reduced mode (the index unusable) encodes texts that have no stored vector for at most
        # this many seconds per request, all its rankings together, and at most
        # matching.shared.REDUCED_ENCODE_LIMIT (20) of them; the rest are ranked on shared words
        # alone and marked (portal.matching_runtime.encode_budget). 0: none is encoded.
        "REDUCED_ENCODE_SECONDS": 5.0,
        # Who runs the portal: the data controller named in the header, the footer, the privacy
        # notice (/om/privatliv) and the accessibility statement (/om/tilgaengelighed), with the
        # addresses those pages give. Demo values: set the job centre's own.
        "ORGANISATION_NAME": "Jobcenter Hedensted",
        "DPO_EMAIL": "databeskyttelse@demo.jobbro.dk",
        "ACCESSIBILITY_EMAIL": "tilgaengelighed@demo.jobbro.dk",
        # The job centre's own accessibility statement, where public bodies publish theirs (e.g.
        # Digitaliseringsstyrelsen's was.digst.dk); "": the statement Jobbro ships (/om/tilgaengelighed).
        "ACCESSIBILITY_STATEMENT_URL": "",
    }


def from_environment(environ: os._Environ | dict | None = None) -> dict:
    """Return the settings present in the environment, with types coerced.

    Raises:
        ConfigError: a number or boolean that does not parse.
    """
    environ = os.environ if environ is None else environ
    found = shared.from_environment(environ) | {key: environ[key] for key in ENV_KEYS if environ.get(key)}
    for key in INT_KEYS:
        if key in found:
            try:
                found[key] = int(found[key])
            except ValueError:
                raise ConfigError(f"{key} must be a whole number, not {found[key]!r}") from None
    if "MAIL_TIMEOUT" in found:
        try:
            found["MAIL_TIMEOUT"] = float(found["MAIL_TIMEOUT"])
        except ValueError:
            raise ConfigError(f"MAIL_TIMEOUT must be a number of seconds, not {found['MAIL_TIMEOUT']!r}") from None
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if key in found:
            found[key] = parse_bool(key, found[key])
    if "REDUCED_ENCODE_SECONDS" in found:
        try:
            found["REDUCED_ENCODE_SECONDS"] = float(found["REDUCED_ENCODE_SECONDS"].replace(",", "."))
        except ValueError:
            raise ConfigError("REDUCED_ENCODE_SECONDS must be a number of seconds from 0 to "
                              f"{MAX_REDUCED_ENCODE_SECONDS:g}, not {found['REDUCED_ENCODE_SECONDS']!r}") from None
    if "SAVINGS_DEADWEIGHT" in found:
        try:  # "0,8" as a Dane writes it, too
            found["SAVINGS_DEADWEIGHT"] = float(found["SAVINGS_DEADWEIGHT"].replace(",", "."))
        except ValueError:
            raise ConfigError("SAVINGS_DEADWEIGHT must be a share between 0 and 1 (e.g. 0.8), "
                              f"not {found['SAVINGS_DEADWEIGHT']!r}") from None
    return found


def parse_bool(key: str, value: str | bool) -> bool:
    """Strict boolean: true/false, 1/0, yes/no, on/off (any case).

    Raises:
        ConfigError: for anything else, so a typo is not silently read as "off".
    """
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{key} must be true or false, not {value!r}")


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def finalise(config: dict, instance_path: str) -> None:
    """Derive dependent settings and enforce the production rules.

    Raises:
        ConfigError: for an unknown JOBBRO_ENV, in production mode without SECRET_KEY or
            PSEUDONYM_KEY, and for settings out of range.
    """
    if config["JOBBRO_ENV"] not in ENVIRONMENTS:
        # A typo such as "prod" must not quietly run with development's insecure defaults.
        raise ConfigError(f"JOBBRO_ENV must be one of {', '.join(ENVIRONMENTS)}, not {config['JOBBRO_ENV']!r}")
    production = config["JOBBRO_ENV"] == "production"
    for key in ("SECRET_KEY", "PSEUDONYM_KEY"):
        if config.get(key):
            continue
        if production:
            raise ConfigError(f"{key} must be set in the environment when JOBBRO_ENV=production")
        config[key] = instance_secret(instance_path, key.lower())
    config["SQLALCHEMY_DATABASE_URI"] = normalise_url(config["DATABASE_URL"])
    # The same engine options as the indexer's (store.database), plus any from test_config.
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {**engine_options(config["SQLALCHEMY_DATABASE_URI"]),
                                           **(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})}
    _check_mail(config, production)
    _check_counts(config)
    _check_hotline(config)
    _check_savings(config)
    _check_go_live(config)
    _check_reduced_encode(config)
    _check_organisation(config)
    _check_concepts(config)
    _check_matching(config, instance_path)
    shared.install_postcodes(config, instance_path)  # MATCHING_POSTCODES, as the indexer does
    _check_webhooks(config)
    secure = production
    config["SESSION_COOKIE_SECURE"] = secure
    config["REMEMBER_COOKIE_SECURE"] = secure


def _check_webhooks(config: dict) -> None:
    """WEBHOOKS_INTERNAL_NETWORKS must parse and stay clear of loopback and link-local ranges."""
    try:
        internal_networks(config)
    except ValueError as exc:
        raise ConfigError(f"WEBHOOKS_INTERNAL_NETWORKS: {exc} (comma-separated CIDR ranges, "
                          "e.g. 10.20.0.0/16,192.168.5.0/24)") from None


def _check_concepts(config: dict) -> None:
    """MATCHING_CONCEPTS must name a readable table (or "none"): an error at start-up, not on
    the first ranking page."""
    from matching.concept_channel import NO_CONCEPTS, table_path
    from matching.concepts import ConceptTableError, table_meta

    spec = str(config.get("MATCHING_CONCEPTS") or "").strip()
    if spec.lower() in ("", NO_CONCEPTS):
        return
    try:
        table_meta(table_path(spec))
    except ConceptTableError as exc:
        raise ConfigError(f"MATCHING_CONCEPTS={spec!r}: {exc} (a shipped version such as concepts-v1, "
                          f"a .npz file, or none)") from None


def _check_matching(config: dict, instance_path: str) -> None:
    """MATCHING_BACKEND, MATCHING_ENCODER and MATCHING_ADAPTER must name what exists: an error at
    start-up naming the settings, not a 500 on every ranking page while /healthz says ok."""
    from matching import settings as matching_settings
    from matching.encoders import EncoderUnavailable

    try:
        matching_settings.check(matching_settings.MatchingSettings.from_config(config, instance_path))
    except (ValueError, EncoderUnavailable) as exc:
        raise ConfigError(f"matching settings (MATCHING_BACKEND, MATCHING_ENCODER, MATCHING_ADAPTER): {exc}") from None


def _check_mail(config: dict, production: bool) -> None:
    """The mail settings must make sense together (errors at start-up, not at the first mail)."""
    for key in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        config[key] = parse_bool(key, config.get(key, False))
    if config["MAIL_USE_TLS"] and config["MAIL_USE_SSL"]:
        raise ConfigError("MAIL_USE_TLS (STARTTLS) and MAIL_USE_SSL (SMTPS) exclude each other: choose one")
    _check_portal_url(config, production)
    # Tests send in the request so they stay deterministic; everyone else in the background.
    config.setdefault("MAIL_SEND_INLINE", bool(config.get("TESTING")))
    if not 0 < float(config.get("MAIL_TIMEOUT", 10)) <= 300:  # also refuses nan
        raise ConfigError("MAIL_TIMEOUT must be more than 0 and at most 300 seconds")
    if int(config.get("PASSWORD_FORGOT_MINUTES", 60)) <= 0:
        raise ConfigError("PASSWORD_FORGOT_MINUTES must be a positive number of minutes")


def portal_url(config) -> str:
    """``PORTAL_URL`` as links are built on it: without surrounding space or a trailing slash; ""
    when unset (review BN 14: the one reading for mails, webhooks and the printed set-password
    link; ``config`` is the app's config or any mapping)."""
    return (config.get("PORTAL_URL") or "").strip().rstrip("/")


def _check_portal_url(config: dict, production: bool) -> None:
    """Mailed links are built on PORTAL_URL, so a mail server needs it (every environment).

    Only development without a mail server may fall back to the request's host: its mails
    are just logged. In production the address must be https://.
    """
    url = config.get("PORTAL_URL") or ""
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError(f"PORTAL_URL must start with https:// or http://, not {url!r}")
    if config.get("MAIL_SERVER") and not url:
        raise ConfigError("PORTAL_URL must be set when MAIL_SERVER is set "
                          "(links in mails are built on it, never on the request's Host header)")
    if production and url and not url.startswith("https://"):
        raise ConfigError(f"PORTAL_URL must start with https:// when JOBBRO_ENV=production, not {url!r}")


# The shortest retention the configuration and `flask --app portal retention --days N` take: a
# case anonymised earlier could still lie in a month /maal shows, whose »CV, jobmål og
# virksomhedskonsulent« figure reads the profile anonymisation drops (review AW 2). A case closed
# this long ago lies wholly before the figures' reach, portal.privacy.coarsening.FIGURES_REACH_MONTHS (36)
# whole months before today's month: 36 months and one of 31 days, for today's day in its month
# (tested against the reach).
MIN_RETENTION_DAYS = (36 + 1) * 31
# The shortest period the access log is kept (AUDIT_RETENTION_DAYS).
MIN_AUDIT_RETENTION_DAYS = 365


def _check_counts(config: dict) -> None:
    """Whole-number settings that may also come from ``test_config`` must be in range."""
    fallback = defaults("")
    retention = config.setdefault("RETENTION_DAYS", fallback["RETENTION_DAYS"])
    if isinstance(retention, bool) or not isinstance(retention, int) or retention < MIN_RETENTION_DAYS:
        raise ConfigError(
            f"RETENTION_DAYS must be a whole number of at least {MIN_RETENTION_DAYS}, not {retention!r}: a case "
            "anonymised sooner may still be counted in the months /maal shows (3 years back), and its figures "
            "would change (README, RETENTION_DAYS)")
    for key, low, high in (("TRUSTED_PROXY_HOPS", 0, None), ("FRESH_LOGIN_MINUTES", 1, None),
                           ("HOTLINE_REMIND_BEFORE_MINUTES", 0, None), ("LOGIN_MAX_FAILURES", 1, None),
                           ("LOGIN_IP_MAX_ACCOUNTS", 1, None), ("RANKINGS_PER_PROCESS", 0, None),
                           ("CV_VERSION_KEEP_DAYS", 1, None),
                           ("NOTIFICATION_RETENTION_DAYS", 1, None), ("MAIL_RETENTION_DAYS", 1, None),
                           # a typo must not empty the access log, which answers who read a citizen
                           ("AUDIT_RETENTION_DAYS", MIN_AUDIT_RETENTION_DAYS, None),
                           ("IMPORT_MAX_CONTENT_LENGTH", 1, None), ("IMPORT_WEB_MAX_ROWS", 1, None),
                           ("MAIL_PORT", 1, 65535)):
        if key not in config and key not in fallback:
            continue  # a default its module keeps (the import page's limits)
        value = config.setdefault(key, fallback.get(key))
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high and value > high):
            span = f"between {low} and {high}" if high else f"of at least {low}"
            raise ConfigError(f"{key} must be a whole number {span}, not {value!r}")


HOTLINE_PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 ]{6,18}[0-9]")


def _check_hotline(config: dict) -> None:
    """The hotline's phone number and opening hours, as companies will see them."""
    for key in ("HOTLINE_PHONE", "HOTLINE_HOURS"):  # also when finalise gets a bare mapping
        config.setdefault(key, defaults("")[key])
    phone = " ".join(str(config["HOTLINE_PHONE"]).split())
    if not HOTLINE_PHONE_PATTERN.fullmatch(phone):
        raise ConfigError(f"HOTLINE_PHONE must be a phone number of digits and spaces (e.g. 70 20 30 40 "
                          f"or +45 70 20 30 40), not {phone!r}")
    hours = " ".join(str(config["HOTLINE_HOURS"]).split())
    if not 0 < len(hours) <= 120:
        raise ConfigError("HOTLINE_HOURS must be a text of 1 to 120 characters, e.g. "
                          "'Mandag–torsdag kl. 8–15, fredag kl. 8–12'")
    config["HOTLINE_PHONE"], config["HOTLINE_HOURS"] = phone, hours


def _check_organisation(config: dict) -> None:
    """The data controller's name and the two contact addresses the public pages give."""
    from email_validator import EmailNotValidError, validate_email

    for key in ("ORGANISATION_NAME", "DPO_EMAIL", "ACCESSIBILITY_EMAIL"):
        config.setdefault(key, defaults("")[key])
    name = " ".join(str(config["ORGANISATION_NAME"]).split())
    if not 0 < len(name) <= 120:
        raise ConfigError("ORGANISATION_NAME must be a text of 1 to 120 characters, e.g. 'Jobcenter Hedensted'")
    config["ORGANISATION_NAME"] = name
    for key in ("DPO_EMAIL", "ACCESSIBILITY_EMAIL"):
        value = str(config[key]).strip()
        try:
            config[key] = validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ConfigError(f"{key} must be an e-mail address, not {value!r} ({exc})") from None
    url = str(config.setdefault("ACCESSIBILITY_STATEMENT_URL", "") or "").strip()
    if url and not re.fullmatch(r"https://[^\s/]+\.[^\s/]+(/\S*)?", url):
        raise ConfigError(f"ACCESSIBILITY_STATEMENT_URL must be an https:// address, not {url!r}")
    config["ACCESSIBILITY_STATEMENT_URL"] = url


def _check_savings(config: dict) -> None:
    """SAVINGS_DEADWEIGHT is a share: a number from 0 to 1 (also when it comes from test_config)."""
    value = config.setdefault("SAVINGS_DEADWEIGHT", defaults("")["SAVINGS_DEADWEIGHT"])
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:  # refuses nan
        raise ConfigError(f"SAVINGS_DEADWEIGHT must be a share between 0 and 1 (e.g. 0.8), not {value!r}")
    config["SAVINGS_DEADWEIGHT"] = float(value)


def _check_go_live(config: dict) -> None:
    """GO_LIVE_DATE is empty or a date written YYYY-MM-DD (a date object from test_config), not
    after today (Danish date)."""
    value = config.get("GO_LIVE_DATE") or None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
        except ValueError:
            value = None
        if value is None:
            raise ConfigError(f"GO_LIVE_DATE must be the day Jobbro was taken into use, written YYYY-MM-DD "
                              f"(e.g. 2026-12-01), or empty, not {config['GO_LIVE_DATE']!r}")
    if value is not None and (isinstance(value, datetime) or not isinstance(value, date)):
        raise ConfigError(f"GO_LIVE_DATE must be a date (YYYY-MM-DD) or empty, not {value!r}")
    # A day ahead is a typo or set too early: /maal would move its first month every day (review BJ 9).
    if value is not None and value > clock.today():
        raise ConfigError(f"GO_LIVE_DATE must be the day Jobbro was taken into use, today ({clock.today()}) "
                          f"at the latest, not {value.isoformat()!r}: set it on that day, or leave it empty")
    config["GO_LIVE_DATE"] = value


# The longest REDUCED_ENCODE_SECONDS taken: a page must stay well under a proxy's timeout.
MAX_REDUCED_ENCODE_SECONDS = 60.0


def _check_reduced_encode(config: dict) -> None:
    value = config.setdefault("REDUCED_ENCODE_SECONDS", defaults("")["REDUCED_ENCODE_SECONDS"])
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0 <= value <= MAX_REDUCED_ENCODE_SECONDS:  # also refuses nan
        raise ConfigError(f"REDUCED_ENCODE_SECONDS must be a number of seconds from 0 to "
                          f"{MAX_REDUCED_ENCODE_SECONDS:g}, not {value!r}")
