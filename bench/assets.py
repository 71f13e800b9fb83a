"""Ad renditions benchmark: localcast's renditions against plain Pillow, time and peak memory.

    python bench/assets.py               # the demo city's screen sizes
    python bench/assets.py --all-sizes   # six common sizes, 720p up to 4K

A 24-megapixel JPEG (6000×4000) is ingested once; then, each in a fresh subprocess so that its
peak memory (``VmHWM``) is its own: localcast's ``ensure_renditions`` to every size (reduced-scale
JPEG decoding with ``Image.draft``, ``reduce`` before Lanczos, sizes resized and encoded in
``render_threads()`` threads) and plain Pillow (open, full decode, one Lanczos resize per size,
same geometry, same encoder settings, one thread). Wall-clock seconds are compared; CPU seconds
(all threads, user + system) are printed beside them. Peak memory is reported minus that of a
subprocess that only imports the same modules. Repeated ``--repeat`` times; the medians are
printed, then one JSON line per fit.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEMO_FALLBACK = [(1080, 1920), (1920, 1080), (768, 1366)]
ALL_SIZES = [(1080, 1920), (1920, 1080), (720, 1280), (1280, 720), (3840, 2160), (768, 1366)]


def demo_sizes() -> list[tuple[int, int]]:
    try:
        from scheduler.demo.city import SCREEN_SIZES
    except ImportError:
        return DEMO_FALLBACK
    return [tuple(size) for size in SCREEN_SIZES]  # type: ignore[misc]


def make_photo(path: Path) -> None:
    """A 6000×4000 photo-like JPEG: smooth colour fields, grain, and a caption."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    width, height = 6000, 4000
    rng = np.random.default_rng(24)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 128 + 100 * np.sin(x / 700) * np.cos(y / 900)
    green = 128 + 90 * np.sin((x + y) / 1100)
    blue = 128 + 80 * np.cos(x / 500 - y / 1300)
    rgb = np.stack([red, green, blue], axis=-1) + rng.normal(0, 6, (height, width, 1))
    image = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((400, 1500, 5600, 2500), fill=(250, 250, 240))
    draw.text(
        (600, 1650), "Fresh bread 7-19h", fill=(20, 20, 20), font=ImageFont.load_default(size=600)
    )
    image.save(path, "JPEG", quality=90)


def _worker(args: argparse.Namespace) -> None:
    """Runs inside a subprocess: one variant, prints a JSON line with seconds and peak RSS."""
    from PIL import Image  # noqa: F401 - both variants pay for the same imports
    from sqlalchemy.orm import Session

    from assets.geometry import place
    from assets.renditions import RENDITION_QUALITY, ensure_renditions
    from assets.storage import LocalStorage
    from scheduler.db import make_engine
    from scheduler.models import Creative

    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    work = Path(args.work)
    seconds = cpu = 0.0
    if args.variant == "localcast":
        engine = make_engine(f"sqlite:///{work / 'bench.db'}")
        storage = LocalStorage(work / "assets")
        with Session(engine) as session:
            creative = session.get(Creative, args.creative)
            assert creative is not None
            start, cpu_start = time.perf_counter(), _cpu_seconds()
            rows = ensure_renditions(session, storage, creative, sizes, threads=args.threads)
            session.commit()
            seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
            assert [(r.width_px, r.height_px) for r in rows] == sizes
    elif args.variant == "pillow":
        out = work / "plain"
        out.mkdir(exist_ok=True)
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        with Image.open(args.source) as image:
            image.load()
            for size in sizes:
                placement = place(image.size, size, args.fit, (0.5, 0.5))
                scaled = image.resize(placement.size, Image.Resampling.LANCZOS, box=placement.box)
                canvas = Image.new("RGB", size, (0, 0, 0))
                canvas.paste(scaled, placement.offset)
                canvas.save(
                    out / f"{size[0]}x{size[1]}.jpg",
                    "JPEG",
                    quality=RENDITION_QUALITY,
                    subsampling=0,
                    optimize=True,
                )
        seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu_start
    print(f"{args.variant}: {seconds:.3f} s", file=sys.stderr)
    print(json.dumps({"seconds": seconds, "cpu_s": cpu, "peak_mb": _peak_rss_mb()}))


