"""Pure geometry of fitting an image onto a screen: no I/O, no Pillow objects."""

from __future__ import annotations

from dataclasses import dataclass

FITS = ("contain", "cover")


@dataclass(frozen=True)
class Placement:
    """Which source box is scaled to which size, and where it lands on the target canvas."""

    box: tuple[float, float, float, float]  # left, top, right, bottom in source pixels
    size: tuple[int, int]  # size the box is scaled to
    offset: tuple[int, int]  # where the scaled box is pasted on the canvas
    scale: float  # target pixels per source pixel


def contain(src: tuple[int, int], dst: tuple[int, int]) -> Placement:
    """The whole source, as large as fits, centred; the rest is letterbox."""
    sw, sh = src
    dw, dh = dst
    scale = min(dw / sw, dh / sh)
    w = min(dw, max(1, round(sw * scale)))
    h = min(dh, max(1, round(sh * scale)))
    offset = ((dw - w) // 2, (dh - h) // 2)
    return Placement((0.0, 0.0, float(sw), float(sh)), (w, h), offset, scale)


def cover(src: tuple[int, int], dst: tuple[int, int], focal: tuple[float, float]) -> Placement:
    """Fill the target; crop what sticks out, keeping the focal point (fractions) in frame."""
    sw, sh = src
    dw, dh = dst
    scale = max(dw / sw, dh / sh)
    cw = min(float(sw), dw / scale)
    ch = min(float(sh), dh / scale)
    left = _clamp(focal[0] * sw - cw / 2, 0.0, sw - cw)
    top = _clamp(focal[1] * sh - ch / 2, 0.0, sh - ch)
    return Placement((left, top, left + cw, top + ch), (dw, dh), (0, 0), scale)


def place(
    src: tuple[int, int], dst: tuple[int, int], fit: str, focal: tuple[float, float]
) -> Placement:
    if fit == "contain":
        return contain(src, dst)
    if fit == "cover":
        return cover(src, dst, focal)
    raise ValueError(f"unknown fit {fit!r}")


def fit_within(src: tuple[int, int], longest: int) -> tuple[int, int]:
    """The size of ``src`` scaled down (never up) so that its longer side is at most ``longest``."""
    sw, sh = src
    scale = min(1.0, longest / max(sw, sh))
    return max(1, round(sw * scale)), max(1, round(sh * scale))


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))
