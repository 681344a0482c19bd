"""Indexer: CV text extraction, outbox draining and index rebuilds.

Imports :mod:`matching` and the portal's models and row-to-profile mapping
(``store.models``, ``store.profiles``, ``store.outbox``), never the portal's routes.
The portal uses :mod:`indexer.extract` (upload checks) and :mod:`indexer.status`
(the admin status page), neither of which imports portal routes.
Submodules are imported explicitly (``from indexer.extract import extract_text``) so
importing the package stays cheap.
"""
