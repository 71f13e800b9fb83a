"""Turn a decoded upload into the master image: upright, sRGB, opaque, without metadata."""

from __future__ import annotations

import io
import warnings
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms, ImageOps

from assets.errors import UploadRefused


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``#rgb``) to an RGB triple; raises ValueError otherwise."""
    value = text.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in value):
        raise ValueError(f"{text!r} is not a colour like #1a2b3c")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@lru_cache(maxsize=1)
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a broken EXIF block is ignored rather than refused."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            turned = ImageOps.exif_transpose(image)
    except Exception:  # malformed EXIF: the pixels themselves are fine
        return image
    return turned if turned is not None else image


def _eight_bit(image: Image.Image) -> Image.Image:
    """Bring any mode Pillow decodes to L, RGB, RGBA or CMYK."""
    mode = image.mode
    if mode in ("L", "RGB", "RGBA", "CMYK"):
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or values.max(initial=0) > 255 else 255.0
        scaled = np.clip(values * (255.0 / top), 0, 255).astype(np.uint8)
        return Image.fromarray(scaled, "L")
    if mode == "1":
        return image.convert("L")
    has_alpha = mode in ("LA", "La", "PA", "RGBa") or (mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Colour-convert to sRGB through the embedded profile when there is a usable one."""
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    colour = image.convert("RGB") if image.mode == "RGBA" else image
    converted: Image.Image | None = None
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(
                colour,
                source,
                _srgb(),
                renderingIntent=ImageCms.Intent.PERCEPTUAL,
                outputMode="RGB",
            )
        except Exception:  # unreadable or mismatched profile: fall back to the plain conversion
            converted = None
    if converted is None:
        converted = colour.convert("RGB")
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def normalise(image: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    """The master image from a loaded upload. Always returns a fresh RGB image with empty info."""
    icc = image.info.get("icc_profile")
    try:
        image = _eight_bit(_upright(image))
        image = _to_srgb(image, icc if isinstance(icc, bytes) else None)
    except UploadRefused:
        raise
    except Exception as exc:  # a decoder quirk on a damaged file
        raise UploadRefused(
            "corrupt", "This image is damaged and cannot be read. Export it again and retry."
        ) from exc
    if image.mode == "RGBA":
        canvas = Image.new("RGB", image.size, background)
        canvas.paste(image, mask=image.getchannel("A"))
        image = canvas
    master = image.copy() if image.mode == "RGB" else image.convert("RGB")
    master.info = {}
    return master
