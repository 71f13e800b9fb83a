"""Ad images for the demo city, drawn with Pillow."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_TAGLINES = (
    "Fresh every morning",
    "Opening week: 20% off",
    "Your neighbourhood favourite",
    "Open late on weekends",
    "Now delivering nearby",
    "Since 1998, just around the corner",
)


def draw_ad(
    title: str, seed: int, size: tuple[int, int] = (1080, 1920), public: bool = False
) -> bytes:
    """A JPEG poster: a two-colour gradient, the advertiser's name and a tagline."""
    rng = np.random.default_rng(seed)
    width, height = size
    top = rng.integers(30, 220, size=3)
    bottom = rng.integers(30, 220, size=3)
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    pixels = (top[None, None, :] * (1 - ramp) + bottom[None, None, :] * ramp).astype(np.uint8)
    image = Image.fromarray(np.broadcast_to(pixels, (height, width, 3)).copy(), "RGB")
    draw = ImageDraw.Draw(image)
    title_font = ImageFont.load_default(size=max(24, width // 11))
    text_font = ImageFont.load_default(size=max(16, width // 20))
    margin = width // 12
    draw.rounded_rectangle(
        (margin // 2, height // 3, width - margin // 2, height // 3 + height // 4),
        radius=width // 30,
        fill=(255, 255, 255),
    )
    words, lines = title.split(), [""]
    for word in words:
        trial = f"{lines[-1]} {word}".strip()
        if draw.textlength(trial, font=title_font) > width - 2 * margin and lines[-1]:
            lines.append(word)
        else:
            lines[-1] = trial
    y = height // 3 + height // 40
    for line in lines[:3]:
        draw.text((margin, y), line, fill=(20, 20, 20), font=title_font)
        y += int(title_font.size * 1.2)
    tagline = "Public notice" if public else _TAGLINES[int(rng.integers(len(_TAGLINES)))]
    draw.text((margin, height - height // 5), tagline, fill=(255, 255, 255), font=text_font)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()
