"""``python -m indexer run|drain|rebuild|status|verify|bench|rerank train`` (see indexer.cli)."""
from __future__ import annotations

import sys

from indexer.cli import main

sys.exit(main())
