"""Real image files of every kind the ingest meets, made with Pillow in the test run itself."""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache
from itertools import product

from PIL import Image, ImageDraw, ImageFont


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def poster(size: tuple[int, int] = (640, 480), text: str = "SALE 50%") -> Image.Image:
    """A colourful ad with a caption: bands of colour and dark text on a light box."""
    image = Image.new("RGB", size, (250, 250, 240))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((0, 0, w, h // 4), fill=(200, 30, 40))
    draw.rectangle((0, 3 * h // 4, w, h), fill=(20, 60, 180))
    font = ImageFont.load_default(size=max(12, h // 8))
    draw.text((w // 10, h // 3), text, fill=(10, 10, 10), font=font)
    return image


def halves(size: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]):
    image = Image.new("RGB", size, left)
    ImageDraw.Draw(image).rectangle((size[0] // 2, 0, size[0], size[1]), fill=right)
    return image


def exif_rotated_jpeg() -> bytes:
    """Stored 400×300 red|blue, EXIF orientation 6 (shown turned 90° clockwise), with GPS."""
    image = halves((400, 300), (220, 0, 0), (0, 0, 220))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (37.0, 33.0, 59.0)
    gps[3] = "E"
    gps[4] = (126.0, 58.0, 41.0)
    return encode(image, "JPEG", exif=exif.tobytes(), quality=95)


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def cmyk_profile(paper: tuple[float, float, float] = (95.0, 0.0, 30.0)) -> bytes:
    """A small CMYK input profile (lut8, 2-point grid) whose paper white is ``paper`` in Lab.

    Inks darken towards black; paper white is deliberately yellowish so that a test can tell a
    conversion through the profile from Pillow's naive CMYK→RGB (which gives pure white).
    """

    def lab_bytes(lightness: float, a: float, b: float) -> bytes:
        return bytes(
            [
                max(0, min(255, round(lightness * 255 / 100))),
                max(0, min(255, round(a + 128))),
                max(0, min(255, round(b + 128))),
            ]
        )

    clut = b""
    for c, m, y, k in product((0, 1), repeat=4):
        ink = 1 - (1 - 0.55 * c) * (1 - 0.6 * m) * (1 - 0.1 * y) * (1 - 0.95 * k)
        lightness = paper[0] * (1 - ink)
        a = paper[1] * (1 - ink) + 60 * m - 40 * c
        b = paper[2] * (1 - ink) + 80 * y - 40 * c
        clut += lab_bytes(lightness, a, b)
    ramp = bytes(range(256))
    matrix = b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    a2b0 = b"mft1" + b"\0" * 4 + bytes([4, 3, 2, 0]) + matrix + ramp * 4 + clut + ramp * 3
    desc_text = b"localcast test CMYK\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(desc_text)) + desc_text
    desc += b"\0" * 4 + b"\0" * 4 + b"\0" * 2 + b"\0" + b"\0" * 67
    wtpt = b"XYZ " + b"\0" * 4 + _s15(0.9642) + _s15(1.0) + _s15(0.8249)
    tags = [(b"A2B0", a2b0), (b"desc", desc), (b"wtpt", wtpt)]
    offset = 128 + 4 + 12 * len(tags)
    table = struct.pack(">I", len(tags))
    body = b""
    for sig, data in tags:
        while (offset + len(body)) % 4:
            body += b"\0"
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"scnr"
        + b"CMYK"
        + b"Lab "
        + b"\0" * 12
        + b"acsp"
        + b"\0" * 4  # platform
        + b"\0" * 4  # flags
        + b"\0" * 8  # manufacturer, model
        + b"\0" * 8  # attributes
        + b"\0" * 4  # intent
        + _s15(0.9642)
        + _s15(1.0)
        + _s15(0.8249)
        + b"\0" * 4  # creator
        + b"\0" * 44
    )
    assert len(header) == 128, len(header)
    return header + table + body


def cmyk_jpeg_with_profile() -> bytes:
    """A CMYK JPEG: left half blank paper, right half full cyan, with an embedded profile."""
    image = Image.new("CMYK", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((200, 0, 400, 300), fill=(255, 0, 0, 0))
    return encode(image, "JPEG", icc_profile=cmyk_profile(), quality=95)


def transparent_png(size: tuple[int, int] = (400, 300)) -> bytes:
    """Fully transparent except an opaque green square in the middle."""
    image = Image.new("RGBA", size, (255, 0, 0, 0))
    w, h = size
    ImageDraw.Draw(image).rectangle((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(0, 200, 0, 255))
    return encode(image, "PNG")


def animated_gif() -> bytes:
    """Three frames of different colours, looping."""
    frames = [
        Image.new("RGB", (300, 300), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))
    ]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=4)
def png_bomb(side: int = 30_000) -> bytes:
    """A small, valid 1-bit PNG of ``side``×``side`` zeros: a decompression bomb."""
    row = b"\0" * (1 + (side + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row * 500) for _ in range(side // 500))
    compressed += packer.compress(row * (side % 500)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", compressed)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = encode(poster((800, 600)), "JPEG", quality=90)
    return data[: len(data) * 2 // 3]


HTML_AS_JPG = b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>\n"


def one_pixel_png() -> bytes:
    return encode(Image.new("RGB", (1, 1), (255, 255, 255)), "PNG")
