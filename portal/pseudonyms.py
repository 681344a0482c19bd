"""Candidate pseudonyms for companies (SECURITY.md "Access control and privacy").

A pseudonym is HMAC-SHA256(PSEUDONYM_KEY, citizen id ‖ opening id), so the same citizen
has unrelated pseudonyms on two openings and a company cannot link them. The key lives in
the environment (or, in development, the instance folder), never in the database.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud on the phone


def pseudonym(citizen_id: int, opening_id: int, key: str | None = None) -> str:
    """A short, stable, per-opening pseudonym such as ``"Kandidat K7QF-M2XA"``."""
    secret = (key or current_app.config["PSEUDONYM_KEY"]).encode()
    digest = hmac.new(secret, f"{citizen_id}\x1f{opening_id}".encode(), hashlib.sha256).digest()
    code = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:8])
    return f"Kandidat {code[:4]}-{code[4:]}"
