"""Renditions: a creative fitted to each screen resolution, a thumbnail, and previews.

A rendition is made once per creative and size and stored content-addressed. Large JPEG masters
are decoded at a reduced scale (``Image.draft``), so a 24-megapixel photo never decodes at full
size for a small screen; when a larger size (a 4K screen) needs the full decode, the smaller sizes
get it box-reduced by the same power of two instead, then one Lanczos pass. The master is decoded
once per creative; the sizes are then resized and encoded in a few threads (Pillow releases the
GIL for both), while files and rows are written in the calling thread.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assets.geometry import Placement, fit_within, place
from assets.normalise import parse_colour
from assets.storage import Storage, sha256_hex
from scheduler.models import Creative, Rendition, Screen

Size = tuple[int, int]
Progress = Callable[[int], object]

RENDITION_FORMAT = "JPEG"
# Quality 90 with full-resolution colour (4:4:4): small coloured text keeps crisp edges.
RENDITION_QUALITY = 90
THUMBNAIL_SIDE = 320
REDUCING_GAP = 3.0
# Renders at once per creative; each holds one resized image, so memory grows with this too.
MAX_RENDER_THREADS = 4
# Creatives worth rendering ahead of time: pending ones too, so a preview is ready for review.
RENDERED_STATUSES = ("pending", "approved")


def encode(image: Image.Image, fmt: str = RENDITION_FORMAT) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=RENDITION_QUALITY, subsampling=0, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=RENDITION_QUALITY, method=4)
    else:
        raise ValueError(f"unknown rendition format {fmt!r}")
    return buffer.getvalue()


def fit_image(
    image: Image.Image,
    size: Size,
    fit: str,
    focal: tuple[float, float],
    background: tuple[int, int, int],
    *,
    reducing_gap: float | None = REDUCING_GAP,
) -> Image.Image:
    """``image`` fitted onto a ``size`` canvas (exactly that size)."""
    placement = place(image.size, size, fit, focal)
    scaled = image.resize(
        placement.size, Image.Resampling.LANCZOS, box=placement.box, reducing_gap=reducing_gap
    )
    if scaled.size == tuple(size):
        return scaled
    canvas = Image.new("RGB", size, background)
    canvas.paste(scaled, placement.offset)
    return canvas


def _power_of_two_at_most(n: int, top: int = 8) -> int:
    factor = 1
    while factor * 2 <= min(n, top):
        factor *= 2
    return factor


def _draft_request(src: Size, placement: Placement) -> Size:
    """The smallest decoded size that still gives full detail for ``placement``."""
    scale = min(1.0, placement.scale)
    return max(1, math.ceil(src[0] * scale)), max(1, math.ceil(src[1] * scale))


class MasterImage:
    """The stored master of a creative, decoded as cheaply as the target sizes allow.

    A JPEG master is decoded once at the smallest DCT scale that still serves the largest target
    asked so far; render the largest target first and the smaller ones reuse that decode.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._decoded: Image.Image | None = None
        self._reduced: dict[int, Image.Image] = {}
        with Image.open(io.BytesIO(data)) as probe:
            self.size: Size = probe.size
            self.is_jpeg = probe.format == "JPEG"

    def for_placement(self, placement: Placement) -> Image.Image:
        """The decoded master, box-reduced as far as the DCT scaling of a lone decode would go.

        Not thread-safe: call it from one thread, then resize the images it returns anywhere.
        """
        want = _draft_request(self.size, placement)
        cached = self._decoded
        if cached is None or cached.width < want[0] or cached.height < want[1]:
            image = Image.open(io.BytesIO(self.data))
            if self.is_jpeg:
                image.draft("RGB", want)
            image.load()
            cached = self._decoded = image if image.mode == "RGB" else image.convert("RGB")
            self._reduced = {}
        # Each factor is box-reduced once and shared between sizes. A JPEG follows the same
        # power-of-two rule as ``draft`` (1/2, 1/4, 1/8): a size gets the same detail whether it
        # is rendered alone or after a larger size (a 4K screen) forced a full decode. Other
        # masters (graphics, fine text) keep REDUCING_GAP× headroom for the Lanczos pass.
        if self.is_jpeg:
            factor = _power_of_two_at_most(min(cached.width // want[0], cached.height // want[1]))
        else:
            factor = int(
                min(
                    cached.width / (want[0] * REDUCING_GAP),
                    cached.height / (want[1] * REDUCING_GAP),
                )
            )
        if factor < 2:
            return cached
        if factor not in self._reduced:
            self._reduced[factor] = cached.reduce(factor)
        return self._reduced[factor]

    def forget(self) -> None:
        """Drop the decoded and reduced images (images already handed out stay valid)."""
        self._decoded = None
        self._reduced = {}

    def detail_needed(self, size: Size, fit: str, focal: tuple[float, float]) -> float:
        """How much of the master's resolution ``size`` uses (to render the largest first)."""
        return min(1.0, place(self.size, size, fit, focal).scale)


def _creative_style(creative: Creative) -> tuple[str, tuple[float, float], tuple[int, int, int]]:
    return creative.fit, (creative.focal_x, creative.focal_y), parse_colour(creative.background)


def _save_row(session: Session, creative: Creative, row: Rendition) -> Rendition:
    """Insert a rendition; if another worker made the same one meanwhile, use theirs."""
    if session.get_bind().dialect.name == "sqlite":
        # Embedded SQLite has one job worker, so there is no race worth a savepoint; and a
        # pysqlite SAVEPOINT opened before any other write would commit on release, behind
        # the caller's transaction.
        session.add(row)
        session.flush()
        session.expire(creative, ["renditions"])
        return row
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = session.scalar(
            select(Rendition).where(
                Rendition.creative_id == creative.id,
                Rendition.width_px == row.width_px,
                Rendition.height_px == row.height_px,
                Rendition.purpose == row.purpose,
            )
        )
        if existing is None:
            raise
        return existing
    # The creative's loaded ``renditions`` list does not know the new row yet.
    session.expire(creative, ["renditions"])
    return row


def render_threads() -> int:
    """Threads for rendering one creative: one per usable core, at most ``MAX_RENDER_THREADS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_RENDER_THREADS))


def _render(
    source: list[Image.Image],
    size: Size,
    fit: str,
    focal: tuple[float, float],
    background: tuple[int, int, int],
) -> bytes:
    """Resize and encode one rendition.

    ``source`` comes in a list that this pops, so the decoded master is freed before encoding
    once no other job holds it: a 24-megapixel decode need not live beside a 4K encoder.
    """
    return encode(fit_image(source.pop(), size, fit, focal, background))


def _store(
    session: Session,
    storage: Storage,
    creative: Creative,
    key: tuple[str, int, int],
    data: bytes,
    row: Rendition | None,
) -> Rendition:
    """Write one rendition's file and its row (in the session's own thread)."""
    purpose, width, height = key
    digest = storage.put(data, "image/jpeg")
    if row is not None:  # the file had gone missing: it is back under the same name
        row.sha256, row.size_bytes, row.format = digest, len(data), RENDITION_FORMAT
        return row
    return _save_row(
        session,
        creative,
        Rendition(
            creative_id=creative.id,
            purpose=purpose,
            width_px=width,
            height_px=height,
            format=RENDITION_FORMAT,
            sha256=digest,
            size_bytes=len(data),
        ),
    )


def _ensure(
    session: Session,
    storage: Storage,
    creative: Creative,
    targets: Sequence[tuple[str, Size]],
    progress: Progress | None = None,
    threads: int | None = None,
) -> tuple[list[Rendition], int]:
    rows = session.scalars(select(Rendition).where(Rendition.creative_id == creative.id)).all()
    have = {(r.purpose, r.width_px, r.height_px): r for r in rows}
    fit, focal, background = _creative_style(creative)
    master: MasterImage | None = None
    keys: list[tuple[str, int, int]] = []
    missing: dict[tuple[str, int, int], Rendition | None] = {}
    for purpose, size in targets:
        if purpose == "thumbnail":
            master = master or MasterImage(storage.get(creative.sha256))
            size = fit_within(master.size, THUMBNAIL_SIDE)
        key = (purpose, *size)
        keys.append(key)
        row = have.get(key)
        if row is None or not storage.exists(row.sha256):
            missing[key] = row
        elif progress:
            progress(1)
    if missing:
        master = master or MasterImage(storage.get(creative.sha256))
        # Largest first, so that one reduced-scale decode serves every smaller size after it.
        order = sorted(
            missing,
            key=lambda k: -master.detail_needed((k[1], k[2]), fit, focal),  # type: ignore[union-attr]
        )
        workers = min(threads or render_threads(), len(order))
        with ThreadPoolExecutor(workers, thread_name_prefix="rendition") as pool:
            encoded: list[Future[bytes]] = []
            for purpose, width, height in order:
                # Decoding and reducing stay in this thread (the master's cache is not shared);
                # the dearer resize and encode run in the pool while the next source is made.
                style = ("contain", (0.5, 0.5), (0, 0, 0)) if purpose == "thumbnail" else None
                key_fit, key_focal, key_background = style or (fit, focal, background)
                source = [
                    master.for_placement(place(master.size, (width, height), key_fit, key_focal))
                ]
                encoded.append(
                    pool.submit(
                        _render, source, (width, height), key_fit, key_focal, key_background
                    )
                )
            del source
            master.forget()
            for key, job in zip(order, encoded, strict=True):
                have[key] = _store(session, storage, creative, key, job.result(), missing[key])
                if progress:
                    progress(1)
    return [have[key] for key in keys], len(missing)


def ensure_renditions(
    session: Session,
    storage: Storage,
    creative: Creative,
    sizes: Iterable[Size],
    *,
    threads: int | None = None,
) -> list[Rendition]:
    """One screen rendition of ``creative`` per size (made on demand), in the order given.

    ``threads`` caps the rendering threads (default: ``render_threads()``); 1 renders one size
    at a time. The result is the same either way, byte for byte.
    """
    targets = [("screen", (int(w), int(h))) for w, h in sizes]
    return _ensure(session, storage, creative, targets, threads=threads)[0]


def ensure_thumbnail(session: Session, storage: Storage, creative: Creative) -> Rendition:
    return _ensure(session, storage, creative, [("thumbnail", (0, 0))])[0][0]


def active_screen_sizes(session: Session) -> list[Size]:
    """Every distinct resolution among active screens, largest first."""
    rows = session.execute(
        select(Screen.width_px, Screen.height_px).where(Screen.status == "active").distinct()
    ).all()
    return sorted({(int(w), int(h)) for w, h in rows}, key=lambda s: (-s[0] * s[1], s))


def ensure_all_renditions(
    session: Session, storage: Storage, *, progress: Progress | None = None
) -> int:
    """Every pending or approved creative × every active screen size, plus thumbnails.

    Returns how many renditions were made (0 when everything was already there).
    """
    sizes = active_screen_sizes(session)
    creatives = session.scalars(
        select(Creative).where(Creative.status.in_(RENDERED_STATUSES)).order_by(Creative.id)
    ).all()
    targets = [("thumbnail", (0, 0))] + [("screen", size) for size in sizes]
    made = 0
    for creative in creatives:
        made += _ensure(session, storage, creative, targets, progress)[1]
    return made


def rendition_for(
    session: Session, storage: Storage, creative: Creative, width: int, height: int
) -> Rendition:
    """The screen rendition of ``creative`` for one resolution, made now if it is new."""
    return ensure_renditions(session, storage, creative, [(width, height)])[0]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except Exception:  # Pillow without FreeType: the bitmap font still labels the preview
        return ImageFont.load_default()


def preview_image(
    session: Session,
    storage: Storage,
    creative: Creative,
    sizes: Iterable[Size] | None = None,
    *,
    height: int = 360,
) -> bytes:
    """A PNG showing the ad as it will appear on each screen size, side by side and labelled.

    ``sizes`` defaults to the resolutions of the active screens (1080×1920 when there are none).
    Each panel is the real rendition (made on demand), scaled to ``height`` inside a bezel.
    """
    wanted = list(sizes) if sizes is not None else active_screen_sizes(session)
    wanted = wanted or [(1080, 1920)]
    rows = ensure_renditions(session, storage, creative, wanted)
    bezel, gap, label_h = 10, 24, 28
    panels: list[tuple[Image.Image, str]] = []
    for row in rows:
        with Image.open(io.BytesIO(storage.get(row.sha256))) as shot:
            scale = height / row.height_px
            panel_size = (max(1, round(row.width_px * scale)), height)
            panels.append(
                (
                    shot.convert("RGB").resize(panel_size, Image.Resampling.LANCZOS),
                    f"{row.width_px} x {row.height_px}",
                )
            )
    total_w = sum(p.width + 2 * bezel for p, _ in panels) + gap * (len(panels) + 1)
    sheet = Image.new("RGB", (total_w, height + 2 * bezel + label_h + 2 * gap), (245, 245, 245))
    draw = ImageDraw.Draw(sheet)
    font = _font(16)
    x = gap
    for panel, label in panels:
        draw.rounded_rectangle(
            (x, gap, x + panel.width + 2 * bezel - 1, gap + height + 2 * bezel - 1),
            radius=bezel,
            fill=(30, 30, 30),
        )
        sheet.paste(panel, (x + bezel, gap + bezel))
        draw.text((x, gap + height + 2 * bezel + 6), label, fill=(40, 40, 40), font=font)
        x += panel.width + 2 * bezel + gap
    buffer = io.BytesIO()
    sheet.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


__all__ = [
    "RENDITION_FORMAT",
    "MasterImage",
    "active_screen_sizes",
    "encode",
    "ensure_all_renditions",
    "ensure_renditions",
    "ensure_thumbnail",
    "fit_image",
    "preview_image",
    "render_threads",
    "rendition_for",
    "sha256_hex",
]
