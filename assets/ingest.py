"""Ingest an uploaded ad image: refuse what is not a safe still image, store the normalised master.

Checks run from cheapest to dearest (size, first bytes, extension, header dimensions, full decode)
and nothing is written before every check has passed, so a refused upload leaves no file and no row.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from assets.errors import UploadRefused
from assets.geometry import FITS, fit_within
from assets.normalise import normalise, parse_colour
from assets.renditions import THUMBNAIL_SIDE, encode, fit_image
from assets.sniff import extension_lies, human_format, sniff
from assets.storage import Storage, sha256_hex
from scheduler.errors import NotFound, ValidationFailed
from scheduler.models import Business, Creative, Rendition
from scheduler.settings import Settings, get_settings

MASTER_JPEG_QUALITY = 95


@dataclass(frozen=True)
class Master:
    """A validated, normalised upload ready to store."""

    image: Image.Image
    data: bytes
    format: str  # format of the stored master: JPEG for photos that came as JPEG, else PNG
    source_format: str


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _open_header(data: bytes, fmt: str) -> Image.Image:
    """Open without decoding pixels; Pillow's own bomb guard is mapped to our refusal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRefused(
            "too_large_pixels", "This image has far too many pixels to be shown on a screen."
        ) from exc
    except UnidentifiedImageError as exc:
        raise UploadRefused(
            "corrupt",
            f"This file starts like a {human_format(fmt)} image but cannot be read; it may be "
            "damaged. Export it again and retry.",
        ) from exc
    except Exception as exc:  # any decoder complaint about the header
        raise UploadRefused(
            "corrupt", "This image is damaged and cannot be read. Export it again and retry."
        ) from exc


def _check_dimensions(image: Image.Image, settings: Settings) -> None:
    width, height = image.size
    if width <= 0 or height <= 0:
        raise UploadRefused("corrupt", "This image says it has no pixels; it may be damaged.")
    if width * height > settings.max_upload_pixels or max(width, height) > settings.max_image_side:
        raise UploadRefused(
            "too_large_pixels",
            f"This image is {width}×{height} pixels; the limit is "
            f"{settings.max_upload_pixels / 1e6:g} megapixels and {settings.max_image_side} pixels "
            "a side. Make it smaller (screens show at most 4K) and upload it again.",
        )
    if min(width, height) < settings.min_image_side:
        raise UploadRefused(
            "too_small",
            f"This image is only {width}×{height} pixels; each side needs at least "
            f"{settings.min_image_side} pixels to look sharp on a screen.",
        )


def _is_animated(image: Image.Image) -> bool:
    try:
        return bool(getattr(image, "is_animated", False))
    except Exception as exc:  # seeking to the second frame failed: a damaged file
        raise UploadRefused(
            "corrupt", "This image is damaged and cannot be read. Export it again and retry."
        ) from exc


def precheck(data: bytes, filename: str, settings: Settings) -> str:
    """The cheap checks (size, first bytes, extension); returns the real format."""
    if not data:
        raise UploadRefused("empty", "The file is empty. Choose the image file again.")
    if len(data) > settings.max_upload_bytes:
        raise UploadRefused(
            "too_large_bytes",
            f"The file is {_mb(len(data))}; the limit is {_mb(settings.max_upload_bytes)}. "
            "Save it as JPEG or make it smaller and upload it again.",
        )
    fmt, other = sniff(data)
    if fmt is None:
        if other is not None:
            raise UploadRefused(
                "unsupported_format",
                f"{other} files are not supported. Save the ad as JPEG, PNG, WebP or GIF.",
            )
        raise UploadRefused(
            "not_an_image",
            "This file is not an image. Upload a JPEG, PNG, WebP or GIF picture of your ad.",
        )
    lie = extension_lies(filename, fmt)
    if lie is not None:
        raise UploadRefused(
            "extension_mismatch",
            f"The file name ends in {lie} but the file is really a {human_format(fmt)} image. "
            "Rename it with the right extension (or export it again) and upload it again.",
        )
    return fmt


def validate(
    data: bytes, filename: str, background: tuple[int, int, int], settings: Settings
) -> Master:
    """Every check and the normalisation, in memory only. Raises ``UploadRefused``."""
    fmt = precheck(data, filename, settings)
    with warnings.catch_warnings():
        # Damaged metadata makes Pillow warn; only the pixels decide, so those warnings are noise.
        warnings.simplefilter("ignore")
        return _decode(data, fmt, background, settings)


