"""The optional zip of CV files named by external id (``A123.pdf``, ``A123.docx``, ``A123.txt``).

The archive is checked once (a readable zip, at most ``MAX_ENTRIES`` entries and
``MAX_TOTAL`` bytes unpacked); each entry is then judged on its own, so one bad file
refuses that file only: a name with a folder or ``..`` (zip slip), an unknown extension,
two files for one id, more than ``MAX_FILE`` bytes unpacked or a suspicious compression
ratio (zip bomb). Files are read lazily, only for rows that name their id, and checked by
content and extracted exactly like an upload (:func:`portal.citizens.uploads.accept_cv`).
"""
from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

from cvtext.extract import TYPES_BY_EXTENSION
from ..citizens.uploads import AcceptedCv, ExtractionError, accept_cv
from ..i18n import format_number
from .reader import FileProblem

MAX_ENTRIES = 20_000
MAX_FILE = 5 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_RATIO = 100  # deflate rarely beats 10:1 on real CVs; a bomb reaches 1000:1


@dataclass
class CvArchive:
    """Valid entries by external id, and a Danish message per refused entry."""

    archive: zipfile.ZipFile
    entries: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def cv_for(self, external_id: str) -> AcceptedCv | None:
        """The checked CV of ``external_id`` (None when the zip has none).

        Raises:
            ExtractionError: the file is refused by the upload checks (``message_da``).
        """
        info = self.entries.get(external_id)
        if info is None:
            return None
        self.used.add(external_id)
        try:
            with self.archive.open(info) as handle:
                data = handle.read(MAX_FILE + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
            raise ExtractionError("corrupt", "zip entry unreadable") from None
        if len(data) > MAX_FILE:
            raise ExtractionError("too_large", "zip entry larger than declared", max_mb=MAX_FILE // (1024 * 1024))
        return accept_cv(data, info.filename)

    def problem_for(self, external_id: str) -> str | None:
        """Why the CV of ``external_id`` would be refused (``message_da``), or None (no file, or
        a good one). For a row refused for its cells, so the report names every problem at once;
        the file is not taken as used (it stays listed among the refused rows' files)."""
        was_used = external_id in self.used
        try:
            self.cv_for(external_id)
        except ExtractionError as exc:
            return exc.message_da
        finally:
            if not was_used:
                self.used.discard(external_id)
        return None

    def unused(self, refused_ids: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
        """File names not imported: (those of refused rows, those whose id no row named)."""
        left = [(key, info.filename) for key, info in self.entries.items() if key not in self.used]
        return (sorted(name for key, name in left if key in refused_ids),
                sorted(name for key, name in left if key not in refused_ids))


def open_archive(source: BinaryIO) -> CvArchive:
    """Open and check the zip; entries that fail a check are listed in ``refused``.

    Raises:
        FileProblem: not a zip, or too many / too large entries in all.
    """
    try:
        archive = zipfile.ZipFile(source)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileProblem("CV-filen er ikke en gyldig zip-fil.") from None
    if len(infos) > MAX_ENTRIES:
        raise FileProblem(f"Zip-filen har for mange filer (højst {format_number(MAX_ENTRIES)}).")
    if sum(i.file_size for i in infos) > MAX_TOTAL:
        raise FileProblem("Zip-filen er for stor, når den pakkes ud. Del den op.")
    result = CvArchive(archive)
    seen: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.is_dir():
            continue
        problem = _problem(info)
        if problem:
            result.refused.append((_shown(info.filename), problem))
            continue
        key = PurePosixPath(info.filename).stem.strip()
        if key in seen:
            result.refused.append((_shown(info.filename), "Der er flere CV-filer til samme eksterne id."))
            result.refused.append((_shown(seen[key].filename), "Der er flere CV-filer til samme eksterne id."))
            result.entries.pop(key, None)
            continue
        seen[key] = info
        result.entries[key] = info
    return result


def _problem(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        return "Filnavnet indeholder mapper eller »..«. Læg CV-filerne direkte i zip-filen."
    if info.flag_bits & 0x1:
        return "Filen er krypteret med adgangskode."
    if PurePosixPath(name).suffix.lower() not in TYPES_BY_EXTENSION:
        return "Kun .pdf, .docx og .txt kan bruges som CV."
    if info.file_size > MAX_FILE:
        return f"Filen er for stor. Den må højst fylde {MAX_FILE // (1024 * 1024)} MB."
    if info.file_size > 64 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return "Filen er mistænkeligt stærkt komprimeret (zip-bombe) og bruges ikke."
    return ""


def _shown(name: str) -> str:
    return "".join(ch for ch in name if ch.isprintable())[:120]
