"""The CV file store: the one owner of the folder uploaded CV files live in (``UPLOAD_FOLDER``).

Routes, services and commands reach the folder through the app's :class:`FileStore`
(:func:`current`, bound by :func:`init_app`), never through the setting: the store writes a file
under a fresh generated name (:meth:`FileStore.save`), hands it out (:meth:`FileStore.send`,
:meth:`FileStore.path`) and deletes it. It keeps one path rule (:meth:`FileStore.path`): a stored
name is a plain file name in the folder (no directory part, no ``..``, no link out of the folder);
any other name is refused (:class:`UnsafeName`), for reading and for deleting alike.

A file a database row names is deleted only after the commit that forgets the row succeeds
(:meth:`FileStore.delete_after_commit`): a rollback, or a commit that fails, keeps the file, so a
failed erasure never leaves rows that point at lost files, and a successful one leaves no file
with personal data behind. A file saved for a write that then fails (no committed row names it)
goes at once (:meth:`FileStore.discard`).

The store reads ``UPLOAD_FOLDER`` at each use, so a test that points a running app elsewhere is
followed. The indexer, a process of its own, finds the folder through :mod:`store.settings`.
"""
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from flask import Response, current_app, send_from_directory
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session
from werkzeug.exceptions import NotFound

EXTENSION = "jobbro.files"
_PENDING = "jobbro_files_to_delete"  # in Session.info: (store, name) to delete after the commit
_KIND = re.compile(r"[a-z0-9]{1,10}\Z")


class UnsafeName(ValueError):
    """A stored name that is not a plain file name in the store's folder."""


class FileStore:
    """The CV files of one app: a folder, under generated names."""

    def __init__(self, config: Mapping[str, object]) -> None:
        self._config = config

    @classmethod
    def at(cls, folder: str | os.PathLike) -> FileStore:
        """A store on a folder given, not the app's (the import is handed its folder)."""
        return cls({"UPLOAD_FOLDER": folder})

    @property
    def folder(self) -> Path:
        return Path(self._config["UPLOAD_FOLDER"])

    def path(self, name: str) -> Path:
        """Where the stored file ``name`` is (it need not exist).

        The one path rule: a plain file name (no directory part, not ``.`` or ``..``, no NUL)
        whose resolved path lies directly in the folder (so a link out of it is refused too).

        Raises:
            UnsafeName: any other name.
        """
        if (not isinstance(name, str) or not name or name in (".", "..") or "\x00" in name
                or "/" in name or "\\" in name or Path(name).name != name):
            raise UnsafeName("not a stored file name")
        path = self.folder / name
        if path.resolve().parent != self.folder.resolve():
            raise UnsafeName("not a stored file name")
        return path

    def exists(self, name: str) -> bool:
        """The stored file is there (False for an unsafe name)."""
        try:
            return self.path(name).is_file()
        except UnsafeName:
            return False

    def save(self, data: bytes, kind: str) -> str:
        """Write ``data`` under a fresh random name with the extension ``kind``; the name back.

        The folder is created (owner-only) when missing; the file is created exclusively (owner
        read/write), so a name collision can never overwrite another citizen's CV.

        Raises:
            OSError: the folder is not writable.
            UnsafeName: ``kind`` is not a short lower-case extension.
        """
        if not _KIND.match(kind or ""):
            raise UnsafeName("not a file kind")
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = f"{uuid.uuid4().hex}.{kind}"
        path = self.path(name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return name

    def send(self, name: str, *, mimetype: str, download_name: str) -> Response:
        """The stored file as a download (attachment, ``max_age`` 0). :raise NotFound: an unsafe
        name or a missing file."""
        try:
            self.path(name)
        except UnsafeName:
            raise NotFound() from None
        return send_from_directory(self.folder, name, mimetype=mimetype, as_attachment=True,
                                   download_name=download_name, max_age=0)

    def discard(self, name: str) -> None:
        """Delete at once a file saved for a write that did not commit (no committed row names
        it). An unsafe or missing name deletes nothing."""
        self._unlink(name)

    def delete_after_commit(self, session: Session, names: Iterable[str]) -> None:
        """Delete the stored files once ``session``'s transaction commits; a rollback (or a commit
        that fails) keeps them, and so does the rollback of a savepoint they were queued in.
        Call it in the transaction that forgets the rows naming them."""
        names = [name for name in names if name]
        if not names:
            return
        session.connection()  # a transaction begun, so its commit or rollback is seen
        real = session() if isinstance(session, scoped_session) else session  # db.session too
        queued_in = real.get_nested_transaction() or real.get_transaction()
        session.info.setdefault(_PENDING, []).extend((self, name, queued_in) for name in names)

    def _unlink(self, name: str) -> None:
        try:
            self.path(name).unlink(missing_ok=True)
        except UnsafeName:
            pass  # never follow a name out of the folder


def init_app(app) -> None:
    """Bind the app's file store (:func:`current`) to its ``UPLOAD_FOLDER``."""
    app.extensions[EXTENSION] = FileStore(app.config)


def current() -> FileStore:
    """The running app's file store."""
    return current_app.extensions[EXTENSION]


@event.listens_for(Session, "after_commit")
def _delete_pending(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released, not the commit (review BT 1)
        return
    for store, name, _queued_in in session.info.pop(_PENDING, []):
        store._unlink(name)


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _keep_on_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    # What was queued in the transaction (or savepoint) that went back, or in one inside it, is
    # kept: its rows are back. A savepoint's rollback keeps the deletions queued outside it.
    pending = session.info.get(_PENDING)
    if pending:
        pending[:] = [item for item in pending if not _within(item[2], previous_transaction)]
