"""Ingest of real files made by Pillow: good ones normalised, hostile ones refused cleanly."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import asset_files as files
import pytest
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assets.errors import REFUSAL_CODES, UploadRefused
from assets.ingest import ingest_upload
from assets.storage import LocalStorage
from scheduler.cli import main
from scheduler.errors import ValidationFailed
from scheduler.models import Business, Creative, Rendition
from scheduler.settings import Settings, get_settings


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "assets")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        session.add_all([Business(name="Bakery Sejong"), Business(name="Flower shop")])
        session.commit()
        yield session


def business_id(session: Session, name: str = "Bakery Sejong") -> int:
    return session.scalars(select(Business.id).where(Business.name == name)).one()


def stored(storage: LocalStorage) -> list[Path]:
    """Every file under the storage root, temporary ones included."""
    return [p for p in storage.root.rglob("*") if p.is_file()] if storage.root.exists() else []


def master_of(storage: LocalStorage, creative: Creative) -> Image.Image:
    return Image.open(io.BytesIO(storage.get(creative.sha256)))


@pytest.mark.parametrize(
    ("fmt", "filename", "stored_as"),
    [
        ("JPEG", "ad.jpg", "JPEG"),
        ("PNG", "ad.png", "PNG"),
        ("WEBP", "ad.webp", "PNG"),
        ("GIF", "ad.gif", "PNG"),
        ("JPEG", "ad", "JPEG"),  # no extension: no claim to check
    ],
)
def test_each_format_is_accepted_and_stored_with_a_thumbnail(
    session: Session, storage: LocalStorage, fmt: str, filename: str, stored_as: str
) -> None:
    data = files.encode(files.poster((640, 480)), fmt)
    creative = ingest_upload(session, storage, data, filename, business_id=business_id(session))
    session.commit()
    assert creative.status == "pending"
    assert (creative.width_px, creative.height_px, creative.format) == (640, 480, stored_as)
    with master_of(storage, creative) as master:
        assert master.format == stored_as and master.mode == "RGB" and master.size == (640, 480)
    thumb = session.scalars(select(Rendition).where(Rendition.creative_id == creative.id)).one()
    assert thumb.purpose == "thumbnail" and max(thumb.width_px, thumb.height_px) == 320
    assert storage.exists(thumb.sha256)


def test_exif_orientation_is_applied_and_metadata_stripped(
    session: Session, storage: LocalStorage
) -> None:
    data = files.exif_rotated_jpeg()
    assert b"PhoneMaker" in data
    creative = ingest_upload(
        session, storage, data, "IMG_0001.JPG", business_id=business_id(session)
    )
    raw = storage.get(creative.sha256)
    with Image.open(io.BytesIO(raw)) as master:
        # Turned 90° clockwise: the left (red) half of the stored pixels is now on top.
        assert master.size == (300, 400)
        top, bottom = master.getpixel((150, 50)), master.getpixel((150, 350))
        assert top[0] > 180 and top[2] < 60
        assert bottom[2] > 180 and bottom[0] < 60
        assert len(master.getexif()) == 0
        assert "exif" not in master.info and "icc_profile" not in master.info
    assert b"PhoneMaker" not in raw and b"Exif" not in raw


def test_cmyk_with_profile_is_converted_through_the_profile(
    session: Session, storage: LocalStorage
) -> None:
    data = files.cmyk_jpeg_with_profile()
    with Image.open(io.BytesIO(data)) as source:
        assert source.mode == "CMYK" and source.info.get("icc_profile")
        naive_cyan = source.convert("RGB").getpixel((300, 150))
    creative = ingest_upload(session, storage, data, "print.jpg", business_id=business_id(session))
    with master_of(storage, creative) as master:
        assert master.mode == "RGB" and "icc_profile" not in master.info
        paper, cyan = master.getpixel((100, 150)), master.getpixel((300, 150))
    assert min(paper) > 235  # blank paper is white
    assert naive_cyan[1] > 240  # Pillow's naive conversion: pure (0, 255, 255)
    assert cyan[0] < 30 and 90 < cyan[1] < 160 and 110 < cyan[2] < 190  # the profile's cyan


def test_transparency_is_flattened_onto_the_chosen_background(
    session: Session, storage: LocalStorage
) -> None:
    creative = ingest_upload(
        session,
        storage,
        files.transparent_png(),
        "logo.png",
        business_id=business_id(session),
        background="#ff00ff",
    )
    with master_of(storage, creative) as master:
        assert master.mode == "RGB"
        assert master.getpixel((5, 5)) == (255, 0, 255)
        assert master.getpixel((200, 150)) == (0, 200, 0)
    assert creative.background == "#ff00ff"


def _settings(**overrides: object) -> Settings:
    return get_settings().model_copy(update=overrides)


HOSTILE: list[tuple[str, Callable[[], bytes], str, str]] = [
    ("empty", lambda: b"", "ad.jpg", "empty"),
    ("html named jpg", lambda: files.HTML_AS_JPG, "ad.jpg", "not_an_image"),
    ("bmp", lambda: files.encode(files.poster(), "BMP"), "ad.bmp", "unsupported_format"),
    ("animated gif", files.animated_gif, "dance.gif", "unsupported_format"),
    ("truncated jpeg", files.truncated_jpeg, "ad.jpg", "corrupt"),
    ("bomb 400 MP", lambda: files.png_bomb(20_000), "ad.png", "too_large_pixels"),
    ("bomb 49 MP", lambda: files.png_bomb(7_000), "ad.png", "too_large_pixels"),
    ("side too long", lambda: _long_strip(), "ad.png", "too_large_pixels"),
    ("one pixel", files.one_pixel_png, "dot.png", "too_small"),
    ("png named jpg", lambda: files.encode(files.poster(), "PNG"), "ad.jpg", "extension_mismatch"),
    (
        "jpeg named txt",
        lambda: files.encode(files.poster(), "JPEG"),
        "ad.txt",
        "extension_mismatch",
    ),
    ("too many bytes", lambda: files.encode(files.poster(), "PNG"), "ad.png", "too_large_bytes"),
]


def _long_strip() -> bytes:
    return files.encode(Image.new("L", (9000, 200), 128), "PNG")


@pytest.mark.parametrize(
    ("data", "filename", "code"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_file_is_refused_with_its_code_leaving_nothing(
    session: Session,
    storage: LocalStorage,
    data: Callable[[], bytes],
    filename: str,
    code: str,
) -> None:
    settings = _settings(max_upload_bytes=1_000) if code == "too_large_bytes" else None
    with pytest.raises(UploadRefused) as refused:
        ingest_upload(
            session, storage, data(), filename, business_id=business_id(session), settings=settings
        )
    session.commit()
    assert refused.value.code == code
    assert isinstance(refused.value, ValidationFailed)
    assert len(refused.value.message) > 20 and "Traceback" not in refused.value.message
    assert stored(storage) == []
    assert session.scalar(select(func.count()).select_from(Creative)) == 0
    assert session.scalar(select(func.count()).select_from(Rendition)) == 0


def test_every_refusal_code_is_covered() -> None:
    assert {h[3] for h in HOSTILE} == set(REFUSAL_CODES)


def test_identical_upload_is_stored_once(session: Session, storage: LocalStorage) -> None:
    data = files.encode(files.poster(), "JPEG", quality=90)
    bakery, florist = business_id(session), business_id(session, "Flower shop")
    first = ingest_upload(session, storage, data, "a.jpg", business_id=bakery)
    files_after_first = stored(storage)
    again = ingest_upload(session, storage, data, "copy.jpeg", business_id=bakery)
    assert again.id == first.id
    other = ingest_upload(session, storage, data, "a.jpg", business_id=florist)
    assert other.id != first.id and other.sha256 == first.sha256
    assert stored(storage) == files_after_first  # same bytes, same files
    letterboxed = ingest_upload(
        session, storage, data, "a.jpg", business_id=bakery, background="#ffffff"
    )
    assert letterboxed.id != first.id  # other options, another creative (same master file)
    assert letterboxed.sha256 == first.sha256


def test_a_failure_after_writing_removes_the_new_files(
    session: Session, storage: LocalStorage
) -> None:
    data = files.encode(files.poster(), "PNG")
    with pytest.raises(IntegrityError):  # no such user: the row cannot be written
        ingest_upload(
            session, storage, data, "a.png", business_id=business_id(session), uploaded_by_id=999
        )
    session.rollback()
    assert stored(storage) == []
    assert session.scalar(select(func.count()).select_from(Creative)) == 0


def test_the_callers_rollback_undoes_the_creative(session: Session, storage: LocalStorage) -> None:
    data = files.encode(files.poster(), "PNG")
    ingest_upload(session, storage, data, "a.png", business_id=business_id(session))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Creative)) == 0
    assert session.scalar(select(func.count()).select_from(Rendition)) == 0


def test_bad_options_are_refused_before_reading(session: Session, storage: LocalStorage) -> None:
    data = files.encode(files.poster(), "PNG")
    bid = business_id(session)
    for kwargs in ({"fit": "stretch"}, {"background": "red"}, {"focal": (1.5, 0.5)}):
        with pytest.raises(ValidationFailed):
            ingest_upload(session, storage, data, "a.png", business_id=bid, **kwargs)
    assert stored(storage) == []


@pytest.fixture
def cli_env(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("LOCALCAST_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LOCALCAST_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield engine
    get_settings.cache_clear()


def test_cli_upload_and_refusal(
    cli_env: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Session(cli_env) as session:
        session.add(Business(name="Cafe"))
        session.commit()
        bid = session.scalars(select(Business.id)).one()
    good = tmp_path / "menu.png"
    good.write_bytes(files.encode(files.poster(), "PNG"))
    code = main(
        [
            "ads",
            "upload",
            str(good),
            "--business",
            str(bid),
            "--fit",
            "cover",
            "--focal",
            "0.2,0.8",
            "--json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "pending" and out["name"] == "menu"
    with Session(cli_env) as session:
        creative = session.get(Creative, out["id"])
        assert creative is not None
        assert (creative.fit, creative.focal_x, creative.focal_y) == ("cover", 0.2, 0.8)
    bad = tmp_path / "menu.jpg"
    bad.write_bytes(files.HTML_AS_JPG)
    code = main(["ads", "upload", str(bad), "--business", str(bid)])
    err = capsys.readouterr().err
    assert code != 0 and "not an image" in err
