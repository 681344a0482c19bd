"""Which webhook URLs the portal may call (SSRF guard).

A receiver URL must be ``https://`` with a host whose every address is public (global
unicast). Plain ``http://`` and loopback addresses are allowed only together and only with
``WEBHOOKS_ALLOW_HTTP_LOOPBACK`` (tests and local development): a loopback receiver may then
use either scheme. Private, link-local (cloud metadata 169.254.169.254), shared, multicast,
reserved and unspecified addresses are always refused.

The check runs when an endpoint is saved and again at every send (:func:`resolve`); the
sender then connects to the very address that was checked, so a DNS answer that changes
between check and connect (DNS rebinding) cannot steer a delivery into the network.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 500


class UrlRefused(ValueError):
    """A URL the portal will not call; ``str(err)`` is a Danish message for the user."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``address``) and what to ask for."""

    scheme: str
    host: str
    port: int
    address: str
    path: str
    host_header: str


def allow_loopback(config) -> bool:
    """``WEBHOOKS_ALLOW_HTTP_LOOPBACK``; unset, it is on only in development mode."""
    value = config.get("WEBHOOKS_ALLOW_HTTP_LOOPBACK")
    if value is None:
        return config.get("JOBBRO_ENV") == "development"
    return bool(value)


def address_allowed(address: str, loopback_ok: bool) -> bool:
    """True for a public address, and for a loopback one when ``loopback_ok``."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return loopback_ok
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _split(url: str, loopback_ok: bool):
    if not url or len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"Angiv en adresse på højst {MAX_URL_LENGTH} tegn.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UrlRefused("Adressen kan ikke læses. Skriv den som https://eksempel.dk/webhook.") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UrlRefused("Adressen skal begynde med https:// og have et værtsnavn.")
    if parts.scheme == "http" and not loopback_ok:
        raise UrlRefused("Adressen skal bruge https://.")
    if parts.username or parts.password:
        raise UrlRefused("Adressen må ikke indeholde brugernavn eller adgangskode.")
    if parts.fragment:
        raise UrlRefused("Adressen må ikke indeholde et #-anker.")
    return parts, port or (443 if parts.scheme == "https" else 80)


def resolve(url: str, loopback_ok: bool) -> Target:
    """Check ``url`` and resolve its host; every address must be allowed.

    Raises:
        UrlRefused: bad form, http outside loopback, a host that cannot be resolved, or any
            address that is not public (loopback only with ``loopback_ok``).
    """
    parts, port = _split(url, loopback_ok)
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UrlRefused(f"Værtsnavnet {host} kan ikke slås op.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UrlRefused(f"Værtsnavnet {host} kan ikke slås op.")
    for address in addresses:
        if not address_allowed(address, loopback_ok):
            raise UrlRefused("Adressen peger på et internt eller privat netværk og kan ikke bruges.")
    loopback = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
    if parts.scheme == "http" and not loopback:
        raise UrlRefused("Adressen skal bruge https://.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return Target(parts.scheme, host, port, addresses[0], path, host_header)
