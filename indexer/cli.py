"""Command line: ``python -m indexer run|drain|rebuild|status|verify|bench|rerank train``.

Every command reads the settings it shares with the portal (``DATABASE_URL``,
``MATCHING_BACKEND``, ``MATCHING_ENCODER``, ``ELASTICSEARCH_*``, ``MATCHING_INDEX_PATH``,
``UPLOAD_FOLDER``; :mod:`store.settings`) and opens its own database engine: it never builds
the portal app. The indexer code below this module only takes arguments.

Exit codes: 0 success; 1 work left (drain: events still pending, with the reason on
stderr), a difference found (verify) or another rebuild running (rebuild, without
``--force``); 2 configuration or database not usable.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from tqdm import tqdm

from matching.backends import MatchBackend
from matching.encoders import Encoder, EncoderUnavailable
from matching.concept_channel import ConceptChannel, scoring_name, table_version
from matching.concepts import ConceptTableError
from matching.rerank import history_secret
from matching.settings import (
    MatchingSettings, make_configured_backend, make_configured_concepts, make_configured_encoder,
)
from store import settings as store_settings
from store.database import open_engine, session_factory
from store.index_status import CLI_KEYS, indexer_status

log = logging.getLogger("indexer")


@dataclass
class Context:
    """The configured pieces one command needs."""

    session: Session
    settings: MatchingSettings
    encoder: Encoder
    backend: MatchBackend
    instance_path: str = ""

    @functools.cached_property
    def history_secret(self) -> bytes:
        """The re-ranking's decision history key, from ``PSEUDONYM_KEY`` as the portal reads
        it (:func:`store.settings.pseudonym_key`): only the re-ranking's commands need it.

        Raises:
            ConfigProblem: production without ``PSEUDONYM_KEY``.
        """
        try:
            return history_secret(store_settings.pseudonym_key(self.instance_path))
        except (store_settings.ConfigError, ValueError) as err:
            raise ConfigProblem(str(err)) from err

    @functools.cached_property
    def concepts(self) -> ConceptChannel | None:
        """The portal's concept channel (``MATCHING_CONCEPTS``), loaded on first use: only the
        re-ranking's commands need it, so the others never read the table.

        Raises:
            ConfigProblem: the table file is missing or invalid.
        """
        try:
            return make_configured_concepts(self.settings, self.encoder.name)
        except ConceptTableError as err:
            raise ConfigProblem(str(err)) from err

    @functools.cached_property
    def concept_version(self) -> str | None:
        """The concept table's version (``MATCHING_CONCEPTS``), read from its metadata only:
        the concept profiles a sweep keeps. None when the channel is off.

        Raises:
            ConfigProblem: the table file is missing or invalid.
        """
        try:
            return table_version(self.settings.concepts)
        except ConceptTableError as err:
            raise ConfigProblem(str(err)) from err

    @property
    def scoring(self) -> str:
        """What the portal's relevance scores are made with (``scoring_name``)."""
        return scoring_name(self.encoder.name, self.concepts)


class ConfigProblem(RuntimeError):
    """The configuration names something that does not exist or cannot load."""


@contextlib.contextmanager
def configured_context() -> Iterator[Context]:
    """Open the configured database and yield a session, settings, encoder and backend.

    Raises:
        ConfigProblem: unknown backend or encoder, an encoder model that cannot load, or a
            setting that does not parse.
    """
    try:
        shared = store_settings.load()
        settings = shared.matching
        encoder = make_configured_encoder(settings)
        # Elasticsearch fixes the vector size in its mapping, so it needs the model's.
        dims = encoder.dimension if settings.backend != "memory" else None
        backend = make_configured_backend(settings, dims=dims)
    except (ValueError, EncoderUnavailable, store_settings.ConfigError) as err:
        raise ConfigProblem(str(err)) from err
    engine = open_engine(shared.database_url, shared.sqlite_synchronous)
    session = session_factory(engine)()
    try:
        yield Context(session, settings, encoder, backend, str(shared.instance_path))
    finally:
        session.close()
        engine.dispose()


def _ensure_encoder(ctx: Context) -> bool:
    """Rebuild an index built with another encoder before processing events.

    Returns:
        False when the backend or encoder is unavailable (logged; the caller retries or the
        drain reports the pending events), True otherwise.
    """
    from matching.backends import BackendUnavailable

    from .encoder_check import ensure_index_encoder
    from .progress import RebuildRunning

    try:
        ensure_index_encoder(ctx.session, ctx.backend, ctx.encoder,
                             upload_folder=ctx.settings.upload_folder,
                             rebuild_unreadable=ctx.settings.backend == "memory",
                             concept_version=ctx.concept_version)
    except (BackendUnavailable, EncoderUnavailable) as err:
        log.warning("cannot check the index's encoder yet: %s", err)
        return False
    except RebuildRunning as err:  # its result is checked once it is done
        log.warning("the index needs a rebuild, but %s: waiting for it", err)
        return False
    return True


