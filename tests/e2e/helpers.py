"""Reading a page only once its scripts have done their part (browser tests).

The portal's scripts are loaded with ``defer`` (templates/base.html): they run once the whole
document is parsed, and jobbro.js, session.js and dashboard.js do their work in DOMContentLoaded
listeners (wrap tables, error summary and focus, the folded menu, the kept form, the charts). An
element the server wrote can be found while the page is still being parsed: before the rest of
the page is there and before any script has run. A click that navigates returns once the new
page has committed, often with nothing parsed yet.

So a one-shot read (``count()``, ``is_visible()``, ``all_inner_texts()``, ``page.content()``,
``page.evaluate(...)``, the console errors so far) right after waiting for one element or after
an action is a race: use a retrying ``expect(...)``, or call one of these first. An absence above
all: read too early, it passes whatever the page would have become.

(``page.wait_for_function`` with a string is no way out: it needs eval, which the portal's
Content-Security-Policy refuses.)
"""
from __future__ import annotations


def settled(page) -> None:
    """Wait until the page is parsed whole and its deferred scripts have run (DOMContentLoaded).

    Call it once the new page is there (one of its own elements or its URL waited for, or right
    after the click that navigated): before that, it is the old page that is waited for.
    """
    page.wait_for_load_state("domcontentloaded")


def loaded(page) -> None:
    """As ``settled``, and the style sheets, fonts and images are in too (the load event): before
    measuring the layout, running axe, or asserting that no resource failed (console errors)."""
    page.wait_for_load_state("load")
