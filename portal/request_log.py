"""The server's request log never records a query string (review AU 7).

A search puts what was searched for in the URL (``/borgere/?q=Carsten+Thomsen``), and the
``same-origin`` Referrer-Policy sends that URL as the Referer of the next page. A log line
outlives every erasure and anonymisation, so the request lines the portal's own servers write
keep the path only, the query replaced by ``?…``: Werkzeug's (``flask run``, ``make run``) and,
when an operator turns gunicorn's access log on, gunicorn's (the request line, the query string
and the Referer atoms). The reverse proxy in front logs on its own: the README's nginx block
gives it a log format without the query and the Referer.

Nor does a request line keep a live token (review AZ 2; SECURITY.md: tokens are never logged):
a set-password link carries its token in the path (``/auth/set-password/<token>``), so that
segment is logged as ``…`` (:func:`without_secrets`), in the path atom gunicorn's
``%(U)s`` too. The link's page moves the token into the session at once and goes on at
``/auth/set-password``, so no later line of the same visit holds it either.
"""
from __future__ import annotations

import logging
import re

# A path's query in a request line or URL: "?" up to the request line's protocol (" HTTP/1.1"),
# a double quote (the end of a quoted field) or the end of the line; never to the first space, as
# a malformed request line (a script, a pasted URL) can hold spaces in its query (review AW 7).
# Werkzeug may wrap the line in colour codes: not anchored.
_QUERY = re.compile(r"\?(?:(?!\s+HTTP/\d)[^\"\n])*")
HIDDEN = "?…"
# A path segment that is a secret: the token of a set-password link, up to the next "/", "?",
# quote, space or end (a percent-encoded or malformed token too).
_TOKEN_PATH = re.compile(r"(/+auth/+set-password/+)[^\s?#/\"]+")  # //auth//… too (review BE 2)
TOKEN_HIDDEN = r"\1…"


def without_query(text: str) -> str:
    """``text`` (a request line or a URL) with every query string replaced by ``?…``."""
    return _QUERY.sub(HIDDEN, text)


def without_secrets(text: str) -> str:
    """``text`` (a request line, a path or a URL) without its query strings (:func:`without_query`)
    and with a set-password link's token replaced by ``…``."""
    return _TOKEN_PATH.sub(TOKEN_HIDDEN, without_query(text))


class QueryStringFilter(logging.Filter):
    """Drops the query strings and the tokens in paths from the request log records of Werkzeug
    and gunicorn (:func:`without_secrets`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):  # werkzeug: ('GET /p?q HTTP/1.1', '200', '-'), and its errors:
            # (400, "Bad request syntax ('GET /p?q=a b HTTP/1.1')"): every string argument
            record.args = tuple(without_secrets(arg) if isinstance(arg, str) else arg for arg in args)
        elif isinstance(args, dict):  # gunicorn.access: the atoms
            for key in ("r", "U", "f", "{referer}i"):
                if isinstance(args.get(key), str):
                    args[key] = without_secrets(args[key])
            if args.get("q"):
                args["q"] = "…"
        return True


REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


def init_app(_app=None) -> None:
    """Put the filter on the request loggers (once per process)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
            logger.addFilter(QueryStringFilter())
