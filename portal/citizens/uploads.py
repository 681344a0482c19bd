"""CV files: content-checked, then stored under generated names outside the web root by the
app's file store (:mod:`portal.files`).

The client's file name is never used as a path. It survives only as display text
(:func:`display_name`), cleaned of directories and invisible characters.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

from cvtext.extract import ExtractionError, detect_type, extract_text

from ..files import FileStore

__all__ = ["MEDIA_TYPES", "AcceptedCv", "ExtractionError", "accept_cv", "delete_stored", "display_name",
           "store_file"]

# The Content-Type a stored CV is served with, by its checked kind (CvDocument.content_type).
MEDIA_TYPES = {"pdf": "application/pdf",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "txt": "text/plain"}  # Flask adds "; charset=utf-8"

_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


@dataclass(frozen=True)
class AcceptedCv:
    """An upload that passed the content checks: its bytes, type and extracted text."""

    data: bytes
    kind: str
    text: str
    display_name: str


def display_name(filename: str | None) -> str:
    """The client's file name as harmless display text: no directories, no hidden characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _INVISIBLE.sub("", unicodedata.normalize("NFC", name)).strip()
    return name[:255] or "cv"


_NOT_IN_FILE_NAMES = re.compile(r'[<>:/\\|?*;\s]+')  # Windows' reserved characters, ; and any space run
_CV_EXTENSIONS = frozenset({"pdf", "docx", "doc", "txt", "rtf", "odt"})
_MAX_STEM_BYTES = 200  # a file system's name limit is 255 bytes, and Danish or Cyrillic letters take two


def download_name(original_filename: str | None, content_type: str) -> str:
    """The name a stored CV file is downloaded under (review AV 5): the name shown on the page,
    Danish and non-Latin letters kept (Werkzeug's ``send_file`` sends them as an RFC 5987
    ``filename*`` with an ASCII ``filename`` beside it), without directories, hidden or control
    characters, or characters Windows refuses in a file name, and always with the extension of
    the checked type (``content_type``), never the client's, so the file opens on a double-click.
    """
    name = display_name(original_filename)
    stem, dot, extension = name.rpartition(".")
    if not dot or extension.casefold() not in _CV_EXTENSIONS:
        stem = name
    stem = _NOT_IN_FILE_NAMES.sub(" ", stem.replace('"', "'")).strip(" .")
    while len(stem.encode("utf-8")) > _MAX_STEM_BYTES:
        stem = stem[:-1].rstrip(" .")
    return f"{stem or 'cv'}.{content_type}"


def accept_cv(data: bytes, filename: str | None) -> AcceptedCv:
    """Check an uploaded CV by content and extract its text.

    Args:
        data: The uploaded bytes (already capped by MAX_CONTENT_LENGTH).
        filename: The client's file name; only its extension matters for the check.

    Raises:
        ExtractionError: the file is refused; ``message_da`` is for the form, ``str()``
            for logs (neither holds file contents or the file name).
    """
    name = display_name(filename)
    text = extract_text(data, name)
    kind = detect_type(data, name)  # cheap after extract_text: the content is known to be valid
    return AcceptedCv(data=data, kind=kind, text=text, display_name=name)


def store_file(folder: str | os.PathLike, data: bytes, kind: str) -> str:
    """Write ``data`` to ``folder`` under a fresh random name and return that name
    (:meth:`portal.files.FileStore.save`). For the import, which is handed its folder; the
    portal's own pages and commands use the app's store (:func:`portal.files.current`).

    Raises:
        OSError: the file store is not writable.
    """
    return FileStore.at(folder).save(data, kind)


def delete_stored(folder: str | os.PathLike, stored_name: str) -> None:
    """Remove a file stored in ``folder`` whose database write failed
    (:meth:`portal.files.FileStore.discard`: the store's one path rule). For the import."""
    FileStore.at(folder).discard(stored_name)
