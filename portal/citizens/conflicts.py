"""Two consultants save the same citizen's caseworkers or skånehensyn from pages opened at once.

The forms carry, as the profile form does, the citizen's version and a fingerprint of their
fields as loaded (:func:`portal.merge.fingerprints`). A save whose version is not the saved one
is merged by :func:`portal.merge.merge` against what the page showed:

* Skånehensyn (health data): when someone else changed them meanwhile, nothing is saved; the
  form comes back (409) with this user's changes on top of the other person's, the other
  person's values named, and the saved version's number, so saving again keeps both.
* Caseworkers: only the fields this user changed are written; a field only the other person
  changed keeps their value, and the user is told. A field both changed to different people is
  refused (409), naming the other person's choice and keeping this user's in the form.

A version moved by something else (jobmål, CV, the profile) refuses nothing.

A save that passed these checks can still be refused by the version check itself, when
another save lands while it is on its way (at an autoflush in the unit or at the commit,
:func:`portal.citizens.pages.stale_save`): nothing is saved, and the form comes back the same
way, merged by the page's fingerprints, with the saved values named
(:func:`caseworkers_changed_while_saving`, :func:`limitations_message`).
"""
from __future__ import annotations

from collections.abc import Mapping

from cvtext.extract import normalise_text

from .. import merge
from ..extensions import db
from store.models import Citizen, User
from store.models.vocab import LIMITATION_FLAGS

LIMITATION_FIELDS = ("limitation_flags", "limitations_text")
CASEWORKER_FIELDS = ("vk_id", "adviser_id")
_LABELS = {"limitation_flags": "de markerede skånehensyn", "limitations_text": "beskrivelsen",
           "vk_id": "virksomhedskonsulent", "adviser_id": "beskæftigelsesrådgiver"}


def limitation_values(flags: list[str], text: str) -> dict[str, object]:
    """Skånehensyn as :func:`portal.citizens.service.update_limitations` stores them."""
    return {"limitation_flags": sorted(set(flags)), "limitations_text": normalise_text(text or "", 2000)}


def caseworker_values(vk_id: int | None, adviser_id: int | None) -> dict[str, object]:
    """The chosen caseworkers as stored (the form's 0, »ingen«, is None)."""
    return {"vk_id": vk_id or None, "adviser_id": adviser_id or None}


def load(form, citizen: Citizen, fields: tuple[str, ...]) -> None:
    """Put the saved version and the fields' fingerprints in ``form``'s hidden fields."""
    form.version.data = str(citizen.version)
    form.base.data = merge.fingerprints(citizen, fields)


def found(form, citizen: Citizen, posted: Mapping[str, object], fields: tuple[str, ...]) -> merge.Merge | None:
    """What someone else changed among ``fields`` since ``form``'s page was loaded, or None when
    the version is still the page's (or only other fields moved it)."""
    if form.version.data == str(citizen.version):
        return None
    result = merge.merge(citizen, posted, form.base.data, fields)
    return result if result.theirs else None


def changed_while_saving(yours: str) -> str:
    """Said when another save of the citizen landed while this one was on its way (the
    version check at the commit): nothing saved; ``yours`` ("dit valg") is still in the form."""
    return (f"Borgeren blev ændret af en anden, lige mens du gemte, så intet er gemt. Det gemte står på "
            f"siden; {yours} står i formularen. Tjek det, og gem igen.")


def _shown(name: str, value) -> str:
    if name == "limitation_flags":
        return merge.shown_value([LIMITATION_FLAGS.get(flag, flag) for flag in value or ()])
    if name in CASEWORKER_FIELDS:
        person = db.session.get(User, value) if value else None
        return merge.shown_value(person.name if person else "ingen")
    return merge.shown_value(value)


def _named(citizen: Citizen, names, prefix: str = "") -> list[str]:
    return [f"{_LABELS[n]} ({prefix}{_shown(n, getattr(citizen, n))})" for n in names]


def limitations_message(citizen: Citizen, result: merge.Merge) -> str:
    """The refused skånehensyn save's message: what the other person saved, field by field."""
    theirs = _named(citizen, [n for n in result.theirs if n not in result.both])
    both = _named(citizen, result.both, "den anden: ")
    return merge.conflict_message("Borgerens skånehensyn", theirs, both).replace(
        "Tjek formularen", "De gemte skånehensyn står øverst på siden. Tjek formularen")


def caseworker_clash(citizen: Citizen, posted: Mapping[str, object], result: merge.Merge) -> list[str]:
    """The fields both changed, to different people."""
    return [n for n in result.both if posted[n] != getattr(citizen, n)]


def caseworkers_message(citizen: Citizen, clash: list[str]) -> str:
    """The refused caseworker save's message (``clash``: :func:`caseworker_clash`)."""
    return (f"Sagsbehandlerne er blevet ændret af en anden, mens du redigerede, så intet er gemt. "
            f"I har begge ændret {', '.join(_named(citizen, clash, 'den anden: '))}. Formularen viser dit "
            "valg: tryk »Gem« igen for at bruge det, eller vælg den andens.")


def caseworkers_now(citizen: Citizen) -> str:
    """The caseworkers saved now, in a sentence."""
    return "Gemt nu: " + ", ".join(f"{_LABELS[n]} {_shown(n, getattr(citizen, n))}" for n in CASEWORKER_FIELDS) + "."


def caseworkers_changed_while_saving(citizen: Citizen, posted: Mapping[str, object],
                                     result: merge.Merge | None) -> str:
    """Said when another save of the citizen landed while this caseworker save was on its way
    (the version check at an autoflush or the commit): nothing saved; what the other person
    changed (``result``, by the page's fingerprints) is named, a field only they changed is in
    the form now, the user's choice of a field both changed is kept, and the saved caseworkers
    are named."""
    message = "Borgeren blev ændret af en anden, lige mens du gemte, så intet er gemt."
    if result is not None:
        clash = caseworker_clash(citizen, posted, result)
        taken = [n for n in result.theirs if n not in clash]
        if taken:
            message += f" Den anden ændrede {', '.join(_named(citizen, taken))}; det står nu i formularen."
        if clash:
            message += (f" I har begge ændret {', '.join(_named(citizen, clash, 'den anden: '))}; "
                        "formularen viser dit valg.")
    return f"{message} {caseworkers_now(citizen)} Tjek formularen, og tryk »Gem« igen for at gemme den."


def kept_note(citizen: Citizen, result: merge.Merge | None) -> str:
    """Said after a caseworker save that kept the other person's change of a field this user left
    alone ("" when there was none)."""
    if result is None or not result.take:
        return ""
    return (f"En anden havde imens ændret {', '.join(_named(citizen, list(result.take)))}; "
            "det er bevaret, og kun det, du ændrede, er gemt.")
