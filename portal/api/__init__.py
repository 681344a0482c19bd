"""The open API: JSON under /api/v1, described by /api/openapi.json (flask-smorest), docs at /api/docs.

Each area is a module with one smorest blueprint (:func:`portal.api.common.blueprint`): errors
as problem+json, the Bearer guard (token, scope, rate limit, idempotency, audit) and no CSRF
(cookies never authenticate here). The token pages (profile, administrators) and the docs page
are ordinary portal pages in :mod:`portal.api.pages`.
"""
from __future__ import annotations

import http

import marshmallow as ma
from flask import Flask, request
from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from ..errors import render_error

from . import messages, problems

messages.install()  # before any schema below or in the area modules is defined

API_VERSION = "1"


class ProblemSchema(ma.Schema):
    """An error (RFC 9457 problem details) with the explanation in Danish."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String(required=True)
    errors = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(),
                            metadata={"description": "Fejl pr. felt (ved ugyldige data)."})


class JobbroApi(Api):
    """flask-smorest, with problem+json errors only on the API's own blueprints.

    flask-smorest would register its JSON error handler for the whole app, which would turn
    the portal's error pages into JSON; the API blueprints attach their own instead.
    """

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        return None

    # The shared answers' descriptions, in Danish as the problems themselves (problems.TITLES
    # first): an operation that says more declares its own.
    DESCRIPTIONS = {
        400: "Ugyldig forespørgsel: kroppen er tom, ikke gyldig JSON eller for dybt indlejret.",
        401: "Ikke logget ind: adgangsnøglen mangler, er ugyldig, udløbet eller tilbagekaldt.",
        403: "Ingen adgang: nøglens rolle eller omfang (kun læse) giver ikke lov til dette.",
        404: "Findes ikke, eller du har ikke adgang til det.",
        409: "Konflikt: samme Idempotency-Key bruges stadig af en forespørgsel, der ikke er færdig "
             "(prøv igen efter Retry-After), eller forespørgslen er udført, men svaret kunne ikke "
             "gemmes (hent objektet med GET).",
        413: "For stor: forespørgslen er over grænsen.",
        415: "Forkert indholdstype: send JSON med 'Content-Type: application/json' (en fil som "
             "multipart/form-data).",
        422: "Ugyldige data: se 'errors' pr. felt. Eller Idempotency-Key er brugt til en anden forespørgsel.",
        429: "For mange kald: vent det antal sekunder, Retry-After angiver.",
    }

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": self.DESCRIPTIONS.get(status) or problems.TITLES.get(status) or status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Fejl (problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, problems.MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class CommonResponses(BasePlugin):
    """Declares on every operation the answers the guard and the body check give to any of them:
    401 (no or a bad token), 403 (the token's role or scope), 429 (the rate limit), 404 where
    the path names an object, 400/413/415 where a request carries a body (``body.py``), and 422
    and 409 where it takes an ``Idempotency-Key`` (a key reused for another request,
    ``guard._replay``; the same key while its first request still runs).
    The endpoints' own answers (422, 409, 412, ...) stay declared where they are (with the
    Idempotency-Key case added to their description), and every error answer declared without
    a body gets the problem+json one the server sends."""

    ALWAYS = {"401": "UNAUTHORIZED", "403": "FORBIDDEN", "429": "TOO_MANY_REQUESTS"}
    WITH_BODY = {"400": "BAD_REQUEST", "413": "REQUEST_ENTITY_TOO_LARGE", "415": "UNSUPPORTED_MEDIA_TYPE"}
    # What an operation's own 409/422 gains when it also takes an Idempotency-Key (guard._replay).
    IDEMPOTENCY = {"409": " Eller: samme Idempotency-Key bruges stadig af en forespørgsel, der ikke er færdig "
                          "(prøv igen efter Retry-After), eller forespørgslen er udført, men svaret "
                          "kunne ikke gemmes (hent objektet med GET).",
                   "422": " Eller: Idempotency-Key er brugt til en anden forespørgsel."}

    def init_spec(self, spec) -> None:
        super().init_spec(spec)
        self.spec = spec

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for method, operation in (operations or {}).items():
            if method.lower() not in ("get", "post", "put", "patch", "delete"):
                continue
            # flask-smorest keys the endpoint's own answers by int (409), apispec writes them as
            # "409": keyed twice, our shared answer would replace the endpoint's own description.
            responses = {str(status): response for status, response in operation.get("responses", {}).items()}
            operation["responses"] = responses
            wanted = dict(self.ALWAYS)
            if path and "{" in path:
                wanted["404"] = "NOT_FOUND"
            if method.lower() in ("post", "put", "patch"):
                wanted.update(self.WITH_BODY)
            if any(isinstance(p, dict) and p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                for status, name in (("422", "UNPROCESSABLE_ENTITY"), ("409", "CONFLICT")):
                    own = responses.get(status)
                    if isinstance(own, dict) and "Idempotency-Key" not in own.get("description", ""):
                        own["description"] = own.get("description", "").rstrip() + self.IDEMPOTENCY[status]
                    wanted[status] = name
            for status, name in wanted.items():
                responses.setdefault(status, name)
            for status, response in responses.items():
                if status != "default" and int(status) >= 400 and isinstance(response, dict) \
                        and "$ref" not in response and not response.get("content"):
                    # The server answers every error as a problem (problems.py): declare its body.
                    response["content"] = {problems.MEDIA_TYPE: {"schema": self._problem_ref()}}

    def _problem_ref(self) -> dict:
        """A reference to :class:`ProblemSchema` (registered by the marshmallow plugin, which ran
        before this one)."""
        resolver = next(plugin.resolver for plugin in self.spec.plugins if hasattr(plugin, "resolver"))
        return resolver.resolve_schema_dict(ProblemSchema)


def _api_or_page_error(error: HTTPException):
    """404/405 under /api/v1 that no API blueprint handled (an unknown path) as problem+json;
    elsewhere the portal's own error page."""
    if request.path.startswith("/api/v1/") or request.path == "/api/v1":
        return problems.handle_http(error)
    return render_error(error.code or 500)


