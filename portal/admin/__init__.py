"""Administration: users, companies and teams, and the audit log's viewer."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes  # noqa: E402,F401
from . import handover  # noqa: E402,F401
from . import indexer  # noqa: E402,F401
from . import teams  # noqa: E402,F401
from . import postcodes  # noqa: E402,F401
from . import integrations  # noqa: E402,F401
from . import audit_log  # noqa: E402,F401
from . import mail_queue  # noqa: E402,F401
from . import rules  # noqa: E402,F401
from . import citizen_access  # noqa: E402,F401  (art. 15: a citizen's access export)
