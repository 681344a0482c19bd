"""A text area with a length limit counts down instead of cutting a pasted text off.

The browser's maxlength attribute truncates a paste without a word (a reviewer pasted 30,000
characters and 5,000 were kept, silently). A text area gets DKFDS's character limit instead;
the server's Length check then names the problem and keeps the text.
"""
from __future__ import annotations

import re

from flask import render_template_string
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from portal.formutil import DanishForm

MACRO = '{% from "macros/forms.html" import field %}{{ field(form.note) }}{{ field(form.title) }}'


class LimitedForm(DanishForm):
    note = TextAreaField("Note", validators=[Length(max=500)])
    title = StringField("Titel", validators=[Length(max=200)])


def test_a_limited_text_area_counts_down_and_a_short_field_keeps_its_maxlength(app):
    with app.test_request_context():
        html = render_template_string(MACRO, form=LimitedForm(meta={"csrf": False}))
    area = re.search(r'<div class="form-group jobbro-limit" data-maxlength="500" '
                     r'data-left="Du har \{n\} tegn tilbage" data-over="Du har \{n\} tegn for meget">(.*?)</div>',
                     html, re.S)
    assert area, html
    assert "<textarea" in area.group(1) and "maxlength" not in area.group(1)
    assert "Du kan skrive op til 500 tegn" in area.group(1) and 'aria-live="polite"' in area.group(1)
    assert re.search(r'<input[^>]*id="title"[^>]*maxlength="200"', html)


def test_the_counter_says_i_to_a_company_and_writes_the_limit_with_a_thousands_separator(client, auth, make_user):
    """Review AD 14: »I kan skrive op til 5.000 tegn« on a company's page, as the rest of it says »I«."""
    company = make_user("company")
    auth.login(company.email)
    html = client.get("/hotline/ny").get_data(as_text=True)
    assert "I kan skrive op til 5.000 tegn" in html and "Du kan skrive op til" not in html
    assert 'data-left="I har {n} tegn tilbage" data-over="I har {n} tegn for meget"' in html


def test_a_too_long_text_is_refused_with_the_text_kept(client, auth, make_user):
    """The hotline form, end to end: 6,000 characters are refused in Danish, none are lost."""
    company = make_user("company")
    auth.login(company.email)
    text = "Lang besked. " * 462  # 6,006 characters
    token = auth.csrf_token("/hotline/ny")
    page = client.post("/hotline/ny", data={"csrf_token": token, "category": "andet", "urgency": "normal",
                                            "subject": "For lang", "message": text})
    html = page.get_data(as_text=True)
    assert text.strip() in html and "Henvendelsen er sendt" not in html
    assert re.search(r"5\.?000 tegn", html)


def test_the_log_out_form_does_not_repeat_the_page_forms_ids(client, auth, make_user):
    """The header's log-out form sits on every page; its CSRF field once shared the id
    "csrf_token" with the page's own form (an id must be unique: WCAG 4.1.1)."""
    company = make_user("company")
    auth.login(company.email)
    html = client.get("/hotline/ny").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert "csrf_token" not in ids and "logout-csrf-token" in ids  # the page's own form's has no id
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
