"""Benchmark the screen API against nginx, and proof-of-play ingest against a raw COPY.

1. Playlist polling: 10,000 screens with their own tokens poll ``GET /api/v1/screens/{id}/playlist``
   with ``If-None-Match`` (90 % carry the current ETag → 304, 10 % do not → 200 with the body) and
   ``Accept-Encoding: gzip`` (as the player's browser does), driven by wrk with a Lua script; the
   API under granian and under uvicorn, one after the other (``--server``). The same load goes to
   nginx serving a static JSON file of the same size (precompressed, ``gzip_static``; nginx's own
   ETag in the same share of requests). The API and nginx are measured in turn, ``--rounds``
   times. Prints requests/s, p50, p99, errors by kind, CPU time per request of the server and of
   wrk, each round's ratio and their median.
2. Proof of play: batches of plays POSTed over HTTP (a third of the batches sent twice, as a
   screen retrying after a lost answer), then the same rows loaded with a raw ``COPY``. Prints
   rows/s for both, the ratio, and lost or duplicated plays (must be zero).

Usage: ``python bench/serve.py [--quick] [--rounds N] [--server S] [--postgres URL]``
(PostgreSQL, wrk and nginx required).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playlists.serving import enrich  # noqa: E402
from scheduler.cli.serve_cmd import SERVERS  # noqa: E402
from scheduler.db import make_engine  # noqa: E402
from scheduler.migrate import upgrade  # noqa: E402
from scheduler.models import (  # noqa: E402
    Business,
    Campaign,
    PlanAllocation,
    PlanRun,
    Playlist,
    Screen,
)
from scheduler.security import hash_token, new_token  # noqa: E402

WRK_SCRIPT = r"""
local lines = {}
for line in io.lines("%(targets)s") do lines[#lines + 1] = line end
local n = #lines
local counter = 0
local tid = 0
local threads = {}
function setup(thread) tid = tid + 1; thread:set("tid", tid); table.insert(threads, thread) end
function init(args) counter = tid * 7919 end
request = function()
  counter = counter + 1
  local i = (counter * 104729) %% n + 1
  local path, token, etag = lines[i]:match("^(%%S+) (%%S+) (%%S+)$")
  local headers = { ["Authorization"] = "Bearer " .. token, ["Accept-Encoding"] = "gzip" }
  if counter %% 10 ~= 0 then headers["If-None-Match"] = etag end
  return wrk.format("GET", path, headers)
end
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p99_ms": %%f, "errors": %%d, '
    .. '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status + e.timeout,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def wait_bodies(base: str, expected: int, timeout: float = 600) -> float:
    """Wait until the workers have rendered every current playlist (as after a publish)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for line in httpx.get(f"{base}/metrics", timeout=30).text.splitlines():
            if line.startswith("localcast_playlist_bodies_cached ") and (
                float(line.split()[1]) >= expected
            ):
                return time.monotonic() - started
        time.sleep(1)
    raise RuntimeError(f"the API did not render {expected} playlist bodies in {timeout} s")


def document(screen_id: int, start: dt.datetime, hours: int, items: dict, media: dict) -> dict:
    ids = list(items)
    return {
        "screen_id": screen_id,
        "version": 1,
        "plan_run_id": None,
        "generated_at": start.isoformat(),
        "valid_from": start.isoformat(),
        "valid_until": (start + dt.timedelta(hours=hours)).isoformat(),
        "timezone": "Asia/Seoul",
        "slot_seconds": 10,
        "media": media,
        "items": items,
        "hours": [
            {
                "start": (start + dt.timedelta(hours=h)).isoformat(),
                "sequence": [ids[(h + i) % len(ids)] for i in range(360)],
            }
            for h in range(hours)
        ],
    }


def seed(url: str, screens: int, hours: int, ingest_screens: int) -> dict:
    """Screens with tokens and a current playlist each; allocations for the ingest screens."""
    engine = make_engine(url)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    start = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=hours // 2)
    sha = "ab" * 32
    media = {
        sha: {
            "sha256": sha,
            "size_bytes": 150_000,
            "content_type": "image/webp",
            "width": 1080,
            "height": 1920,
        }
    }
    house = {
        "media": sha,
        "duration_s": 10,
        "campaign_id": None,
        "business_id": None,
        "creative_id": None,
        "rule": "house",
        "impressions_multiplier": 0.4,
        "explain": {"rule": "house content when nothing else is booked"},
    }
    tokens: list[tuple[int, str, str]] = []
    with engine.begin() as conn:
        business = conn.execute(
            insert(Business).values(name="Bench shop").returning(Business.id)
        ).scalar_one()
        run = conn.execute(
            insert(PlanRun)
            .values(
                horizon_start=start,
                horizon_end=start + dt.timedelta(hours=hours),
                status="published",
                started_at=now,
                summary={},
            )
            .returning(PlanRun.id)
        ).scalar_one()
        campaigns = [
            conn.execute(
                insert(Campaign)
                .values(
                    business_id=business,
                    name=f"Campaign {c}",
                    status="approved",
                    starts_on=start.date(),
                    ends_on=(start + dt.timedelta(days=3)).date(),
                    budget_krw=1_000_000,
                    dayparts=[list(range(24))] * 7,
                    target_zone_ids=[],
                    target_screen_ids=[],
                    created_at=now,
                    updated_at=now,
                )
                .returning(Campaign.id)
            ).scalar_one()
            for c in range(4)
        ]
        rows = []
        for n in range(screens):
            token = new_token("scr")
            rows.append(
                {
                    "name": f"bench-{n}",
                    "token_hash": hash_token(token),
                    "created_at": now,
                    "width_px": 1080,
                    "height_px": 1920,
                    "status": "active",
                    "last_seen_at": now,
                }
            )
            tokens.append((n, token, ""))
        ids = list(
            conn.execute(
                insert(Screen).returning(Screen.id, sort_by_parameter_order=True), rows
            ).scalars()
        )
        playlist_rows = []
        allocations: dict[int, list[tuple[str, dt.datetime]]] = {}
        for n, screen_id in enumerate(ids):
            items = {"house": house}
            if n < ingest_screens:
                allocs = conn.execute(
                    insert(PlanAllocation).returning(
                        PlanAllocation.id, PlanAllocation.hour_start, sort_by_parameter_order=True
                    ),
                    [
                        {
                            "plan_run_id": run,
                            "screen_id": screen_id,
                            "hour_start": start + dt.timedelta(hours=h),
                            "campaign_id": c,
                            "plays": 72,
                            "price_krw": 120,
                            "tier": "peak",
                            "forecast": 300.0,
                            "impressions_multiplier": 0.9,
                            "rule": "paid",
                        }
                        for h in range(hours // 2)
                        for c in campaigns
                    ],
                ).all()
                allocations[screen_id] = [(f"a{a}", hs) for a, hs in allocs]
                for a, _ in allocs:
                    items[f"a{a}"] = {
                        **house,
                        "campaign_id": campaigns[0],
                        "rule": "paid",
                        "creative_id": None,
                        "impressions_multiplier": 0.9,
                    }
            else:
                for c in range(4):
                    items[f"x{c}"] = {**house, "rule": "paid", "campaign_id": campaigns[c]}
            doc = document(screen_id, start, hours, items, media)
            etag = uuid.uuid4().hex
            playlist_rows.append(
                {
                    "screen_id": screen_id,
                    "version": 1,
                    "plan_run_id": run,
                    "valid_from": start,
                    "valid_until": start + dt.timedelta(hours=hours),
                    "etag": etag,
                    "document": doc,
                    "is_current": True,
                    "published_at": now,
                }
            )
            tokens[n] = (screen_id, tokens[n][1], etag)
            if len(playlist_rows) >= 500:
                conn.execute(insert(Playlist), playlist_rows)
                playlist_rows.clear()
        if playlist_rows:
            conn.execute(insert(Playlist), playlist_rows)
    sample_doc = document(
        ids[-1],
        start,
        hours,
        {
            "house": house,
            **{f"x{c}": {**house, "rule": "paid", "campaign_id": campaigns[c]} for c in range(4)},
        },
        media,
    )
    body = json.dumps(enrich(sample_doc, ids[-1], 60), separators=(",", ":")).encode()
    engine.dispose()
    return {"tokens": tokens, "body": body, "allocations": allocations, "start": start}


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants (Linux ``/proc``)."""
    parents: dict[int, int] = {}
    seconds: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(fields[1])
        seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(seconds.get(p, 0.0) for p in tree)


def run_wrk(
    url: str, targets: Path, workdir: Path, seconds: int, connections: int, server_pid: int
) -> dict:
    """One wrk run; its figures plus the server's and wrk's CPU time per request."""
    script = workdir / f"poll-{uuid.uuid4().hex[:6]}.lua"
    script.write_text(WRK_SCRIPT % {"targets": targets})
    server_before = tree_cpu_seconds(server_pid)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / result["seconds"]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    result["server_us"] = (tree_cpu_seconds(server_pid) - server_before) / result["requests"] * 1e6
    result["wrk_us"] = wrk_cpu / result["requests"] * 1e6
    return result


def start_api(server: str, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``localcast serve`` with 2 workers on a free port; the process and its base URL."""
    port = free_port()
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler.cli",
            "serve",
            "--server",
            server,
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/healthz", timeout=120)
    return api, base


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def start_nginx(workdir: Path, body: bytes) -> tuple[subprocess.Popen, int, str]:
    prefix = workdir / "nginx"
    (prefix / "www").mkdir(parents=True)
    (prefix / "logs").mkdir()
    (prefix / "www" / "playlist.json").write_bytes(body)
    # Screens (Chromium) ask for gzip; nginx answers from a precompressed copy, as our API does.
    (prefix / "www" / "playlist.json.gz").write_bytes(gzip.compress(body, compresslevel=1, mtime=0))
    os.chmod(workdir, 0o755)
    port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes 2;\ndaemon off;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/logs/error.log warn;\n"
        "worker_rlimit_nofile 65535;\n"
        "events { worker_connections 4096; }\n"
        # nginx closes a keep-alive connection after 1,000 requests by default; wrk counts the
        # request it had already written on that connection as a read error. Our servers keep
        # connections open indefinitely, so nginx does too here.
        "http {\n  access_log off;\n  default_type application/json;\n"
        "  keepalive_requests 1000000;\n  keepalive_timeout 75s;\n  gzip_static on;\n"
        f"  client_body_temp_path {prefix}/tmp;\n  proxy_temp_path {prefix}/tmp;\n"
        f"  fastcgi_temp_path {prefix}/tmp;\n  uwsgi_temp_path {prefix}/tmp;\n"
        f"  scgi_temp_path {prefix}/tmp;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {prefix}/www; location / {{ }} }}\n}}\n"
    )
    (prefix / "tmp").mkdir()
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], stderr=subprocess.DEVNULL
    )
    wait_http(f"http://127.0.0.1:{port}/playlist.json")
    etag = httpx.get(f"http://127.0.0.1:{port}/playlist.json").headers["etag"]
    return process, port, etag


async def ingest(
    base: str, seeded: dict, tokens: dict[int, str], plays_per_screen: int, batch: int
) -> tuple[float, set[str]]:
    """POST every play, a third of the batches twice; seconds taken and the ids sent."""
    rng = random.Random(7)
    batches: list[tuple[int, list[dict]]] = []
    sent: set[str] = set()
    now = dt.datetime.now(dt.UTC)
    for screen_id, allocs in seeded["allocations"].items():
        plays = []
        for k in range(plays_per_screen):
            item, hour = allocs[k % len(allocs)]
            started = hour + dt.timedelta(seconds=10 * (k // len(allocs) % 300))
            if started > now - dt.timedelta(minutes=2):
                continue
            play_id = uuid.uuid4().hex
            sent.add(play_id)
            plays.append(
                {
                    "play_id": play_id,
                    "item_id": item,
                    "started_at": started.isoformat(),
                    "duration_ms": 10_000,
                }
            )
        for i in range(0, len(plays), batch):
            batches.append((screen_id, plays[i : i + batch]))
            if rng.random() < 1 / 3:
                batches.append((screen_id, plays[i : i + batch]))  # the retry
    rng.shuffle(batches)
    queue: asyncio.Queue = asyncio.Queue()
    for item in batches:
        queue.put_nowait(item)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def worker() -> None:
            while not queue.empty():
                screen_id, plays = queue.get_nowait()
                answer = await client.post(
                    f"/api/v1/screens/{screen_id}/plays",
                    json={"plays": plays},
                    headers={"Authorization": f"Bearer {tokens[screen_id]}"},
                )
                answer.raise_for_status()
                if answer.json()["refused"]:
                    raise RuntimeError(f"refused plays: {answer.json()['refused'][:2]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(16)))
        return time.perf_counter() - started, sent


def copy_rows(url: str) -> tuple[float, int]:
    """COPY the stored plays into an identical table; seconds taken and rows copied."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS plays_copy"))
        conn.execute(text("CREATE TABLE plays_copy (LIKE plays INCLUDING ALL)"))
    columns = (
        "screen_id, play_uid, item_id, playlist_id, allocation_id, campaign_id, "
        "creative_id, started_at, duration_ms, price_krw, impressions, received_at"
    )
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {columns} FROM plays")).all()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        with cursor.copy(f"COPY plays_copy ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        seconds = time.perf_counter() - started
    finally:
        raw.close()
        engine.dispose()
    return seconds, len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (about a minute)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "LOCALCAST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument(
        "--server",
        choices=("both", *SERVERS),
        default="both",
        help="the API's HTTP server(s) to measure, one after the other (default both)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="wrk runs of the API and of nginx, in turn, per server (default 3)",
    )
    args = parser.parse_args()
    # The production default last: proof-of-play ingest then runs against it.
    servers = ("granian", "uvicorn") if args.server == "both" else (args.server,)
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not installed")
    screens = 10_000
    hours = 12 if args.quick else 48
    seconds = 8 if args.quick else 30
    ingest_screens = 50 if args.quick else 200
    plays_per_screen = 200 if args.quick else 500

    admin_url = make_url(args.postgres)
    name = f"localcast_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    workdir = Path(tempfile.mkdtemp(prefix="localcast-bench-"))
    api = nginx = None
    try:
        print(f"seeding {screens} screens ({hours} h playlists) …", flush=True)
        seeded = seed(url, screens, hours, ingest_screens)
        targets = workdir / "targets.txt"
        targets.write_text(
            "".join(
                f'/api/v1/screens/{sid}/playlist {tok} "{etag}"\n'
                for sid, tok, etag in seeded["tokens"]
            )
        )

        env = {
            **os.environ,
            "LOCALCAST_DATABASE_URL": url,
            "LOCALCAST_DATA_DIR": str(workdir / "var"),
        }
        nginx, nginx_port, nginx_etag = start_nginx(workdir, seeded["body"])
        nginx_targets = workdir / "nginx-targets.txt"
        nginx_targets.write_text(
            "".join(f"/playlist.json {tok} {nginx_etag}\n" for _, tok, _ in seeded["tokens"])
        )
        nginx_base = f"http://127.0.0.1:{nginx_port}"
        # (label, figures, nginx's figures from the same round)
        results: list[tuple[str, dict, dict]] = []
        ratios: dict[str, list[float]] = {}
        for server in servers:
            if api is not None:
                stop(api)
            api, base = start_api(server, env)
            prepared = wait_bodies(base, 2 * screens)
            print(
                f"{server}: both workers rendered {screens:,} playlists each in {prepared:.0f} s",
                flush=True,
            )
            run_wrk(base, targets, workdir, 2, 64, api.pid)  # warm-up: last_seen writes, caches
            for round_ in range(1, args.rounds + 1):
                # The API and nginx in turn, round after round: a drift in the machine's state
                # then shows in every round's ratio instead of favouring one side.
                print(
                    f"round {round_}: {server}, then nginx: wrk, 2 threads, 64 connections, "
                    f"{seconds} s each …",
                    flush=True,
                )
                ours = run_wrk(base, targets, workdir, seconds, 64, api.pid)
                theirs = run_wrk(nginx_base, nginx_targets, workdir, seconds, 64, nginx.pid)
                results.append((f"API, {server} (2 workers), round {round_}", ours, theirs))
                results.append((f"nginx static file, round {round_}", theirs, theirs))
                ratios.setdefault(server, []).append(ours["rps"] / theirs["rps"])
        print(
            f"\nplaylist body {len(seeded['body']):,} bytes "
            f"({len(gzip.compress(seeded['body'], compresslevel=1)):,} gzipped); "
            "10,000 screens; 90 % If-None-Match; Accept-Encoding: gzip"
        )
        print(
            f"{'server':<40}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
            f"{'ratio':>8}{'server CPU µs/req':>19}{'wrk CPU µs/req':>16}  error kinds"
        )
        for label, r, reference in results:
            kinds = ", ".join(
                f"{k} {r[k]}" for k in ("connect", "read", "write", "status", "timeout") if r[k]
            )
            print(
                f"{label:<40}{r['rps']:>10,.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
                f"{r['errors']:>8}{r['rps'] / reference['rps']:>8.2f}"
                f"{r['server_us']:>19.1f}{r['wrk_us']:>16.1f}  {kinds or '-'}"
            )
        for server, values in ratios.items():
            print(
                f"{server} / nginx over {len(values)} rounds: median "
                f"{statistics.median(values):.2f} (lowest {min(values):.2f}, "
                f"highest {max(values):.2f})"
            )
        failed = sum(r["errors"] for _, r, _ in results)

        tokens = {sid: tok for sid, tok, _ in seeded["tokens"]}
        took, sent = asyncio.run(ingest(base, seeded, tokens, plays_per_screen, 500))
        engine = make_engine(url)
        with engine.connect() as conn:
            stored = list(conn.execute(text("SELECT play_uid FROM plays")).scalars())
        engine.dispose()
        lost = len(sent - set(stored))
        duplicated = len(stored) - len(set(stored))
        copy_seconds, copied = copy_rows(url)
        ours_rate, copy_rate = len(sent) / took, copied / copy_seconds
        print(
            f"\nproof of play: {len(sent):,} plays from {ingest_screens} screens in batches of "
            "500, a third of the batches sent twice"
        )
        print(f"{'path':<34}{'plays/s':>12}")
        print(f"{'API (HTTP, validate, ON CONFLICT)':<34}{ours_rate:>12,.0f}")
        print(f"{'raw COPY of the same rows':<34}{copy_rate:>12,.0f}")
        print(
            f"ratio API / COPY: {ours_rate / copy_rate:.3f}; lost: {lost}; duplicated: {duplicated}"
        )
        return 0 if lost == duplicated == 0 and failed == 0 else 1
    finally:
        for process in (api, nginx):
            if process is not None:
                stop(process)
        shutil.rmtree(workdir, ignore_errors=True)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
