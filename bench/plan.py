"""Planning benchmark: our allocator against the HiGHS LP optimum of the same model.

    python bench/plan.py            # 50×100 up to 5,000 screens × 5,000 campaigns, 48 h
    python bench/plan.py --quick    # a short run (under two minutes)

Prints one JSON object per size as its last lines: screens, campaigns, screen_hours, pairs,
plan_seconds (allocation), check_seconds (independent checker), lp_seconds (null where the LP
was not run or did not finish), spend_ratio and audience_ratio (ours over the LP's two-stage
optimum), objective_ratio (the smaller of the two) and violations.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.allocate import allocate, plan_totals  # noqa: E402
from scheduler.checker import check_plan  # noqa: E402
from scheduler.lp_reference import solve_lp  # noqa: E402
from scheduler.synthetic import make_instance  # noqa: E402

FULL = [(50, 100), (200, 400), (500, 1000), (1000, 1000), (2000, 2000), (5000, 5000)]
QUICK = [(50, 100), (100, 200), (1000, 1000)]
LP_MAX_SCREENS = 200


def run(screens: int, campaigns: int, lp_limit: float, seed: int) -> dict:
    inst = make_instance(screens, campaigns, 48, seed=seed)
    frames = (inst.screen_hours, inst.campaigns, inst.day_caps, inst.eligible, inst.quotas)
    started = time.perf_counter()
    plan = allocate(*frames)
    plan_seconds = time.perf_counter() - started
    started = time.perf_counter()
    violations = check_plan(plan, *frames)
    check_seconds = time.perf_counter() - started
    ours = plan_totals(plan, inst.screen_hours)
    row = {
        "screens": screens,
        "campaigns": campaigns,
        "screen_hours": len(inst.screen_hours),
        "pairs": len(inst.eligible),
        "plan_seconds": round(plan_seconds, 2),
        "check_seconds": round(check_seconds, 2),
        "lp_seconds": None,
        "spend_ratio": None,
        "audience_ratio": None,
        "objective_ratio": None,
        "violations": len(violations),
    }
    if screens <= LP_MAX_SCREENS and lp_limit > 0:
        best = solve_lp(*frames, time_limit=lp_limit)
        if best.status == "optimal":
            spend = ours["spend_krw"] / best.spend_krw if best.spend_krw else 1.0
            audience = ours["audience"] / best.audience if best.audience else 1.0
            row.update(
                lp_seconds=round(best.seconds, 2),
                spend_ratio=round(spend, 4),
                audience_ratio=round(audience, 4),
                objective_ratio=round(min(spend, audience), 4),
            )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (< 2 minutes)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lp-limit", type=float, default=None, help="LP time limit, seconds")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    lp_limit = args.lp_limit if args.lp_limit is not None else (60.0 if args.quick else 300.0)
    # Compile (or load) the allocator's kernels first, so no row's plan time includes it.
    warm = make_instance(4, 8, 24, seed=0)
    allocate(warm.screen_hours, warm.campaigns, warm.day_caps, warm.eligible, warm.quotas)
    rows = []
    for screens, campaigns in sizes:
        row = run(screens, campaigns, lp_limit, args.seed)
        rows.append(row)
        print(
            f"{screens:>5} screens × {campaigns:>5} campaigns: plan {row['plan_seconds']:.1f} s, "
            f"LP {row['lp_seconds']} s, ratio {row['objective_ratio']}, "
            f"violations {row['violations']}",
            file=sys.stderr,
            flush=True,
        )
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
