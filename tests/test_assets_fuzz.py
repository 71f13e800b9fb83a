"""Mutated image bytes: the ingest raises only ``UploadRefused`` and never leaves files behind."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import asset_files as files
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assets.errors import REFUSAL_CODES, UploadRefused
from assets.ingest import ingest_upload
from assets.storage import LocalStorage
from scheduler.models import Business, Creative


@lru_cache(maxsize=1)
def seeds() -> dict[str, bytes]:
    image = files.poster((240, 220))
    return {
        "jpg": files.encode(image, "JPEG", quality=80),
        "png": files.encode(image.convert("P"), "PNG"),
        "webp": files.encode(image, "WEBP", quality=70),
        "gif": files.encode(image, "GIF"),
        "exif.jpg": files.exif_rotated_jpeg(),
        "cmyk.jpg": files.cmyk_jpeg_with_profile(),
        "alpha.png": files.transparent_png((240, 220)),
        "anim.gif": files.animated_gif(),
    }


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(seeds())))
    data = bytearray(seeds()[name])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "header"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "header":  # the first bytes carry sizes and chunk lengths
            at = draw(st.integers(0, min(len(data), 64) - 1))
            data[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at : at + draw(st.integers(1, 64))]
    return name, bytes(data)


@pytest.fixture
def session(sqlite_engine: Engine) -> Iterator[Session]:
    with Session(sqlite_engine, expire_on_commit=False) as session:
        session.add(Business(name="Fuzzed bakery"))
        session.commit()
        yield session


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=mutated())
def test_mutated_images_raise_only_upload_refused(
    session: Session, case: tuple[str, bytes]
) -> None:
    name, data = case
    bid = session.scalars(select(Business.id)).one()
    before = session.scalar(select(func.count()).select_from(Creative))
    with tempfile.TemporaryDirectory() as root:
        storage = LocalStorage(Path(root) / "assets")
        try:
            creative = ingest_upload(session, storage, data, f"ad.{name}", business_id=bid)
        except UploadRefused as refused:
            assert refused.code in REFUSAL_CODES
            assert not [p for p in Path(root).rglob("*") if p.is_file()]
            assert session.scalar(select(func.count()).select_from(Creative)) == before
        else:  # a mutation that is still a good image: stored whole and readable
            with Image.open(storage.path(creative.sha256)) as master:
                master.load()
                assert master.mode == "RGB"
        finally:
            session.rollback()
