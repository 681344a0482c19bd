"""CV text extraction: upload validation and text from PDF, DOCX and TXT, parsed in a sandbox.

Imports nothing of ours (only the standard library here; pypdf and python-docx run in the
sandboxed child), so the portal (upload checks) and the indexer (text of stored files) both
use it without depending on each other. The API lives in :mod:`cvtext.extract`.
"""
