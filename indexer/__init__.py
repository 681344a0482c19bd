"""Indexer: CV text extraction, outbox draining and index rebuilds.

Imports :mod:`matching`, never the portal. Submodules are imported explicitly
(``from indexer.extract import extract_text``) so importing the package stays cheap.
"""