def _cpu_seconds() -> float:
    """User + system CPU time of this process, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    """This process's own peak resident memory.

    ``VmHWM`` belongs to the process image; ``ru_maxrss`` would also count the parent's peak,
    which Linux carries over into a child across fork and exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(variant: str, **kw: object) -> dict[str, float]:
    argv = [sys.executable, __file__, "--worker", variant]
    for key, value in kw.items():
        argv += [f"--{key}", str(value)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _setup(work: Path, source: Path, fit: str) -> int:
    """Ingest the photo into a fresh database; returns the creative id."""
    from sqlalchemy.orm import Session

    from assets.ingest import ingest_upload
    from assets.storage import LocalStorage
    from scheduler.db import make_engine
    from scheduler.migrate import upgrade
    from scheduler.models import Business

    engine = make_engine(f"sqlite:///{work / 'bench.db'}")
    upgrade(engine)
    with Session(engine) as session:
        business = Business(name="Bench bakery")
        session.add(business)
        session.flush()
        start = time.perf_counter()
        creative = ingest_upload(
            session,
            LocalStorage(work / "assets"),
            source.read_bytes(),
            source.name,
            business_id=business.id,
            fit=fit,
        )
        session.commit()
        print(
            f"ingest of the {source.stat().st_size / 2**20:.1f} MB photo: "
            f"{time.perf_counter() - start:.2f} s",
            file=sys.stderr,
        )
        return creative.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all-sizes", action="store_true", help="six sizes instead of the demo's")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, help="localcast's rendering threads (default: one per core, max 4)"
    )
    parser.add_argument(
        "--worker", choices=("localcast", "pillow", "baseline"), help=argparse.SUPPRESS
    )
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    parser.add_argument("--creative", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fit", default="contain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.variant = args.worker
        _worker(args)
        return

    from assets.renditions import render_threads

    threads = args.threads or render_threads()
    sizes = ALL_SIZES if args.all_sizes else demo_sizes()
    size_arg = ",".join(f"{w}x{h}" for w, h in sizes)
    results = []
    with tempfile.TemporaryDirectory(prefix="localcast-bench-") as tmp:
        root = Path(tmp)
        source = root / "photo-24mp.jpg"
        make_photo(source)
        for fit in ("contain", "cover"):
            template = root / f"template-{fit}"
            template.mkdir()
            creative = _setup(template, source, fit)
            runs: dict[str, list[dict[str, float]]] = {
                "localcast": [],
                "pillow": [],
                "baseline": [],
            }
            for i in range(args.repeat):
                for variant in runs:
                    work = root / f"{fit}-{variant}-{i}"
                    shutil.copytree(template, work)
                    runs[variant].append(
                        _run(
                            variant,
                            work=work,
                            source=source,
                            sizes=size_arg,
                            creative=creative,
                            fit=fit,
                            threads=threads,
                        )
                    )
            base = statistics.median(r["peak_mb"] for r in runs["baseline"])
            row = {"fit": fit, "sizes": size_arg}
            for variant in ("localcast", "pillow"):
                row[f"{variant}_s"] = round(
                    statistics.median(r["seconds"] for r in runs[variant]), 3
                )
                row[f"{variant}_cpu_s"] = round(
                    statistics.median(r["cpu_s"] for r in runs[variant]), 3
                )
                peak = statistics.median(r["peak_mb"] for r in runs[variant])
                row[f"{variant}_peak_mb"] = round(peak - base, 1)
            row["time_ratio"] = round(row["localcast_s"] / row["pillow_s"], 3)
            row["memory_ratio"] = round(row["localcast_peak_mb"] / row["pillow_peak_mb"], 3)
            row["baseline_rss_mb"] = round(base, 1)
            row["threads"] = threads
            results.append(row)
    print(f"localcast renders in {threads} thread(s); Pillow in one", file=sys.stderr)
    print(
        "| fit | sizes | localcast s | Pillow s | time ratio | localcast CPU s | Pillow CPU s"
        " | localcast peak MB | Pillow peak MB | memory ratio |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['fit']} | {len(sizes)} | {r['localcast_s']} | {r['pillow_s']} | "
            f"{r['time_ratio']} | {r['localcast_cpu_s']} | {r['pillow_cpu_s']} | "
            f"{r['localcast_peak_mb']} | {r['pillow_peak_mb']} | {r['memory_ratio']} |"
        )
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
