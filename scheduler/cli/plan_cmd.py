"""``localcast plan``: plan and publish now; say what could not be met."""

from __future__ import annotations

import argparse
import datetime as dt

from tqdm import tqdm

from scheduler.cli import emit, json_flag
from scheduler.db import get_engine
from scheduler.errors import ValidationFailed
from scheduler.planner import plan_and_publish


def register(subparsers: argparse._SubParsersAction) -> None:
    plan = subparsers.add_parser("plan", help="plan the rolling horizon and publish playlists now")
    plan.add_argument("--now", help="plan as if it were this moment (ISO 8601 with offset)")
    json_flag(plan)
    plan.set_defaults(handler=_plan)


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed(f"--now {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValidationFailed(f"--now {text!r} needs a UTC offset, e.g. 2026-11-22T08:00:00+09:00")
    return moment


def _plan(args: argparse.Namespace) -> int:
    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="", leave=False)
        bar.update(done - bar.n)

    try:
        report = plan_and_publish(get_engine(), now=_moment(args.now), progress=progress)
    finally:
        for bar in bars.values():
            bar.close()
    lines = [
        f"plan run {report.plan_run_id} published: {report.playlists} playlists, "
        f"{report.allocations} allocations over {report.screen_hours} screen-hours "
        f"({report.horizon_start:%Y-%m-%d %H:%M} to {report.horizon_end:%Y-%m-%d %H:%M} UTC)",
        f"{report.campaigns} campaigns, {report.spend_krw:,.0f} KRW planned, "
        f"{report.audience:,.0f} expected impressions, in {report.seconds:.1f} s",
    ]
    if report.unmet:
        lines.append("could not meet:")
        lines.extend(f"  - {note}" for note in report.unmet)
    emit(args, report.as_dict(), "\n".join(lines))
    return 0