def init_app(app: Flask) -> None:
    """Register the API blueprints, the spec at /api/openapi.json, and the token pages."""
    from ..extensions import csrf
    from . import citizens, figures, guard, hotline, interviews, openings, pages, placements, proposals, wage_hours

    app.config.setdefault("API_TITLE", "Jobbro API")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", "300/minute")
    app.config.setdefault("API_RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": (
            "Jobbros åbne API. Godkend med en adgangsnøgle: 'Authorization: Bearer jbr_...'. En personlig "
            "nøgle (Adgangsnøgler til API) har brugerens egne rettigheder; jobcentrets egne systemer får en "
            "integrationsnøgle af en administrator (Integrationer) med medarbejderadgang, som ikke hører til "
            "en person. Fejl er application/problem+json med en dansk 'detail'.")},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": (
            "En adgangsnøgle (jbr_ og 43 tilfældige tegn) vises én gang, når den laves; Jobbro gemmer kun "
            "dens SHA-256 og de første 12 tegn, så listerne kan skelne nøglerne. Den virker til kl. 23.59 "
            "dansk tid på den valgte udløbsdag (højst et år frem), indtil den tilbagekaldes, eller mens dens "
            "bruger eller integration er aktiv; en deaktivering tilbagekalder den for altid. Nøglen skrives "
            "aldrig i loggen.")}}},
        "security": [{"bearerAuth": []}],
    })
    guard.init_app(app)
    api = JobbroApi(app)
    common = CommonResponses()
    common.init_spec(api.spec)
    api.spec.plugins.append(common)
    from . import webhook_docs  # the webhooks' bodies, OpenAPI 3.1 "webhooks" (review AS 7)
    webhook_docs.register(api.spec)
    for module in (openings, proposals, interviews, placements, hotline, citizens, wage_hours, figures):
        csrf.exempt(module.bp)
        api.register_blueprint(module.bp)
    app.register_blueprint(pages.bp)
    for status in (404, 405):
        app.register_error_handler(status, _api_or_page_error)
    app.view_functions["api-docs.openapi_json"] = guard.spec_guard(app.view_functions["api-docs.openapi_json"])
