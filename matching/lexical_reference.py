"""Build the lexical reference statistics (``matching/tables/lexical-reference-v1.npz``).

The reference tops up a small collection's IDF (``matching.lexical.floored``). It is the
statistics an index records (``LexicalStats``: per hashed character n-gram, how many
documents hold it; no text), read from a memory backend's snapshot file, both kinds together
as a ranking uses them. The shipped file was read from the demo's index (synthetic citizens
and openings only; matching/tables/PROVENANCE.md):

    flask --app portal setup            # the demo data
    python -m indexer rebuild           # its index, with its lexical statistics
    python -m matching.lexical_reference --index instance/matching-index.npz \\
        --out matching/tables/lexical-reference-v1.npz
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from matching.backends.snapshot import SnapshotBackend
from matching.index_meta import index_lexical_stats


def build(index: Path, out: Path) -> str:
    """Write the statistics of the snapshot ``index`` to ``out``; returns a one-line summary.

    Raises:
        ValueError: the index records no lexical statistics.
    """
    stats = index_lexical_stats(SnapshotBackend(index)).stats
    if stats is None:
        raise ValueError(f"{index} records no lexical statistics: rebuild it first")
    out.write_bytes(stats.to_bytes())
    return f"{out}: {stats.documents} documents, version {stats.version}, {out.stat().st_size} bytes"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a memory backend's snapshot file")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        print(build(args.index, args.out))
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
