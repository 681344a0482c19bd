"""The domain error base: a broken rule with a Danish message and the form field to blame.

No Flask and no WTForms here: services raise these; routes show them with
:func:`portal.formutil.attach_error`.
"""
from __future__ import annotations


class RuleError(ValueError):
    """A domain rule is broken; ``message`` is Danish, ``field`` the form field to blame (or None).

    Services raise a subclass and write nothing; routes show it with :func:`portal.formutil.attach_error`.
    A service that checks several fields raises every broken rule at once (:func:`raise_all`):
    the first error carries the others in ``also``, so the form shows them all in one round.
    """

    def __init__(self, message: str, field: str | None = None, *, also: tuple[RuleError, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.field, self.also = message, field, tuple(also)

    @property
    def every(self) -> tuple[RuleError, ...]:
        """This error and the ones raised with it, in the order they were found."""
        return (self, *self.also)


def raise_all(errors: list[RuleError]) -> None:
    """Raise the first of ``errors`` with the rest in its ``also``; nothing when the list is empty."""
    if errors:
        first, *rest = errors
        first.also = (*first.also, *rest)
        raise first
