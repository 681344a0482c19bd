"""Indexer: outbox draining, batch encoding and index rebuilds.

Imports :mod:`matching`, :mod:`store` (models, profiles, outbox, database sessions) and
:mod:`cvtext` (text of uploaded CV files), never :mod:`portal`: the command line opens its
own database engine from the shared settings (:mod:`store.settings`).
Submodules are imported explicitly (``from indexer.worker import OutboxWorker``) so
importing the package stays cheap.
"""
