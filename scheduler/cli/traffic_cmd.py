"""``localcast traffic import`` and ``localcast traffic backtest``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from scheduler.cli import emit, json_flag
from scheduler.db import session_scope
from scheduler.errors import LocalcastError
from scheduler.forecast import backtest
from scheduler.settings import get_settings
from scheduler.traffic_import import ImportReport, import_traffic

PROBLEMS_PRINTED = 20


def _columns(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        src, sep, dst = part.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise argparse.ArgumentTypeError(f"{part!r} is not SRC=DST (e.g. Sensor=location)")
        pairs[src.strip()] = dst.strip()
    return pairs


def register(subparsers: argparse._SubParsersAction) -> None:
    traffic = subparsers.add_parser("traffic", help="import foot traffic and test the forecast")
    sub = traffic.add_subparsers(dest="traffic_command", required=True, metavar="ACTION")

    imp = sub.add_parser("import", help="import foot-traffic CSVs (long or wide)")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument(
        "--columns",
        type=_columns,
        default={},
        help="rename columns: SRC=DST,... (DST: location, "
        "screen_id, timestamp, date, hour, count, or a location name in wide files)",
    )
    imp.add_argument("--mapping", type=Path, help="CSV with columns location,screen_id")
    imp.add_argument("--sensors", type=Path, help="sensor-locations CSV: nearest sensor per screen")
    imp.add_argument("--tz", help="time zone of the file's local times (default: the city's)")
    imp.add_argument("--dry-run", action="store_true", help="check and report, store nothing")
    imp.add_argument("--all-problems", action="store_true", help="list every rejected value")
    json_flag(imp)
    imp.set_defaults(handler=_import)

    back = sub.add_parser("backtest", help="forecast error vs seasonal-naive on recent history")
    back.add_argument("--holdout-days", type=int, default=7)
    back.add_argument(
        "--holiday",
        action="append",
        type=dt.date.fromisoformat,
        default=[],
        metavar="YYYY-MM-DD",
        help="a public holiday, forecast like a Sunday (repeatable)",
    )
    json_flag(back)
    back.set_defaults(handler=_backtest)


def _progress_bar(name: str, quiet: bool) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    bar: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, desc=name, unit="row", disable=quiet, file=sys.stderr)
        bar["bar"].update(done - bar["bar"].n)

    def close() -> None:
        if "bar" in bar:
            bar["bar"].close()

    return update, close


def _text(report: ImportReport, all_problems: bool) -> str:
    lines = [report.summary()]
    if report.already_imported:
        lines.append(
            f"  this file was imported before (import {report.import_id}); nothing changed"
        )
    if report.dry_run:
        lines.append("  dry run: nothing stored")
    if report.blank_rows:
        lines.append(f"  {report.blank_rows} blank rows ignored")
    if report.ignored_columns:
        lines.append(f"  columns not used: {', '.join(report.ignored_columns)}")
    lines.extend(f"  note: {note}" for note in report.notes)
    shown = report.problems if all_problems else report.problems[:PROBLEMS_PRINTED]
    for p in shown:
        lines.append(f"  row {p['row']}, {p['column']}: {p['value']!r}: {p['reason']}")
    if len(shown) < len(report.problems):
        lines.append(f"  ... {len(report.problems) - len(shown)} more (--all-problems or --json)")
    return "\n".join(lines)


def _import(args: argparse.Namespace) -> int:
    reports: list[dict[str, Any]] = []
    texts: list[str] = []
    failed = False
    for path in args.files:
        update, close = _progress_bar(path.name, args.json)
        try:
            with session_scope() as session:
                report = import_traffic(
                    session,
                    path,
                    filename=path.name,
                    columns=args.columns,
                    mapping=args.mapping,
                    sensors=args.sensors,
                    tz=args.tz,
                    dry_run=args.dry_run,
                    progress=update,
                )
        except LocalcastError as exc:  # one bad file must not hide the others' reports
            failed = True
            reports.append({"filename": path.name, "error": exc.code, "message": exc.message})
            texts.append(f"refused: {exc.message}")
            continue
        finally:
            close()
        failed = failed or report.rows_rejected > 0
        reports.append(report.as_dict(max_problems=None if args.all_problems else 1000))
        texts.append(_text(report, args.all_problems))
    payload = {
        "files": reports,
        "rows_kept": sum(r.get("rows_kept", 0) for r in reports),
        "rows_rejected": sum(r.get("rows_rejected", 0) for r in reports),
        "ok": not failed,
    }
    if args.json:
        print(json.dumps(payload, default=str, ensure_ascii=False))
    else:
        print("\n".join(texts))
    return 1 if failed else 0


def _backtest(args: argparse.Namespace) -> int:
    holidays = get_settings().holiday_dates | frozenset(args.holiday)
    with session_scope() as session:
        report = backtest(session, args.holdout_days, holidays=holidays)
    emit(args, report.as_dict(), report.summary())
    return 0
