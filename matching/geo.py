"""Distances and the postcode table for Hedensted municipality and its neighbours."""

from __future__ import annotations

import math
from types import MappingProxyType

EARTH_RADIUS_KM = 6371.0088


class UnknownPostcode(LookupError):
    """Raised for a postcode that is not in the table (the caller must supply coordinates)."""


# (town, lat, lon) from DOMAIN.md; Glud and Ølsted share a postcode with a bigger town
# (7130 Juelsminde, 8722 Hedensted) so they are listed by name only in TOWNS.
POSTCODES = MappingProxyType(
    {
        "8722": ("Hedensted", 55.77, 9.70),
        "8723": ("Løsning", 55.80, 9.70),
        "7130": ("Juelsminde", 55.71, 10.02),
        "7160": ("Tørring", 55.85, 9.48),
        "7171": ("Uldum", 55.84, 9.58),
        "8783": ("Hornsyld", 55.76, 9.86),
        "7140": ("Stouby", 55.70, 9.80),
        "8721": ("Daugård", 55.73, 9.71),
        "7150": ("Barrit", 55.71, 9.90),
        "8763": ("Rask Mølle", 55.88, 9.61),
        "8700": ("Horsens", 55.86, 9.85),
        "7100": ("Vejle", 55.71, 9.54),
        "7000": ("Fredericia", 55.57, 9.75),
    }
)
TOWNS = MappingProxyType(
    {town.casefold(): (lat, lon) for town, lat, lon in POSTCODES.values()}
    | {"glud": (55.75, 9.97), "ølsted": (55.84, 9.75)}
)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two (lat, lon) points in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def postcode_location(postcode: str) -> tuple[float, float]:
    """Coordinates (lat, lon) of a postcode in the table.

    Raises:
        UnknownPostcode: if the postcode is not in the table.
    """
    try:
        _, lat, lon = POSTCODES[postcode.strip()]
    except KeyError:
        raise UnknownPostcode(
            f"postcode {postcode!r} is not in the matching postcode table; "
            "store coordinates for it or extend matching.geo.POSTCODES"
        ) from None
    return lat, lon


def locate(lat: float | None, lon: float | None, postcode: str) -> tuple[float, float]:
    """Explicit coordinates when given, else the postcode's.

    Raises:
        UnknownPostcode: if coordinates are missing and the postcode is unknown.
    """
    if lat is not None and lon is not None:
        return lat, lon
    return postcode_location(postcode)
