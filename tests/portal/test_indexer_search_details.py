"""/admin/indexer names, for Elasticsearch, the address (without credentials) and per kind
the alias and the index behind it (review BL 3); an unreachable backend is not waited for
again and shows »–«; the in-process backend shows nothing new."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from matching.backends import BackendUnavailable
from portal.admin import indexer as indexer_page
from portal.matching_runtime import BackendBreaker


class FakeElasticsearch:
    """The read side /admin/indexer uses of ``ElasticsearchBackend``."""

    def __init__(self, *, down: bool = False) -> None:
        self.down, self.calls = down, []

    def alias(self, kind: str) -> str:
        return f"kommune-{kind}"

    def _read(self, name: str, kind: str):
        self.calls.append((name, kind))
        if self.down:
            raise BackendUnavailable("elasticsearch unreachable: connection refused")

    def count(self, kind: str) -> int:
        self._read("count", kind)
        return 0

    def stray_indices(self, kind: str) -> list[str]:
        self._read("stray_indices", kind)
        return []

    def live_indices(self, kind: str) -> list[str]:
        self._read("live_indices", kind)
        return [f"kommune-{kind}-20261206195152-461841410"] if kind == "citizen" else []


@pytest.fixture
def elasticsearch(app, monkeypatch):
    def use(fake: FakeElasticsearch) -> FakeElasticsearch:
        app.config.update(MATCHING_BACKEND="elasticsearch",
                          ELASTICSEARCH_URL="https://jobbro:hemmeligt@es.kommune.dk:9200/")
        breaker = BackendBreaker(fake)
        monkeypatch.setattr(indexer_page, "matching_service", lambda: SimpleNamespace(backend=breaker))
        return fake
    return use


def _page(client, auth, make_user) -> str:
    auth.login(make_user("admin").email)
    response = client.get("/admin/indexer")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _cell(html: str, testid: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(rf'data-testid="{testid}">(.*?)</td>', html, re.DOTALL).group(1))


def test_elasticsearch_s_address_alias_and_index_are_named(app, client, auth, make_user, elasticsearch):
    elasticsearch(FakeElasticsearch())
    html = _page(client, auth, make_user)
    assert _cell(html, "search-url") == "https://es.kommune.dk:9200/"
    assert "hemmeligt" not in html and "jobbro:" not in html
    assert _cell(html, "search-index-citizen") == "alias kommune-citizen → kommune-citizen-20261206195152-461841410"
    assert _cell(html, "search-index-opening") == "alias kommune-opening → intet indeks"


def test_an_unreachable_elasticsearch_is_asked_once_and_shown_as_unknown(app, client, auth, make_user, elasticsearch):
    fake = elasticsearch(FakeElasticsearch(down=True))
    html = _page(client, auth, make_user)
    assert _cell(html, "search-index-citizen") == "alias kommune-citizen → –"
    assert _cell(html, "search-index-opening") == "alias kommune-opening → –"
    assert _cell(html, "search-url") == "https://es.kommune.dk:9200/"
    assert fake.calls == [("count", "citizen")]  # the breaker answers every later read at once


def test_the_in_process_backend_shows_nothing_new(app, client, auth, make_user):
    html = _page(client, auth, make_user)
    assert 'data-testid="search-url"' not in html and 'data-testid="search-index-citizen"' not in html


def test_credentials_are_left_out_of_every_address():
    assert indexer_page.without_credentials("http://u:p@a:9200, https://b:9201") == "http://a:9200, https://b:9201"
    assert indexer_page.without_credentials("http://127.0.0.1:9200") == "http://127.0.0.1:9200"
