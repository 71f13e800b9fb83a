"""Content-addressed file storage: a file's name is the SHA-256 of its bytes.

Callers only see the ``Storage`` protocol, so an S3-compatible store can replace the local
directory without touching them. Writes are atomic (temporary file, then rename): a reader never
sees half a file, and a crash mid-write leaves at most a temporary file that is not addressable.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from scheduler.errors import NotFound, ValidationFailed
from scheduler.settings import Settings, get_settings

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_type_of(data: bytes) -> str:
    """The media type of stored image bytes, from their first bytes."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return "application/octet-stream"


@runtime_checkable
class Storage(Protocol):
    """Where creative files live, addressed by the SHA-256 of their content."""

    def put(self, data: bytes, content_type: str) -> str:
        """Store ``data`` (idempotent) and return its SHA-256."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...


class LocalStorage:
    """A directory tree ``root/ab/abcdef…`` (two-character fan-out keeps directories small)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValidationFailed(f"{sha256!r} is not a SHA-256 file name.")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes, content_type: str = "application/octet-stream") -> str:
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise NotFound(f"No stored file {sha256}.") from None

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(sha256).unlink()

    def all_files(self) -> list[str]:
        """Every stored SHA-256 (temporary files excluded)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.glob("??/*") if _SHA256.match(p.name))


def storage_from_settings(settings: Settings | None = None) -> Storage:
    """The configured store: a local directory under the data directory."""
    settings = settings or get_settings()
    return LocalStorage(settings.assets_dir)
