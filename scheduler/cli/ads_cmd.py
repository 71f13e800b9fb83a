"""``localcast ads upload`` and ``localcast ads render``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy import func, select
from tqdm import tqdm

from assets.errors import UploadRefused
from assets.ingest import ingest_upload
from assets.renditions import active_screen_sizes, ensure_all_renditions
from assets.storage import storage_from_settings
from scheduler.cli import emit, json_flag, pair_type
from scheduler.db import session_scope
from scheduler.models import Creative
from scheduler.settings import get_settings

_focal = pair_type(float, ",", "a focal point like 0.5,0.3")


def register(subparsers: argparse._SubParsersAction) -> None:
    ads = subparsers.add_parser("ads", help="upload ad images and make their renditions")
    sub = ads.add_subparsers(dest="ads_command", required=True, metavar="ACTION")
    up = sub.add_parser("upload", help="ingest an ad image as a business (pending review)")
    up.add_argument("file", type=Path)
    up.add_argument("--business", type=int, required=True, help="business id")
    up.add_argument("--name", help="name of the ad (default: the file name)")
    up.add_argument("--fit", choices=("contain", "cover"), default="contain")
    up.add_argument("--background", default="#000000", help="letterbox / transparency colour")
    up.add_argument("--focal", type=_focal, default=(0.5, 0.5), help="x,y fractions for cover")
    json_flag(up)
    up.set_defaults(handler=_upload)
    render = sub.add_parser("render", help="make missing renditions for every active screen size")
    json_flag(render)
    render.set_defaults(handler=_render)


def _upload(args: argparse.Namespace) -> int:
    settings = get_settings()
    path: Path = args.file
    if not path.is_file():
        raise UploadRefused("empty", f"There is no file at {path}.")
    size = path.stat().st_size
    if size > settings.max_upload_bytes:
        # Refuse before reading a huge file into memory.
        raise UploadRefused(
            "too_large_bytes",
            f"The file is {size / 2**20:.0f} MB; the limit is "
            f"{settings.max_upload_bytes / 2**20:.0f} MB.",
        )
    storage = storage_from_settings(settings)
    with session_scope() as session:
        creative = ingest_upload(
            session,
            storage,
            path.read_bytes(),
            path.name,
            business_id=args.business,
            name=args.name,
            fit=args.fit,
            background=args.background,
            focal=args.focal,
            settings=settings,
        )
        payload = {
            "id": creative.id,
            "business_id": creative.business_id,
            "name": creative.name,
            "status": creative.status,
            "sha256": creative.sha256,
            "width": creative.width_px,
            "height": creative.height_px,
            "format": creative.format,
        }
    emit(
        args,
        payload,
        f"uploaded ad {payload['name']!r} (creative {payload['id']}, "
        f"{payload['width']}x{payload['height']}); it waits for staff review",
    )
    return 0


def _render(args: argparse.Namespace) -> int:
    storage = storage_from_settings()
    with session_scope() as session:
        sizes = active_screen_sizes(session)
        count = session.scalar(
            select(func.count())
            .select_from(Creative)
            .where(Creative.status.in_(("pending", "approved")))
        )
        total = (count or 0) * (len(sizes) + 1)
        with tqdm(total=total, desc="renditions", unit="img", disable=args.json) as bar:
            made = ensure_all_renditions(session, storage, progress=bar.update)
    emit(
        args,
        {"made": made, "sizes": [f"{w}x{h}" for w, h in sizes]},
        f"made {made} renditions for {len(sizes)} screen sizes",
    )
    return 0
