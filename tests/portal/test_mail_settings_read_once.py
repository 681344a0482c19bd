"""Review BN 14: »is mail on?« and the portal's address are each read by one function,
:func:`portal.mail.mail_configured` and :func:`portal.config.portal_url`, and ``MAIL_PORT`` is
the configuration's (its default, 25, is set and checked at start-up), not a fallback per reader.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal import config as portal_config
from portal import mail
from portal.cli import MAIL_ONLY_LOGGED, _mail_note
from portal.config import portal_url
from portal.notifications.mailer import absolute_links
from portal.webhooks import events

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("value", "base"), [
    (None, ""), ("", ""), ("https://jobbro.dk", "https://jobbro.dk"), ("https://jobbro.dk/", "https://jobbro.dk"),
    (" https://jobbro.dk/ ", "https://jobbro.dk"), ("http://localhost:5000//", "http://localhost:5000"),
])
def test_the_portal_address_read_once(value, base):
    assert portal_url({"PORTAL_URL": value}) == base
    assert portal_url({}) == ""


def test_mail_is_on_with_a_server_only():
    assert not mail.mail_configured({}) and not mail.mail_configured({"MAIL_SERVER": ""})
    assert mail.mail_configured({"MAIL_SERVER": "smtp.kommune.dk"})


def test_the_port_is_the_configurations_default():
    assert portal_config.defaults("")["MAIL_PORT"] == 25


def test_every_reader_follows_the_one_reading(app):
    app.config.update(PORTAL_URL="https://jobbro.test/", MAIL_SERVER="")
    with app.test_request_context("/"):
        assert mail.absolute_url("auth.login") == "https://jobbro.test/auth/login"
        assert events._links("/hotline/7") == {"portal": "https://jobbro.test/hotline/7"}
        assert _mail_note(2) == MAIL_ONLY_LOGGED
        app.config["MAIL_SERVER"] = "smtp.jobbro.test"
        assert _mail_note(2) == ""
    assert absolute_links("Se /beskeder/", app.config) == "Se https://jobbro.test/beskeder/"


def test_no_other_module_reads_the_settings():
    reads = re.compile(r"""(get\(|\[)["'](MAIL_SERVER|PORTAL_URL|MAIL_PORT)["']""")
    readers = {str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.py")
               if reads.search(path.read_text(encoding="utf-8"))}
    assert readers <= {"portal/config.py", "portal/mail.py"}
