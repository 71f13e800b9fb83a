"""The planning pipeline: forecast, price, allocate, check, order, publish.

``plan_and_publish`` records every run in ``plan_runs``. The plan is published only when the
independent checker finds nothing wrong, in one transaction; on any failure the previous
playlists stay current and the run keeps the error.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from scheduler import forecast as forecasting
from scheduler.allocate import allocate, plan_totals
from scheduler.checker import check_plan
from scheduler.db import session_scope
from scheduler.errors import PlanRejected
from scheduler.models import PlanRun, utcnow
from scheduler.plan_inputs import PlanInputs, horizon, load_inputs
from scheduler.publish import publish_plan
from scheduler.settings import get_settings

Progress = Callable[[str, int, int], None]


@dataclass
class PlanReport:
    plan_run_id: int
    status: str
    horizon_start: dt.datetime
    horizon_end: dt.datetime
    screens: int
    screen_hours: int
    campaigns: int
    allocations: int
    playlists: int
    spend_krw: float
    audience: float
    seconds: float
    violations: list[dict[str, Any]] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["horizon_start"] = self.horizon_start.isoformat()
        out["horizon_end"] = self.horizon_end.isoformat()
        return out


def unmet_constraints(inputs: PlanInputs, plan: pd.DataFrame) -> list[str]:
    """What the plan could not give: local reserve left unfilled, paced spend not delivered."""
    notes: list[str] = []
    sh = inputs.screen_hours
    if len(sh) == 0:
        return list(inputs.notes)
    camp = inputs.campaigns.set_index("campaign_id") if len(inputs.campaigns) else None
    local_ids = set(camp.index[camp["is_local"]]) if camp is not None else set()
    local = plan[plan["campaign_id"].isin(local_ids)].groupby("sh")["plays"].sum()
    need = np.ceil(inputs.quotas.local_min_share * sh["capacity"].to_numpy() - 1e-9)
    got = local.reindex(range(len(sh)), fill_value=0).to_numpy()
    short = int(np.sum(got < need))
    if short:
        missing = int(np.sum(np.maximum(need - got, 0)))
        where = (
            "released to other advertisers"
            if inputs.quotas.release_unused_local
            else ("given to public notices and house content")
        )
        notes.append(
            f"local demand short: {short} of {len(sh)} screen-hours could not fill the "
            f"{inputs.quotas.local_min_share:.0%} small-local reserve ({missing} slots {where})"
        )
    if camp is not None and len(inputs.day_caps):
        paid = plan[plan["rule"].isin(["local_quota", "paid", "released"])]
        spent = (paid["plays"] * paid["price_krw"]).groupby(paid["campaign_id"]).sum()
        pace = inputs.day_caps.groupby("campaign_id")["cap_krw"].sum()
        for cid, target in pace.items():
            got_krw = float(spent.get(cid, 0))
            if target > 0 and got_krw < 0.95 * target and not camp.at[cid, "is_public"]:
                notes.append(
                    f"budget unreachable: campaign {cid} ({camp.at[cid, 'name']}) planned "
                    f"{got_krw:,.0f} of its paced {target:,.0f} KRW over the horizon"
                )
    return notes + inputs.notes


def plan_and_publish(
    engine: Engine, now: dt.datetime | None = None, progress: Progress | None = None
) -> PlanReport:
    """Plan the rolling horizon from ``now`` and publish it; raises ``PlanRejected`` if the
    checker finds a violation (nothing is published then)."""
    started = time.perf_counter()
    settings = get_settings()
    now = (now or utcnow()).astimezone(dt.UTC)
    start, end = horizon(now, settings.horizon_hours)
    with session_scope(engine) as session:
        run = PlanRun(horizon_start=start, horizon_end=end, status="running", started_at=now)
        session.add(run)
        session.flush()
        run_id = run.id

    def step(name: str, done: int = 1, total: int = 1) -> None:
        if progress:
            progress(name, done, total)

    summary: dict[str, Any] = {}
    try:
        with session_scope(engine) as session:
            step("forecast")
            hours = int((end - start).total_seconds() // 3600)
            forecast = forecasting.refresh_forecasts(session, start, hours, tz=settings.timezone)
        with session_scope(engine) as session:
            step("inputs")
            inputs = load_inputs(session, start, end, forecast, settings.timezone)
            step("allocate")
            plan = allocate(
                inputs.screen_hours, inputs.campaigns, inputs.day_caps, inputs.eligible,
                inputs.quotas,
            )  # fmt: skip
            step("check")
            violations = check_plan(
                plan, inputs.screen_hours, inputs.campaigns, inputs.day_caps, inputs.eligible,
                inputs.quotas,
            )  # fmt: skip
            totals = plan_totals(plan, inputs.screen_hours)
            unmet = unmet_constraints(inputs, plan)
            summary = {
                "screens": len(inputs.screens),
                "screen_hours": len(inputs.screen_hours),
                "campaigns": len(inputs.campaigns),
                **totals,
                "unmet": unmet[:200],
                "violations": [v.as_dict() for v in violations[:50]],
                "quota_policy_id": inputs.policy.id,
                "tier_set_id": inputs.tier_set.id,
            }
            if violations:
                raise PlanRejected(
                    f"The plan broke {len(violations)} constraint(s) and was not published; "
                    f"first: {violations[0].kind} — {violations[0].detail}. The previous "
                    "playlists stay live."
                )
            run = session.get(PlanRun, run_id)
            assert run is not None
            written = publish_plan(session, run, inputs, plan, now=now, progress=progress)
            run.status = "published"
            run.finished_at = utcnow()
            run.quota_policy_id = inputs.policy.id
            run.tier_set_id = inputs.tier_set.id
            run.objective = totals["spend_krw"]
            run.summary = {**summary, **written, "seconds": time.perf_counter() - started}
    except BaseException as exc:
        status = "rejected" if isinstance(exc, PlanRejected) else "failed"
        with session_scope(engine) as session:
            run = session.get(PlanRun, run_id)
            if run is not None:
                run.status = status
                run.finished_at = utcnow()
                run.error = getattr(exc, "message", None) or repr(exc)
                if isinstance(exc, PlanRejected):
                    run.summary = summary
        raise
    return PlanReport(
        plan_run_id=run_id,
        status="published",
        horizon_start=start,
        horizon_end=end,
        screens=len(inputs.screens),
        screen_hours=len(inputs.screen_hours),
        campaigns=len(inputs.campaigns),
        allocations=written["allocations"],
        playlists=written["playlists"],
        spend_krw=totals["spend_krw"],
        audience=totals["audience"],
        seconds=time.perf_counter() - started,
        unmet=unmet,
    )
