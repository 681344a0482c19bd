"""Danish validation messages for the API's marshmallow schemas.

marshmallow keeps its messages as class attributes (``default_error_messages`` per field
class, ``Schema._default_error_messages``, the validators' message templates). The API is
the only user of marshmallow in the portal, so :func:`install` sets them once, at start,
and every ``errors`` entry of a 422 problem reads in Danish like the web's forms.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

FIELD_MESSAGES = {
    fields.Field: {"required": "Feltet skal udfyldes.", "null": "Feltet må ikke være null.",
                   "validator_failed": "Ugyldig værdi."},
    fields.String: {"invalid": "Skal være en tekst.", "invalid_utf8": "Teksten er ikke gyldig UTF-8."},
    fields.Integer: {"invalid": "Skal være et heltal."},
    fields.Number: {"invalid": "Skal være et tal.", "too_large": "Tallet er for stort."},
    fields.Float: {"special": "NaN og uendelig er ikke tilladt."},
    fields.Boolean: {"invalid": "Skal være true eller false."},
    fields.Date: {"invalid": "Skal være en dato (ÅÅÅÅ-MM-DD).",
                  "format": "\"{input}\" kan ikke skrives som en dato."},
    fields.DateTime: {"invalid": "Skal være et tidspunkt (ISO 8601, fx 2026-12-02T09:00:00+01:00).",
                      "invalid_awareness": "Tidspunktet skal have en tidszone.",
                      "format": "\"{input}\" kan ikke skrives som et tidspunkt."},
    fields.List: {"invalid": "Skal være en liste."},
    fields.Mapping: {"invalid": "Skal være et objekt."},
    fields.Email: {"invalid": "Skal være en gyldig e-mailadresse."},
    fields.Nested: {"type": "Ugyldig type."},
}
SCHEMA_MESSAGES = {"type": "Send et JSON-objekt.", "unknown": "Ukendt felt."}


def install() -> None:
    """Put the Danish messages in place of marshmallow's English ones (idempotent)."""
    for cls, messages in FIELD_MESSAGES.items():
        cls.default_error_messages = {**cls.__dict__.get("default_error_messages", {}), **messages}
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}
    validate.OneOf.default_message = "Skal være en af: {choices}."
    validate.Length.message_min = "Mindst {min} tegn."
    validate.Length.message_max = "Højst {max} tegn."
    validate.Length.message_all = "Mellem {min} og {max} tegn."
    validate.Length.message_equal = "Præcis {equal} tegn."
    validate.Range.message_min = "Skal være {min_op} {{min}}."
    validate.Range.message_max = "Skal være {max_op} {{max}}."
    validate.Range.message_all = "Skal være {min_op} {{min}} og {max_op} {{max}}."
    validate.Range.message_gt = "større end"
    validate.Range.message_gte = "større end eller lig med"
    validate.Range.message_lt = "mindre end"
    validate.Range.message_lte = "mindre end eller lig med"
    _between_when_inclusive()
    validate.Email.default_message = "Skal være en gyldig e-mailadresse."
    validate.URL.default_message = "Skal være en gyldig URL."
    validate.Regexp.default_message = "Har ikke det rigtige format."
    validate.Equal.default_message = "Skal være {other}."
    validate.Predicate.default_message = "Ugyldig værdi."
    validate.NoneOf.default_message = "Ugyldig værdi."
    validate.ContainsOnly.default_message = "Et eller flere valg er ikke blandt: {choices}."
    validate.ContainsNoneOf.default_message = "Et eller flere valg må ikke være: {values}."


# A range with both ends included (every Range of the API, e.g. ?limit=): "Skal være mellem 1 og
# 100.", not "større end eller lig med 1 og mindre end eller lig med 100" (API review).
BETWEEN = "Skal være mellem {min} og {max}."


def _between_when_inclusive() -> None:
    """Make a Range with both ends included say :data:`BETWEEN` (marshmallow builds its
    message from the two bounds' words in ``__init__``; once, however often install runs)."""
    built = validate.Range.__init__
    if getattr(built, "says_between", False):
        return

    def __init__(self, *args, **kwargs) -> None:
        built(self, *args, **kwargs)
        if self.min_inclusive and self.max_inclusive:
            self.message_all = BETWEEN

    __init__.says_between = True
    validate.Range.__init__ = __init__
