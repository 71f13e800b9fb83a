"""What a file really is, from its first bytes (the extension is only a claim to check)."""

from __future__ import annotations

from pathlib import PurePath

# Formats we accept, by Pillow format name.
ACCEPTED = ("JPEG", "PNG", "WEBP", "GIF")

EXTENSIONS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".jfif": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".gif": "GIF",
}

# Image formats people may try that we do not take, and what to call them in a message.
_OTHER_IMAGES: tuple[tuple[bytes, int, str], ...] = (
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"8BPS", 0, "Photoshop (PSD)"),
    (b"\x00\x00\x01\x00", 0, "ICO"),
    (b"\x00\x00\x00\x0cjP  ", 0, "JPEG 2000"),
    (b"\xffO\xffQ", 0, "JPEG 2000"),
    (b"%PDF", 0, "PDF"),
    (b"\xff\x0a", 0, "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL ", 0, "JPEG XL"),
    (b"qoif", 0, "QOI"),
)
_HEIF_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"mif1": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}


def sniff(data: bytes) -> tuple[str | None, str | None]:
    """``(accepted_format, None)``, ``(None, other_image_kind)`` or ``(None, None)`` (no image)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG", None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG", None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP", None
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF", None
    for magic, offset, kind in _OTHER_IMAGES:
        if data[offset : offset + len(magic)] == magic:
            return None, kind
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return None, _HEIF_BRANDS[brand]
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return None, "SVG"
    return None, None


def claimed_format(filename: str) -> tuple[str, str | None]:
    """The file's extension (lower case, with dot) and the format it claims, if any."""
    suffix = PurePath(filename or "").suffix.lower()
    return suffix, EXTENSIONS.get(suffix)


# Extensions that name some other kind of file; anything else (e.g. "sale v1.2") is no claim.
_OTHER_EXTENSIONS = {
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
    ".avif",
    ".svg",
    ".psd",
    ".ico",
    ".jp2",
    ".jxl",
    ".pdf",
    ".txt",
    ".htm",
    ".html",
    ".xml",
    ".js",
    ".php",
    ".exe",
    ".zip",
    ".doc",
    ".docx",
    ".csv",
    ".json",
    ".mp4",
    ".mov",
}


def extension_lies(filename: str, fmt: str) -> str | None:
    """The extension when it names a different kind of file than ``fmt``; None when it is fine."""
    suffix, claimed = claimed_format(filename)
    if claimed is not None:
        return suffix if claimed != fmt else None
    return suffix if suffix in _OTHER_EXTENSIONS else None


def human_format(fmt: str) -> str:
    return {"WEBP": "WebP"}.get(fmt, fmt)