def _worker(ctx: Context, batch_size: int):
    from .worker import OutboxWorker

    return OutboxWorker(ctx.session, ctx.backend, ctx.encoder,
                        upload_folder=ctx.settings.upload_folder, batch_size=batch_size,
                        concept_version=ctx.concept_version)


def cmd_drain(args: argparse.Namespace) -> int:
    with configured_context() as ctx:
        _ensure_encoder(ctx)
        pending = indexer_status(ctx.session, ctx.backend, backend_name=ctx.settings.backend,
                                 encoder_name=ctx.encoder.name)["pending"]
        with tqdm(total=pending, desc="Indekserer", unit=" ændringer", file=sys.stderr,
                  disable=not pending) as bar:
            total = _worker(ctx, args.batch_size).drain(
                max_wait=args.wait, on_batch=lambda result: bar.update(result.claimed))
        status = indexer_status(ctx.session, ctx.backend, backend_name=ctx.settings.backend,
                                encoder_name=ctx.encoder.name)
    print(f"drain: {total.claimed} events, {total.written} documents written, "
          f"{total.removed} removed, {total.failed} failed", file=sys.stderr)
    if status["failed"]:
        print(f"drain: {status['failed']} events have failed; see /admin/indexer for reasons",
              file=sys.stderr)
    if status["pending"]:
        reason = total.unavailable or "events are waiting for a retry"
        print(f"drain: {status['pending']} outbox events are still pending: {reason}",
              file=sys.stderr)
        return 1
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping after the current batch", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with configured_context() as ctx:
        log.info("indexer running: backend=%s encoder=%s", ctx.settings.backend, ctx.encoder.name)
        while not stop.is_set() and not _ensure_encoder(ctx):
            stop.wait(args.idle * 5)  # the backend is down: try again, as the worker would
        from .index_check import EmptyIndexCheck
        from .rerank_train import Schedule
        from .training import BackgroundTraining

        index_check = EmptyIndexCheck(ctx.session, ctx.backend, ctx.encoder,
                                      upload_folder=ctx.settings.upload_folder,
                                      concept_version=ctx.concept_version)
        # The training runs as ``python -m indexer rerank train`` in a process of its own:
        # the outbox keeps its cadence meanwhile, and a stop ends it within seconds.
        training = BackgroundTraining(ctx.session, Schedule(ctx.session, secret=ctx.history_secret,
                                                            encoder_name=ctx.scoring))

        def periodic() -> None:
            index_check()
            training()

        try:
            if not stop.is_set():
                index_check()  # at start: a lost or never-built index is rebuilt before anything else
            _worker(ctx, args.batch_size).run(stop.is_set, stop.wait, idle_seconds=args.idle,
                                              periodic=periodic)
        finally:
            training.stop()
    log.info("indexer stopped")
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from matching.backends import BackendUnavailable
    from store.index_status import REBUILD_STALE_AFTER

    from .progress import RebuildRunning
    from .rebuild import rebuild

    with configured_context() as ctx:
        try:
            result = rebuild(ctx.session, ctx.backend, ctx.encoder,
                             upload_folder=ctx.settings.upload_folder, chunk_size=args.chunk_size,
                             concept_version=ctx.concept_version, force=args.force)
        except RebuildRunning as err:
            minutes = int(REBUILD_STALE_AFTER.total_seconds() // 60)
            print(f"rebuild: not started: {err}. Its progress is on /admin/indexer; wait for it to end. "
                  f"A rebuild that reports nothing for {minutes} minutes counts as stopped and is taken over "
                  "by the next; --force starts this one anyway (only when the other has hung: two rebuilds "
                  "at once double the load and the last to finish wins).", file=sys.stderr)
            return 1
        except BackendUnavailable as err:  # nothing was switched: the live index is as it was
            print(f"rebuild: the index cannot be written: {err}; is {ctx.settings.backend} reachable? "
                  "The index in use is unchanged; run the rebuild again.", file=sys.stderr)
            return 2
    print(f"rebuild: {result.citizens} citizens and {result.openings} openings indexed, "
          f"{len(result.failures)} failed, {result.reconciled} reconciled", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    with configured_context() as ctx:
        status = indexer_status(ctx.session, ctx.backend, backend_name=ctx.settings.backend,
                                encoder_name=ctx.encoder.name)
    if status["backend_error"]:
        print(f"backend not reachable: {status['backend_error']}", file=sys.stderr)
    print(json.dumps({key: status[key] for key in CLI_KEYS}))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from matching.backends import BackendUnavailable

    from .verify import compare, differences

    with configured_context() as ctx:
        try:
            report = compare(ctx.session, ctx.backend)
        except BackendUnavailable as err:
            print(f"verify: the index cannot be read: {err}", file=sys.stderr)
            return 2
    for line in differences(report):
        print(f"verify: {line}", file=sys.stderr)
    if report["pending"]:
        print(f"verify: {report['pending']} outbox events are still pending "
              "(python -m indexer drain)", file=sys.stderr)
    print(json.dumps(report))
    return 0 if report["equal"] else 1


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_bench

    report = run_bench(citizens=args.citizens, openings=args.openings, encoder_spec=args.encoder)
    print(json.dumps(report))
    return 0


class _Stopped(BaseException):
    """SIGTERM or SIGINT during ``rerank train`` (BaseException: no ``except Exception`` in the
    training may swallow it)."""


def _stop_on_signal(signum: int, _frame: object) -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):  # a second signal must not interrupt the clean-up
        signal.signal(sig, signal.SIG_IGN)
    raise _Stopped(signum)


def cmd_rerank_train(args: argparse.Namespace) -> int:
    from .rerank_train import run, service_scorer

    # The worker runs this command in a process of its own and stops it with SIGTERM. The model
    # is stored in one commit at the end, so stopping before it leaves the stored one in use;
    # the session is closed (rolled back) on the way out.
    previous = {sig: signal.signal(sig, _stop_on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        with configured_context() as ctx:
            report = run(ctx.session, service_scorer(ctx.session, ctx.encoder, ctx.backend, ctx.concepts),
                         secret=ctx.history_secret, dry_run=args.dry_run,
                         min_decisions=args.min_decisions, encoder_name=ctx.scoring)
    except _Stopped as stopped:
        signum = int(stopped.args[0])
        print(f"rerank train: stopped by signal {signum}; a model is only ever stored whole, so the "
              "last complete one stays in use", file=sys.stderr)
        return 128 + signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(report["reason"], file=sys.stderr)
    print(json.dumps({key: value for key, value in report.items() if key != "model"}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="work until SIGTERM (the current batch finishes)")
    run.add_argument("--batch-size", type=int, default=64)
    run.add_argument("--idle", type=float, default=2.0, help="seconds between polls when idle")
    run.set_defaults(func=cmd_run)
    drain = sub.add_parser("drain", help="process everything pending once; 0 when empty")
    drain.add_argument("--batch-size", type=int, default=64)
    drain.add_argument("--wait", type=float, default=0.0,
                       help="seconds to keep retrying while the backend is unavailable")
    drain.set_defaults(func=cmd_drain)
    rebuild = sub.add_parser("rebuild", help="rebuild the whole index (progress on stderr)")
    rebuild.add_argument("--chunk-size", type=int, default=64)
    rebuild.add_argument("--force", action="store_true",
                         help="start even while another rebuild reports progress (one that hangs)")
    rebuild.set_defaults(func=cmd_rebuild)
    status = sub.add_parser("status", help="print the status as JSON on the last line")
    status.set_defaults(func=cmd_status)
    verify = sub.add_parser("verify", help="compare the index with the database, read-only "
                                           "(JSON on the last line; exit 1 on a difference)")
    verify.set_defaults(func=cmd_verify)
    bench = sub.add_parser("bench", help="time a rebuild and an incremental update (JSON)")
    bench.add_argument("--citizens", type=int, default=10_000)
    bench.add_argument("--openings", type=int, default=200)
    bench.add_argument("--encoder", default=None, help="encoder spec (default: MATCHING_ENCODER or e5)")
    bench.set_defaults(func=cmd_bench)
    rerank = sub.add_parser("rerank", help="the re-ranking learned from decisions")
    rerank_sub = rerank.add_subparsers(dest="rerank_command", required=True)
    rerank_train = rerank_sub.add_parser(
        "train", help="train, evaluate on the latest decisions, store (JSON on the last line)")
    rerank_train.add_argument("--dry-run", action="store_true", help="evaluate only; store nothing")
    rerank_train.add_argument("--min-decisions", type=int, default=200)
    rerank_train.set_defaults(func=cmd_rerank_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s",
                        stream=sys.stderr)
    log.setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (OperationalError, ProgrammingError) as err:
        print(f"indexer: the database is not usable ({err.orig}); "
              "run `flask --app portal setup` first", file=sys.stderr)
        return 2
    except ConfigProblem as err:
        print(f"indexer: configuration problem: {err}", file=sys.stderr)
        return 2
