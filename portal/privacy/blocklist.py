"""The block list of case-system ids (GDPR art. 17): an erased or anonymised citizen's id is
remembered as a keyed hash only (:class:`store.models.citizens.ErasedExternalId`), so the next
sync or import sending the same id is refused (:func:`was_erased`) instead of bringing the person
back; the same id by the one rule (case, spaces and Unicode form aside: »av-9« after »AV-9«) too,
as the block is the hash of the folded id (:func:`block_hashes`). When the erasure was a
mistake, or the person later gets a new case, an administrator lifts the block
(:func:`forget_erasure`, ``DELETE /api/v1/citizens/{external_id}/erasure``); the data erased
stays gone. The hash key is derived from ``PSEUDONYM_KEY``: a new key forgets the blocks.
Ids themselves are never reused (AUTOINCREMENT on SQLite, migration 0015).
"""
from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from .. import audit
from ..text import clean_line
from store.models import Citizen
from store.models.citizens import ErasedExternalId, external_id_key


def external_id_hash(external_id: str, key: str | None = None) -> str:
    """HMAC-SHA256 (hex) of a case-system id under a key of its own derived from ``PSEUDONYM_KEY``.

    Of the string exactly as given: a block is written as the hash of the folded id
    (:func:`block_hashes`); blocks written before that hold the hash of the id as stored."""
    secret = hmac.new((key or current_app.config["PSEUDONYM_KEY"]).encode(), b"jobbro erased external id",
                      hashlib.sha256).digest()
    return hmac.new(secret, external_id.encode(), hashlib.sha256).hexdigest()


def block_hashes(external_id: str) -> list[str]:
    """The hashes a block on this case-system id may be kept under, the one written today first.

    A block is written as the hash of the id folded by the one rule for the same id
    (:func:`store.models.citizens.external_id_key` after :func:`~portal.text.clean_line`), so
    after »AV-9« is erased, »av-9« and » AV-9 « are refused too. Blocks written before that
    (before migration 0035) hold the hash of the id exactly as it was stored, which cannot be
    folded afterwards: they are found by the id as sent, trimmed, and in upper and in lower
    case, so an old block on »AV-9« still refuses »AV-9«, »av-9« and » AV-9 «. Only a spelling
    of an old block in mixed case other than the stored one (»Av-9« after »AV-9«) is not found:
    the old hash cannot tell it.
    """
    line = clean_line(external_id)
    candidates = (external_id_key(line), external_id, line, line.upper(), line.lower())
    return list(dict.fromkeys(external_id_hash(c) for c in candidates if c))


def _block_rows(session: Session, external_id: str) -> list[ErasedExternalId]:
    hashes = block_hashes(external_id)
    rows = session.scalars(sa.select(ErasedExternalId).where(ErasedExternalId.key_hash.in_(hashes))).all()
    return sorted(rows, key=lambda row: hashes.index(row.key_hash))


def was_erased(session: Session, external_id: str) -> bool:
    """True when a citizen with this case-system id (by the one rule: case, spaces and Unicode
    form aside, :func:`block_hashes`) was erased or anonymised and no administrator lifted the
    block."""
    return bool(_block_rows(session, external_id))


def block_reason(session: Session, external_id: str) -> str | None:
    """Why this case-system id is blocked: "erased", "anonymised", or None (not blocked). Of
    several blocks (today's and an old one on the same id), today's."""
    rows = _block_rows(session, external_id)
    return rows[0].reason if rows else None


def block_external_id(session: Session, citizen: Citizen, reason: str) -> None:
    """Keep the citizen's case-system id as a keyed hash of its folded form only
    (:func:`block_hashes`), and drop it from the row (the model hook clears its key too)."""
    if not citizen.external_id:
        return
    line = clean_line(citizen.external_id)
    folded = external_id_hash(external_id_key(line) or line)
    # A query, not session.get: it also finds a block added and not yet flushed, so two citizens
    # stored before the one rule with the id in another case (»AV-9«, »av-9«) get one block.
    if session.scalar(sa.select(ErasedExternalId.key_hash).where(ErasedExternalId.key_hash == folded)) is None:
        session.add(ErasedExternalId(key_hash=folded, reason=reason))
    citizen.external_id = None


def forget_erasure(session: Session, external_id: str, *, user=None) -> bool:
    """Lift the block on an erased case-system id, so it can be created again; False if none.

    Lifts every block the id is refused by (:func:`block_hashes`: today's and one written before
    the folding), so what was refused can be created after. For an erasure made by mistake, or
    a person who comes back with a new case. Audited ("erasure_block_lifted", without the id);
    the caller commits.
    """
    rows = _block_rows(session, external_id)
    if not rows:
        return False
    for row in rows:
        session.delete(row)
    audit.record("erasure_block_lifted", purpose="external id", user=user)
    return True
