"""Writing ``Proposal.explanation`` beside the other steps that write it.

The explanation is one JSON value: the facts the decision was made on (the ranking's, stored
by :func:`portal.candidates.service.record_decision`), and the marks later steps set beside
them: a kept interview (:data:`portal.interviews.keeping.KEPT`), a hold after a change of the
opening's requirements (:data:`portal.proposals_hold.MARK`, :mod:`portal.openings.requirements`),
an end while on hold (:data:`portal.proposals_hold.ENDED_ON_HOLD`,
:mod:`portal.candidates.opening_done`), and on the demo's seeded proposals the matcher's facts
(:mod:`portal.demo.facts`). A write replaces the whole value, so a step that read it, and wrote
it back after another step had written its own mark, dropped that mark: the last write won.

So every step that writes the explanation back from what it read reads it under the row's lock,
and decides its change on the explanation as it is then:

- the interview steps and ending a proposal take :func:`portal.interviews.common.lock` before
  they read anything;
- a step that reads many proposals first (the candidates of an opening, a batch of seeded
  proposals) takes :func:`lock` just before it writes.

Steps that replace the whole explanation without reading it mean to drop what was there and
need no lock: a new decision on the pair (:func:`portal.proposals.renew`) and an erasure's
blanking (:mod:`portal.privacy`). A step that merges into it afterwards reads what they left.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.models import Proposal


def lock(session: Session, proposals: Iterable[Proposal]) -> set[int]:
    """Hold the rows of ``proposals`` until the commit, and read them again (their objects
    then hold the committed values: the explanation as it is now). Returns the ids of those
    still there (one deleted meanwhile, by an anonymisation, is not).

    On PostgreSQL the rows are locked with ``SELECT ... FOR UPDATE`` in id order, so two steps
    locking overlapping sets never deadlock; a step that already holds one (a kept interview:
    :func:`portal.interviews.common.lock`) is waited for. SQLite ignores ``FOR UPDATE``: a
    no-op write first takes the database's write lock (as the interview lock does), so no
    other writer commits between this read and the caller's write. The caller's pending
    changes are flushed before the read, so none are lost. Taking it again in the same
    transaction only reads the rows again.
    """
    ids = sorted({proposal.id for proposal in proposals})
    if not ids:
        return set()
    if session.get_bind().dialect.name != "postgresql":
        table = Proposal.__table__
        session.execute(sa.update(table).where(table.c.id.in_(ids))
                        .values(status=table.c.status, updated_at=table.c.updated_at))
    rows = session.scalars(sa.select(Proposal).where(Proposal.id.in_(ids)).order_by(Proposal.id)
                           .with_for_update().execution_options(populate_existing=True)).all()
    return {row.id for row in rows}
