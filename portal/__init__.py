"""Jobbro portal: the Flask application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from store import settings as store_settings

from . import config as config_module

ROOT = Path(__file__).resolve().parent.parent


class DatabaseIdConverter(IntegerConverter):
    """``<int:id>`` that only matches ids a database column can hold (else 404, not 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the portal application.

    Configuration: defaults, then the environment, then ``test_config``.

    Raises:
        config_module.ConfigError: in production mode without the required secrets, or for an
            unusable setting (unknown JOBBRO_ENV, negative TRUSTED_PROXY_HOPS, ...).
    """
    app = Flask(
        __name__,
        instance_path=instance_path(test_config),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(config_module.defaults(app.instance_path))
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_module.finalise(app.config, app.instance_path)

    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_favicon(app)
    register_hooks(app)
    warn_missing_assets(app)
    return app


def warn_missing_assets(app: Flask) -> bool:
    """Log a warning when the front-end assets are missing (review BL 2): ``static/vendor/`` is
    not in git, only the Dockerfile or ``make assets`` provides it, and without it every page
    is served without the design system's CSS and JS. True when they are there."""
    vendor = Path(app.static_folder or "", "vendor", "dkfds")
    if vendor.is_dir():
        return True
    app.logger.warning("front-end assets missing: %s does not exist, so pages are served without "
                       "their CSS and JS; run `make assets` (or the Dockerfile's npm ci and copies; "
                       "README, \"Without Docker\")", vendor)
    return False


def instance_path(test_config: dict | None = None) -> str:
    """The instance folder: ``test_config["INSTANCE_PATH"]``, else JOBBRO_INSTANCE_PATH, else
    ``<repo>/instance``. Tests always pass their own, so a test run never writes into the
    checkout's folder that ``make run`` uses (database, secrets, matching index)."""
    return (test_config or {}).get("INSTANCE_PATH") or store_settings.instance_path()


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from the ``TRUSTED_PROXY_HOPS`` proxies in front.

    Behind a reverse proxy every request comes from the proxy's address, so the per-IP login
    throttle would lock out everyone at once and the audit IP would be the proxy's. Only the
    configured number of hops is believed: with 0 a client-sent X-Forwarded-For is ignored.
    X-Forwarded-Host is believed too (Apache sets it), so a proxy that forwards to
    127.0.0.1:8000 without passing the browser's Host still leaves the host the browser used,
    which the HTTPS form check compares with the Referer.
    """
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_extensions(app: Flask) -> None:
    from . import database, embedding_cache, files, i18n, privacy, request_log, schema
    from .extensions import csrf, db, login_manager, migrate

    import sqlalchemy as sa

    i18n.init_app(app)
    try:
        db.init_app(app)
    except (ImportError, sa.exc.NoSuchModuleError, sa.exc.ArgumentError) as err:  # review BB 4
        from .errors import DatabaseSettingError, database_problem

        raise DatabaseSettingError(database_problem(err, app.config.get("SQLALCHEMY_DATABASE_URI"))) from None
    database.init_app(app)
    embedding_cache.init_app(app)
    request_log.init_app(app)  # no query string in a request log line (review AU 7)
    privacy.init_app(app)  # the erasure page's list of hotline requests naming the citizen
    files.init_app(app)  # the CV file store, the one reader of UPLOAD_FOLDER
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    schema.init_app(app)  # before every other hook that reads the database
    csrf.init_app(app)
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    from . import api
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .candidates import bp as candidates_bp
    from .citizens import bp as citizens_bp
    from .dashboard import bp as dashboard_bp
    from .hotline import bp as hotline_bp
    from .imports import bp as imports_bp
    from .company_exports import bp as company_exports_bp
    from .interviews import bp as interviews_bp
    from .main import bp as main_bp
    from .notifications import bp as notifications_bp
    from .openings import bp as openings_bp
    from .partners import bp as partners_bp
    from .placements import bp as placements_bp
    from .stories import bp as stories_bp

    for blueprint in (auth_bp, main_bp, openings_bp, placements_bp, hotline_bp, citizens_bp,
                      candidates_bp, dashboard_bp, admin_bp, stories_bp, notifications_bp,
                      interviews_bp, partners_bp, imports_bp, company_exports_bp):
        app.register_blueprint(blueprint)
    from .webhooks import bp as webhooks_bp
    app.register_blueprint(webhooks_bp)
    api.init_app(app)
    # Retention tells the companies through the erasure's rule (the citizens area imports privacy).
    from .privacy import coarsening
    from .citizens import recipients
    app.extensions[coarsening.TELL_RECIPIENTS] = recipients.tell


FAVICON_MAX_AGE = 7 * 24 * 3600  # seconds


def register_favicon(app: Flask) -> None:
    """Serve ``static/favicon.ico`` at ``/favicon.ico``, where a browser looks for an icon by
    itself on what has no ``<link rel="icon">`` (a JSON answer, the OpenAPI document).

    It is the ``static`` endpoint, so, like any static file, it never writes the session
    cookie back (:class:`portal.security.PageSessionInterface`), and ``security``'s hook leaves
    its caching alone (it marks every answer of another endpoint ``no-store``); this hook makes
    the icon cacheable for :data:`FAVICON_MAX_AGE` (the other security headers stay).
    """
    from flask import request

    app.add_url_rule("/favicon.ico", endpoint="static", view_func=app.view_functions["static"],
                     defaults={"filename": "favicon.ico"})

    @app.after_request
    def _cache_favicon(response):
        if request.path == "/favicon.ico" and response.status_code in (200, 304):
            response.headers["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
        return response


def register_hooks(app: Flask) -> None:
    from . import cli, errors, notifications, security, templating

    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    notifications.init_app(app)
    cli.init_app(app)
