"""Flask extensions, created unbound and bound in the application factory.

``db`` is created with the models in ``store`` (shared with the indexer) and bound here.
"""
from __future__ import annotations

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from store.db import db

login_manager = LoginManager()
csrf = CSRFProtect()
migrate = Migrate()

__all__ = ["csrf", "db", "login_manager", "migrate"]
