"""Which webhook URLs the portal may call (SSRF guard).

A receiver URL must be ``https://`` with a host whose every address is public (global
unicast). Plain ``http://`` and loopback addresses are allowed only together and only with
``WEBHOOKS_ALLOW_HTTP_LOOPBACK`` (tests and local development): a loopback receiver may then
use either scheme. Private, link-local (cloud metadata 169.254.169.254), shared, multicast,
reserved and unspecified addresses are always refused, with one exception for the job
centre's own endpoints: ``WEBHOOKS_INTERNAL_NETWORKS`` (CIDR ranges, e.g. the network of the
case system or the integration platform) may be called over ``https://``. A company's endpoint
never may: that would let a company reach into the municipality's network. Link-local and
loopback ranges cannot be listed (:func:`internal_networks`).

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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MIN_PREFIX = {4: 8, 6: 32}  # a listed range may not be wider than a /8 (IPv4) or a /32 (IPv6)


def internal_networks(config) -> tuple[Network, ...]:
    """``WEBHOOKS_INTERNAL_NETWORKS`` parsed: a comma-separated text or a list of CIDR ranges.

    Raises:
        ValueError: a range that does not parse, is wider than a /8 (/32 for IPv6), or
            overlaps loopback or link-local (cloud metadata) addresses; the message names the range.
    """
    value = config.get("WEBHOOKS_INTERNAL_NETWORKS") or ()
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v).strip() for v in value]
    networks = []
    for item in filter(None, items):
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not a CIDR range such as 10.20.0.0/16") from None
        if network.prefixlen < MIN_PREFIX[network.version]:
            raise ValueError(f"{item!r} is wider than a /{MIN_PREFIX[network.version]}")
        forbidden = ("127.0.0.0/8", "169.254.0.0/16") if network.version == 4 else ("::1/128", "fe80::/10")
        if any(network.overlaps(ipaddress.ip_network(f)) for f in forbidden):
            raise ValueError(f"{item!r} overlaps loopback or link-local addresses")
        networks.append(network)
    return tuple(networks)


def address_allowed(address: str, loopback_ok: bool, internal: tuple[Network, ...] = ()) -> bool:
    """True for a public address, for a loopback one when ``loopback_ok``, and for one in an
    ``internal`` range (the job centre's own endpoints only)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return loopback_ok
    if ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        return False
    if any(ip.version == network.version and ip in network for network in internal):
        return True
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


def resolve(url: str, loopback_ok: bool, internal: tuple[Network, ...] = ()) -> Target:
    """Check ``url`` and resolve its host; every address must be allowed.

    Raises:
        UrlRefused: bad form, http outside loopback, a host that cannot be resolved, or any
            address that is not public (loopback only with ``loopback_ok``; an ``internal``
            range only for the job centre's endpoints, see :func:`internal_networks`).
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
        if not address_allowed(address, loopback_ok, internal):
            raise UrlRefused("Adressen peger på et internt eller privat netværk og kan ikke bruges.")
    loopback = all(ipaddress.ip_address(a.split("%", 1)[0]).is_loopback for a in addresses)
    if parts.scheme == "http" and not loopback:
        raise UrlRefused("Adressen skal bruge https://.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = parts.netloc.rsplit("@", 1)[-1]
    return Target(parts.scheme, host, port, addresses[0], path, host_header)
