"""Live previews of an upload on each screen size, before anything is stored.

The upload goes through the same validation and normalisation as the real ingest (so a refusal
shows at once, with the same message) and is fitted with the same code that makes renditions.
"""

from __future__ import annotations

import io

from PIL import Image

from assets.ingest import validate
from assets.normalise import parse_colour
from assets.renditions import fit_image
from scheduler.settings import Settings

PREVIEW_HEIGHT = 360


def live_previews(
    data: bytes,
    filename: str,
    sizes: list[tuple[int, int]],
    *,
    fit: str,
    background: str,
    focal: tuple[float, float],
    settings: Settings,
    height: int = PREVIEW_HEIGHT,
) -> list[bytes]:
    """One JPEG per size showing the ad as that screen will, scaled to ``height`` pixels.

    Raises ``assets.errors.UploadRefused`` (a ``ValidationFailed``) for a file ingest would refuse.
    """
    rgb = parse_colour(background)
    master = validate(data, filename, rgb, settings)
    image = master.image if master.image.mode == "RGB" else master.image.convert("RGB")
    out: list[bytes] = []
    for width, screen_height in sizes:
        # Render at display size: the same placement, far fewer pixels than the real rendition.
        scale = min(1.0, height / screen_height)
        small = (max(1, round(width * scale)), max(1, round(screen_height * scale)))
        shot = fit_image(image, small, fit, focal, rgb)
        buffer = io.BytesIO()
        shot.save(buffer, "JPEG", quality=85)
        out.append(buffer.getvalue())
    return out


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size
