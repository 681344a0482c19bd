"""The endpoint page: the secret's rotation is confirmed first, the signature sample is in Danish."""
from __future__ import annotations

import html
import io
import re
import time
import tokenize

from portal.webhooks import sender

from .conftest import add_endpoint


def _page(wh_app, client, auth, make_user) -> tuple[int, str]:
    user = make_user("company")
    endpoint_id = add_endpoint(wh_app, "https://8.8.8.8/hook", company_id=user.company_id)
    auth.login(user.email)
    return endpoint_id, client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)


def test_rotating_the_secret_takes_a_second_step_that_says_what_happens(wh_app, client, auth, make_user):
    endpoint_id, page = _page(wh_app, client, auth, make_user)
    action = f'action="/webhooks/{endpoint_id}/hemmelighed"'
    assert page.count(action) == 1
    confirm = re.search(r'<details class="jobbro-confirm" data-testid="rotate-confirm">(.*?)</details>',
                        page, re.DOTALL)
    assert confirm is not None and action in confirm.group(1)
    summary, rest = confirm.group(1).split("</summary>", 1)
    assert "Roter hemmelighed" in summary and "<button" not in summary
    assert "holder op med at virke med det samme" in rest and "kan ikke fortrydes" in rest


def _snippet(page: str) -> str:
    code = re.search(r'<pre data-testid="verify-snippet"><code>(.*?)</code></pre>', page, re.DOTALL).group(1)
    return html.unescape(code)


def test_the_signature_sample_works_and_explains_itself_in_danish(wh_app, client, auth, make_user):
    _, page = _page(wh_app, client, auth, make_user)
    source = _snippet(page)

    namespace: dict = {}
    exec(compile(source, "snippet", "exec"), namespace)  # noqa: S102 - our own sample, shown to users
    body, stamp = b'{"id": "evt_1"}', str(int(time.time()))
    headers = {"Webhook-Timestamp": stamp, "Webhook-Signature": sender.sign("whsec_x", stamp, body)}
    assert namespace["verify"]("whsec_x", headers, body) is True
    assert namespace["verify"]("whsec_y", headers, body) is False

    prose = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
             if tok.type == tokenize.COMMENT or (tok.type == tokenize.STRING and tok.string.startswith('"""'))]
    assert prose, "the sample explains itself"
    english = {"the", "if", "is", "and", "from", "comes", "most", "old", "request", "when", "with", "of"}
    for text in prose:
        words = set(re.findall(r"[a-zæøå]+", text.lower()))
        assert not words & english, text


def test_the_page_quotes_the_danish_way(wh_app, client, auth, make_user):
    """»…« as on most of the portal's pages, never “…” or «…»."""
    _, page = _page(wh_app, client, auth, make_user)
    assert "Prøv knappen »Send testhændelse«." in page
    assert not re.search(r"[“”]|«\w", page)  # « opens no quote, it closes one
