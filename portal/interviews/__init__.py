"""Interview booking between a company and the job centre for a disclosed candidate.

The modules, by what the user does:

- :mod:`.booking`: offer times, book one, move, cancel (with :mod:`.slots`, the times offered,
  and :mod:`.refusals`, the rules checked first and the Danish refusals);
- :mod:`.answers`: the company's answer and its outcome after the interview;
- :mod:`.keeping`: an interview that stands although the pair has stopped, and keeping it;
- :mod:`.notices`: who is told and what they read (with :mod:`.ics`, the calendar file);
- :mod:`.queries`: reading the pair's interviews and naming them (nothing writes);
- :mod:`.common`: the refusal, the sides, the row lock, times in words;
- the web: :mod:`.routes` (thin views), :mod:`.panel` (what the pages show), :mod:`.forms`,
  :mod:`.access` (who may act, shared with the API) and :mod:`.answer_confirm`.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("interviews", __name__, url_prefix="/samtaler")

from . import panel, routes  # noqa: E402,F401
