"""Sandboxed PDF text extraction, run as a child process by :mod:`cvtext.extract`.

Protocol: ``python -I _pdf_worker.py MODE MAX_PAGES MAX_CHARS MEMORY_MB CPU_S`` with the
PDF bytes on stdin. MODE is ``probe`` (open, check encryption and page count) or
``extract`` (also extract text). Exactly one JSON object is written to stdout:
``{"ok": true, "text": str, "pages": int}`` or ``{"ok": false, "code": str, "detail": str}``.

pypdf is imported first (trusted code), then the resource limits are set, then the PDF is
read: a hostile PDF meets the limits from its first byte, and a broken installation shows
up as code ``worker_error`` (a server fault) rather than as a bad file. This file imports
only the standard library and pypdf (it runs in isolated mode, without our packages on
``sys.path``) so the child starts in ~0.1 s.
"""

from __future__ import annotations

import json
import resource
import sys


def _limit_resources(memory_mb: int, cpu_s: int) -> None:
    """Cap address space and CPU time of this process (Linux rlimits)."""
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # CPU cap backs up the parent's wall-clock timeout in case the parent dies.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _fail(code: str, detail: str) -> dict[str, object]:
    return {"ok": False, "code": code, "detail": detail[:200]}


def _open(data: bytes):  # -> PdfReader | dict
    import io

    from pypdf import PasswordType, PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except PdfReadError as exc:
        code = "truncated" if "EOF" in str(exc) else "corrupt"
        return _fail(code, f"{type(exc).__name__}: {exc}")
    except DependencyError as exc:  # AES without the cryptography package
        return _fail("encrypted", f"cannot decrypt: {exc}")
    # An empty user password (owner-only restrictions, common in exported CVs) is fine.
    try:
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            return _fail("encrypted", "password protected")
    except DependencyError as exc:  # AES without the cryptography package
        return _fail("encrypted", f"cannot decrypt: {exc}")
    return reader


def _extract(data: bytes, mode: str, max_pages: int, max_chars: int) -> dict[str, object]:
    reader = _open(data)
    if isinstance(reader, dict):
        return reader
    pages = len(reader.pages)
    if pages > max_pages:
        return _fail("too_many_pages", f"{pages} pages > {max_pages}")
    if mode == "probe":
        return {"ok": True, "text": "", "pages": pages}
    parts: list[str] = []
    total = 0
    for page in reader.pages:
        text = page.extract_text() or ""
        parts.append(text)
        total += len(text)
        if total >= max_chars:  # stop early: the parent truncates anyway
            break
    return {"ok": True, "text": "\n\n".join(parts), "pages": pages}


def main(argv: list[str]) -> int:
    """Run one extraction; always exit 0 after writing a JSON result if at all possible."""
    mode, max_pages, max_chars, memory_mb, cpu_s = argv[1], *map(int, argv[2:6])
    try:
        import logging

        import pypdf  # noqa: F401 - loaded before the limits so they only meet the PDF
    except ImportError as exc:
        sys.stdout.write(json.dumps(_fail("worker_error", f"{type(exc).__name__}: {exc}")))
        return 0
    # pypdf logs recoverable oddities to stderr; the parent ignores stderr anyway.
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    _limit_resources(memory_mb, cpu_s)
    data = sys.stdin.buffer.read()
    try:
        result = _extract(data, mode, max_pages, max_chars)
    except (MemoryError, ImportError) as exc:
        # pypdf is loaded already; a late (lazy) import failing means mmap hit the cap.
        result = _fail("too_complex", f"memory limit reached ({type(exc).__name__})")
    except RecursionError:
        result = _fail("corrupt", "recursion limit reached")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file, not a crash
        from pypdf.errors import DependencyError, LimitReachedError

        if isinstance(exc, LimitReachedError):
            result = _fail("too_complex", f"LimitReachedError: {exc}")
        elif isinstance(exc, DependencyError):
            result = _fail("encrypted", f"cannot decrypt: {exc}")
        else:
            result = _fail("corrupt", f"{type(exc).__name__}: {exc}")
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
