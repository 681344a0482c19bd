"""The iCalendar invitation for an interview (RFC 5545 / iTIP RFC 5546), built with ``icalendar``.

The UID is ``Interview.uid`` and SEQUENCE ``Interview.sequence``, so a calendar that got the
REQUEST updates or removes the same entry when a CANCEL with a higher sequence follows.
Times are written in UTC. The document names the opening and the company, never the
citizen: a calendar entry outlives a withdrawn consent.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta, timezone

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText

from store import clock
from store.models import Interview, User

PRODID = "-//Jobbro//Jobsamtaler//DA"
ORGANIZER_NAME = "Jobcentret (Jobbro)"


def invitation(interview: Interview, method: str, *, title: str, company: str,
               attendees: Iterable[User]) -> str:
    """The iCalendar text for ``interview``.

    Args:
        interview: the interview (its uid, sequence, start, duration, location).
        method: "REQUEST" (invite or update) or "CANCEL".
        title: the opening's title (SUMMARY "Jobsamtale: <title>").
        company: the company's name, for the description.
        attendees: the users invited (:func:`.notices.recipients` of both sides).

    Returns:
        The document as text (CRLF line endings, as RFC 5545 asks).
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method!r}")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    start = interview.starts_at
    start = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
    start = start.astimezone(timezone.utc)
    event.add("uid", interview.uid)
    event.add("sequence", interview.sequence)
    event.add("dtstamp", clock.utcnow().replace(microsecond=0))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=interview.duration_minutes))
    event.add("summary", f"Jobsamtale: {title}")
    event.add("location", interview.location)
    event.add("description", f"Jobsamtale om »{title}« hos {company}. Detaljer i Jobbro.")
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{current_app.config.get('MAIL_SENDER') or 'noreply@jobbro.local'}")
    organizer.params["cn"] = vText(ORGANIZER_NAME)
    event.add("organizer", organizer)
    for user in attendees:
        if not user.email:
            continue
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(user.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical().decode("utf-8")