def _decode(data: bytes, fmt: str, background: tuple[int, int, int], settings: Settings) -> Master:
    # Our own limit is the one that counts; Pillow's guard then only backs it up.
    Image.MAX_IMAGE_PIXELS = settings.max_upload_pixels
    image = _open_header(data, fmt)
    try:
        _check_dimensions(image, settings)
        if _is_animated(image):
            raise UploadRefused(
                "unsupported_format",
                "Animated images are not supported: screens show one still picture per slot. "
                "Upload a single frame as JPEG or PNG.",
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise UploadRefused(
                "too_large_pixels", "This image has far too many pixels to be shown on a screen."
            ) from exc
        except Exception as exc:  # truncated data, bad chunks, decoder errors
            raise UploadRefused(
                "corrupt",
                "This image is cut off or damaged and cannot be shown. Export it again from the "
                "original and upload the new file.",
            ) from exc
        master = normalise(image, background)
    finally:
        image.close()
    return _encode_master(master, fmt)


def _encode_master(master: Image.Image, source_format: str) -> Master:
    buffer = io.BytesIO()
    if source_format == "JPEG":
        # Photos stay JPEG (4:4:4, high quality): small, and renditions can decode them
        # at a reduced scale.
        master.save(buffer, "JPEG", quality=MASTER_JPEG_QUALITY, subsampling=0)
        stored = "JPEG"
    else:
        master.save(buffer, "PNG", compress_level=3)
        stored = "PNG"
    return Master(master, buffer.getvalue(), stored, source_format)


def _thumbnail_bytes(master: Image.Image) -> tuple[bytes, tuple[int, int]]:
    size = fit_within(master.size, THUMBNAIL_SIDE)
    return encode(fit_image(master, size, "contain", (0.5, 0.5), (0, 0, 0))), size


def _check_options(fit: str, background: str, focal: tuple[float, float]) -> tuple[int, int, int]:
    if fit not in FITS:
        raise ValidationFailed(f"Fit must be one of {', '.join(FITS)}, not {fit!r}.")
    if len(focal) != 2 or not all(0.0 <= float(v) <= 1.0 for v in focal):
        raise ValidationFailed(
            "The focal point is two fractions between 0 and 1 (0.5,0.5 is the centre)."
        )
    try:
        return parse_colour(background)
    except ValueError:
        raise ValidationFailed(
            f"The background {background!r} is not a colour like #000000."
        ) from None


def ingest_upload(
    session: Session,
    storage: Storage,
    data: bytes,
    filename: str,
    *,
    business_id: int,
    uploaded_by_id: int | None = None,
    name: str | None = None,
    fit: str = "contain",
    background: str = "#000000",
    focal: tuple[float, float] = (0.5, 0.5),
    settings: Settings | None = None,
) -> Creative:
    """Validate, normalise and store an upload as a pending creative (with its thumbnail).

    The same file uploaded again by the same business with the same options returns the existing
    creative; refused uploads raise ``UploadRefused`` and leave nothing behind.
    """
    settings = settings or get_settings()
    rgb = _check_options(fit, background, focal)
    background = "#{:02x}{:02x}{:02x}".format(*rgb)
    focal_x, focal_y = float(focal[0]), float(focal[1])
    if session.get(Business, business_id) is None:
        raise NotFound(f"There is no business with id {business_id}.")
    precheck(data, filename, settings)
    source_sha = sha256_hex(data)
    existing = session.scalar(
        select(Creative)
        .where(
            Creative.business_id == business_id,
            Creative.source_sha256 == source_sha,
            Creative.fit == fit,
            Creative.background == background,
            Creative.focal_x == focal_x,
            Creative.focal_y == focal_y,
        )
        .order_by(Creative.id)
        .limit(1)
    )
    if existing is not None:
        return existing

    master = validate(data, filename, rgb, settings)
    thumb_data, thumb_size = _thumbnail_bytes(master.image)

    written: list[str] = []
    try:
        for blob, content_type in (
            (master.data, f"image/{master.format.lower()}"),
            (thumb_data, "image/jpeg"),
        ):
            digest = sha256_hex(blob)
            if not storage.exists(digest):
                storage.put(blob, content_type)
                written.append(digest)
        creative = Creative(
            business_id=business_id,
            name=(name or _default_name(filename)).strip()[:200] or "Ad",
            sha256=sha256_hex(master.data),
            source_sha256=source_sha,
            format=master.format,
            width_px=master.image.width,
            height_px=master.image.height,
            size_bytes=len(master.data),
            fit=fit,
            background=background,
            focal_x=focal_x,
            focal_y=focal_y,
            status="pending",
            uploaded_by_id=uploaded_by_id,
        )
        creative.renditions.append(
            Rendition(
                purpose="thumbnail",
                width_px=thumb_size[0],
                height_px=thumb_size[1],
                format="JPEG",
                sha256=sha256_hex(thumb_data),
                size_bytes=len(thumb_data),
            )
        )
        # No SAVEPOINT here: on SQLite (pysqlite) a savepoint opened before any other write
        # would commit on release, behind the caller's transaction.
        session.add(creative)
        session.flush()
    except BaseException:
        # Only files this call created are removed: others may already point at older ones.
        for digest in written:
            storage.delete(digest)
        raise
    return creative


def _default_name(filename: str) -> str:
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return stem.rsplit(".", 1)[0] if "." in stem else stem
