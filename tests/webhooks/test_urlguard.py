"""The SSRF guard: https to public addresses only; http and loopback only when allowed."""
from __future__ import annotations

import socket

import pytest

from portal import urlguard


@pytest.mark.parametrize("url", [
    "https://10.0.0.5/hook", "https://192.168.1.10/", "https://172.16.3.4/", "https://169.254.169.254/latest",
    "https://100.64.0.1/", "https://[fd00::1]/", "https://[fe80::1]/", "https://[::ffff:10.0.0.1]/",
    "https://0.0.0.0/", "https://224.0.0.1/", "http://8.8.8.8/hook", "ftp://8.8.8.8/", "https:///nohost",
    "https://user:pw@8.8.8.8/", "https://8.8.8.8:99999/", "javascript:alert(1)", "", "https://8.8.8.8/" + "a" * 600,
])
def test_refused_even_with_loopback_allowed(url):
    with pytest.raises(urlguard.UrlRefused):
        urlguard.resolve(url, loopback_ok=True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "https://127.0.0.1/", "http://[::1]:9/"])
def test_loopback_only_when_allowed(url):
    assert urlguard.resolve(url, loopback_ok=True).address in ("127.0.0.1", "::1")
    with pytest.raises(urlguard.UrlRefused):
        urlguard.resolve(url, loopback_ok=False)


def test_a_public_address_is_pinned_with_its_path():
    target = urlguard.resolve("https://8.8.8.8:8443/a/b?c=d", loopback_ok=False)
    assert (target.address, target.port, target.path, target.host_header) == ("8.8.8.8", 8443, "/a/b?c=d",
                                                                               "8.8.8.8:8443")


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    answers = {"hooks.example.com": ["93.184.215.14", "10.1.2.3"]}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror("unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(urlguard.UrlRefused, match="internt"):
        urlguard.resolve("https://hooks.example.com/x", loopback_ok=True)
    answers["hooks.example.com"] = ["93.184.215.14"]
    target = urlguard.resolve("https://hooks.example.com/x", loopback_ok=False)
    assert (target.host, target.address) == ("hooks.example.com", "93.184.215.14")
    with pytest.raises(urlguard.UrlRefused, match="slås op"):
        urlguard.resolve("https://nowhere.example.com/", loopback_ok=False)


def test_loopback_default_follows_the_environment():
    assert urlguard.allow_loopback({"JOBBRO_ENV": "development"})
    assert not urlguard.allow_loopback({"JOBBRO_ENV": "production"})
    assert not urlguard.allow_loopback({"JOBBRO_ENV": "development", "WEBHOOKS_ALLOW_HTTP_LOOPBACK": False})


NETWORKS = {"WEBHOOKS_INTERNAL_NETWORKS": "10.20.0.0/16, fd12:3456::/48"}


@pytest.mark.parametrize("url", ["https://10.20.3.4/hook", "https://[fd12:3456::7]/x"])
def test_the_job_centres_internal_networks_may_be_called_over_https(url):
    internal = urlguard.internal_networks(NETWORKS)
    assert urlguard.resolve(url, loopback_ok=False, internal=internal).address in ("10.20.3.4", "fd12:3456::7")
    with pytest.raises(urlguard.UrlRefused, match="internt"):  # without the ranges, as for a company
        urlguard.resolve(url, loopback_ok=False)
    with pytest.raises(urlguard.UrlRefused, match="https"):
        urlguard.resolve(url.replace("https", "http"), loopback_ok=False, internal=internal)


@pytest.mark.parametrize("url", ["https://10.21.0.1/", "https://169.254.169.254/latest", "https://192.168.1.1/"])
def test_other_private_addresses_stay_refused_with_internal_networks(url):
    with pytest.raises(urlguard.UrlRefused):
        urlguard.resolve(url, loopback_ok=False, internal=urlguard.internal_networks(NETWORKS))


@pytest.mark.parametrize("value, message", [
    ("10.0.0.0/33", "not a CIDR"), ("banana", "not a CIDR"), ("10.0.0.0/7", "wider than"),
    ("169.254.0.0/16", "link-local"), ("127.0.0.0/8", "loopback"), ("fe80::/64", "link-local"),
    ("0.0.0.0/0", "wider than"),
])
def test_bad_internal_networks_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        urlguard.internal_networks({"WEBHOOKS_INTERNAL_NETWORKS": value})


def test_bad_internal_networks_stop_the_start(tmp_path):
    from portal.config import ConfigError, finalise

    with pytest.raises(ConfigError, match="WEBHOOKS_INTERNAL_NETWORKS"):
        finalise({"DATABASE_URL": "sqlite://", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p", "JOBBRO_ENV": "development",
                  "WEBHOOKS_INTERNAL_NETWORKS": "169.254.0.0/16"}, str(tmp_path))
