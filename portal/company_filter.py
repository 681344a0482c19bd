"""``?virksomhed=<id>``: a staff list narrowed to one company's rows.

The staff's follow-up list (``/forloeb/opfoelgning``) and hotline list (``/hotline/``) take it,
so a count per company elsewhere (the Code of Care partners' missing hours and waiting hotline
requests, ``/partner/partnere``) can link to exactly the rows it counts. The filter is read
here once for both: absent (or empty) is no filter; an id that is not a number, too long to be
one, or no company's is refused with a Danish message, so the list is never shown unfiltered
under a filter the reader believes in, and never a 500. Only staff routes read it: a company
user's own lists are its company's whatever the URL says.
"""
from __future__ import annotations

from dataclasses import dataclass

from .extensions import db
from store.models import Company

PARAM = "virksomhed"
MAX_ID_DIGITS = 9  # ids stay far below a billion; a longer number never reaches the database
NOT_A_NUMBER = ("Virksomhedsfilteret skal være en virksomheds nummer i portalen (et tal), fx fra listen over "
                "Code of Care-partnere. Listen er derfor ikke vist.")


@dataclass(frozen=True)
class CompanyFilter:
    """What ``?virksomhed=`` asked for: nothing, a company, or a refusal (``problem``, Danish).

    ``status``: the HTTP status a list refusing the filter answers with (400 for a malformed
    id, 404 for an unknown company; 200 otherwise).
    """

    company: Company | None = None
    problem: str | None = None
    status: int = 200

    @property
    def company_id(self) -> int | None:
        """The chosen company's id, for queries and for the list's links; None when none is chosen."""
        return self.company.id if self.company is not None else None


def read(args) -> CompanyFilter:
    """The filter of a request's query ``args`` (``request.args``)."""
    raw = (args.get(PARAM) or "").strip()
    if not raw:
        return CompanyFilter()
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_ID_DIGITS:
        return CompanyFilter(problem=NOT_A_NUMBER, status=400)
    company = db.session.get(Company, int(raw))
    if company is None:
        return CompanyFilter(problem=f"Der findes ingen virksomhed med nummer {int(raw)} i portalen. "
                                     f"Listen er derfor ikke vist.", status=404)
    return CompanyFilter(company)
