"""Matching engine: relevance (encoders, lexical, fusion), ranking and search backends.

Imports nothing else of ours and never Flask; callers pass everything in as arguments.
"""
