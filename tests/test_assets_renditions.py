"""Renditions: exact sizes, focal point kept by cover, legible text, on demand, previews."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import asset_files as files
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assets.geometry import cover, place
from assets.ingest import ingest_upload
from assets.renditions import (
    MasterImage,
    ensure_all_renditions,
    ensure_renditions,
    fit_image,
    preview_image,
    rendition_for,
)
from assets.storage import LocalStorage
from scheduler.models import Business, Creative, Rendition, Screen

SIZES = [(1080, 1920), (1920, 1080), (720, 1280), (1280, 720), (3840, 2160), (768, 1366)]


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "assets")


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        session.add(Business(name="Bakery"))
        session.commit()
        yield session


def upload(session: Session, storage: LocalStorage, data: bytes, name: str, **kw) -> Creative:
    bid = session.scalars(select(Business.id)).first()
    assert bid is not None
    creative = ingest_upload(session, storage, data, name, business_id=bid, **kw)
    session.commit()
    return creative


def image_of(storage: LocalStorage, sha: str) -> Image.Image:
    return Image.open(io.BytesIO(storage.get(sha)))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("fit", ["contain", "cover"])
def test_renditions_have_exactly_the_target_sizes(
    session: Session, storage: LocalStorage, fmt: str, fit: str
) -> None:
    creative = upload(
        session, storage, files.encode(files.poster((1500, 1000)), fmt), f"a.{fmt.lower()}", fit=fit
    )
    rows = ensure_renditions(session, storage, creative, SIZES)
    assert [(r.width_px, r.height_px) for r in rows] == SIZES
    for row in rows:
        with image_of(storage, row.sha256) as shot:
            assert shot.size == (row.width_px, row.height_px)
            assert shot.format == row.format == "JPEG" and shot.mode == "RGB"
            assert row.size_bytes == len(storage.get(row.sha256))


def test_contain_letterboxes_in_the_chosen_colour(session: Session, storage: LocalStorage) -> None:
    creative = upload(
        session,
        storage,
        files.encode(files.poster((1600, 900)), "PNG"),
        "a.png",
        background="#00ff00",
    )
    (row,) = ensure_renditions(session, storage, creative, [(1080, 1920)])
    with image_of(storage, row.sha256) as shot:
        top = shot.getpixel((540, 20))
        assert top[1] > 240 and top[0] < 20 and top[2] < 20  # letterbox is green (JPEG ±)
        middle = shot.getpixel((540, 960))
        assert middle[1] < 240 or middle[0] > 20  # the ad itself is not green


def marker_image(size: tuple[int, int], at: tuple[float, float]) -> Image.Image:
    image = Image.new("RGB", size, (128, 128, 128))
    x, y = round(at[0] * size[0]), round(at[1] * size[1])
    ImageDraw.Draw(image).rectangle((x - 30, y - 30, x + 30, y + 30), fill=(0, 255, 0))
    return image


def green_pixels(image: Image.Image) -> int:
    rgb = np.asarray(image.convert("RGB")).astype(int)
    return int(((rgb[..., 1] > 200) & (rgb[..., 0] < 80) & (rgb[..., 2] < 80)).sum())


@pytest.mark.parametrize("focal", [(0.9, 0.15), (0.08, 0.9), (0.5, 0.5)])
def test_cover_keeps_the_focal_point_in_frame(
    session: Session, storage: LocalStorage, focal: tuple[float, float]
) -> None:
    data = files.encode(marker_image((2000, 1000), focal), "PNG")
    creative = upload(session, storage, data, "m.png", fit="cover", focal=focal)
    for row in ensure_renditions(session, storage, creative, [(720, 1280), (1280, 720)]):
        with image_of(storage, row.sha256) as shot:
            assert green_pixels(shot) > 100, (focal, row.width_px, row.height_px)
    # The same corner marker is cropped away when the owner leaves the focal point centred.
    if focal != (0.5, 0.5):
        centred = upload(session, storage, data, "m.png", fit="cover", focal=(0.5, 0.5))
        (row,) = ensure_renditions(session, storage, centred, [(720, 1280)])
        with image_of(storage, row.sha256) as shot:
            assert green_pixels(shot) == 0


@settings(deadline=None)  # pure arithmetic, but CI machines stall under load
@given(
    src=st.tuples(st.integers(200, 8000), st.integers(200, 8000)),
    dst=st.tuples(st.integers(100, 4000), st.integers(100, 4000)),
    focal=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_cover_box_always_holds_the_focal_point(
    src: tuple[int, int], dst: tuple[int, int], focal: tuple[float, float]
) -> None:
    placement = cover(src, dst, focal)
    left, top, right, bottom = placement.box
    fx, fy = focal[0] * src[0], focal[1] * src[1]
    assert -1e-6 <= left <= fx + 1e-6 and fx - 1e-6 <= right <= src[0] + 1e-6
    assert -1e-6 <= top <= fy + 1e-6 and fy - 1e-6 <= bottom <= src[1] + 1e-6
    # The box has the target's aspect ratio, so nothing is stretched.
    assert abs((right - left) / (bottom - top) - dst[0] / dst[1]) < 0.01 * dst[0] / dst[1] + 1e-3


def caption_poster() -> Image.Image:
    return files.poster((3000, 2000), "Bakery 9-18h  02-123-4567")


def caption_diff(
    shot: Image.Image, reference: Image.Image, box: tuple[int, int, int, int]
) -> float:
    a = np.asarray(shot.convert("L").crop(box), dtype=float)
    b = np.asarray(reference.convert("L").crop(box), dtype=float)
    return float(np.abs(a - b).mean())


@pytest.mark.parametrize("beside_4k", [False, True])
def test_text_stays_legible(session: Session, storage: LocalStorage, beside_4k: bool) -> None:
    source = caption_poster()
    creative = upload(session, storage, files.encode(source, "JPEG", quality=95), "cap.jpg")
    size = (1280, 720)
    # Beside a 4K size the master is decoded whole and box-reduced for the small one.
    sizes = [(3840, 2160), size] if beside_4k else [size]
    row = ensure_renditions(session, storage, creative, sizes)[-1]
    # The source scaled the same way by plain Pillow: full decode, one Lanczos pass.
    reference = fit_image(source, size, "contain", (0.5, 0.5), (0, 0, 0), reducing_gap=None)
    placement = place(source.size, size, "contain", (0.5, 0.5))
    ox, oy = placement.offset
    w, h = placement.size
    caption = (ox + w // 12, oy + h // 3, ox + w * 11 // 12, oy + h // 2)  # the caption's band
    with image_of(storage, row.sha256) as shot:
        diff = caption_diff(shot, reference, caption)
        blurred = reference.filter(ImageFilter.GaussianBlur(1.5))
        # The threshold tells a sharp caption from a smudged one.
        assert caption_diff(blurred, reference, caption) > 3 * max(diff, 1.0)
    assert diff < 3.0, diff


def test_large_jpeg_is_decoded_at_reduced_scale_for_small_screens() -> None:
    data = files.encode(files.poster((4000, 3000)), "JPEG", quality=90)
    master = MasterImage(data)
    small = master.for_placement(place(master.size, (720, 1280), "contain", (0.5, 0.5)))
    assert small.size[0] < 4000 / 2 and small.size[0] >= 720
    big = master.for_placement(place(master.size, (3840, 2160), "contain", (0.5, 0.5)))
    assert big.size == (4000, 3000)


def test_a_full_decode_is_reduced_as_far_as_a_lone_decode() -> None:
    data = files.encode(files.poster((4000, 3000)), "JPEG", quality=90)
    four_k = place((4000, 3000), (3840, 2160), "contain", (0.5, 0.5))
    for size in [(720, 1280), (1280, 720), (1920, 1080)]:
        placement = place((4000, 3000), size, "contain", (0.5, 0.5))
        alone = MasterImage(data).for_placement(placement)
        shared = MasterImage(data)
        assert shared.for_placement(four_k).size == (4000, 3000)
        reduced = shared.for_placement(placement)
        assert reduced.size == alone.size, size
        assert placement.size[0] <= reduced.width < 4000
        # Reduced once per factor, then shared by every size that needs that factor.
        assert shared.for_placement(placement) is reduced


@pytest.mark.parametrize("fit", ["contain", "cover"])
def test_renditions_made_in_threads_equal_those_made_one_at_a_time(
    session: Session, storage: LocalStorage, fit: str
) -> None:
    data = files.encode(files.poster((4000, 3000), "Bakery 9-18h"), "JPEG", quality=90)
    second = Business(name="Second bakery")
    session.add(second)
    session.commit()
    one = upload(session, storage, data, "a.jpg", fit=fit, focal=(0.3, 0.6))
    other = ingest_upload(
        session, storage, data, "a.jpg", business_id=second.id, fit=fit, focal=(0.3, 0.6)
    )
    session.commit()
    assert one.id != other.id and one.sha256 == other.sha256
    serial = ensure_renditions(session, storage, one, SIZES, threads=1)
    pooled = ensure_renditions(session, storage, other, SIZES, threads=4)
    session.commit()
    assert [(r.width_px, r.height_px) for r in pooled] == SIZES
    # Content-addressed: equal names mean equal bytes, so equal pixels.
    assert [r.sha256 for r in pooled] == [r.sha256 for r in serial]
    assert {r.creative_id for r in pooled} == {other.id}
    for row in pooled:
        with image_of(storage, row.sha256) as shot:
            assert shot.size == (row.width_px, row.height_px)


def test_ensure_all_renditions_follows_active_screens(engine: Engine, tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "assets")
    with Session(engine, expire_on_commit=False) as session:
        session.add(Business(name="Bakery"))
        session.add_all(
            [
                Screen(name="a", width_px=1080, height_px=1920),
                Screen(name="b", width_px=1080, height_px=1920),
                Screen(name="c", width_px=1920, height_px=1080),
                Screen(name="old", width_px=800, height_px=600, status="retired"),
            ]
        )
        session.commit()
        bid = session.scalars(select(Business.id)).one()
        good = ingest_upload(
            session, storage, files.encode(files.poster(), "PNG"), "a.png", business_id=bid
        )
        gone = ingest_upload(
            session, storage, files.encode(files.poster(text="NO"), "PNG"), "b.png", business_id=bid
        )
        gone.status = "rejected"
        session.commit()
        assert ensure_all_renditions(session, storage) == 2  # two sizes; thumbnail made at upload
        session.commit()
        assert ensure_all_renditions(session, storage) == 0
        sizes = {
            (r.purpose, r.width_px, r.height_px)
            for r in session.scalars(select(Rendition).where(Rendition.creative_id == good.id))
        }
        assert ("screen", 1080, 1920) in sizes and ("screen", 1920, 1080) in sizes
        assert ("screen", 800, 600) not in sizes
        assert not session.scalars(
            select(Rendition).where(Rendition.creative_id == gone.id, Rendition.purpose == "screen")
        ).all()
        # A new screen size appears: its rendition is made on demand, once.
        fresh = rendition_for(session, storage, good, 768, 1366)
        assert (fresh.width_px, fresh.height_px) == (768, 1366)
        assert rendition_for(session, storage, good, 768, 1366).id == fresh.id
        # A lost file is made again under the same row.
        storage.delete(fresh.sha256)
        again = rendition_for(session, storage, good, 768, 1366)
        assert again.id == fresh.id and storage.exists(again.sha256)
        session.commit()


def test_preview_shows_each_screen_size(session: Session, storage: LocalStorage) -> None:
    creative = upload(session, storage, files.encode(files.poster(), "PNG"), "a.png")
    data = preview_image(session, storage, creative, [(1080, 1920), (1920, 1080)], height=200)
    with Image.open(io.BytesIO(data)) as sheet:
        assert sheet.format == "PNG"
        # Two panels at height 200: one portrait (~112 wide), one landscape (~356 wide).
        assert 112 + 356 < sheet.width < 112 + 356 + 200
        assert sheet.height > 200
    assert len(creative.renditions) >= 3  # thumbnail + the two screen renditions
