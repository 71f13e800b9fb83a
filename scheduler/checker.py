"""An independent verifier of a plan against the hard constraints. Pure: frames in, list out.

It shares no code with ``allocate``: it reads the plan as a table of rows and recomputes every
total with pandas group-bys, from the constraint list in the design (and the model written in
``scheduler.allocate``'s docstring). The planner refuses to publish a plan with any violation.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

KINDS = (
    "bad_row",
    "capacity",
    "ineligible",
    "price",
    "rule",
    "advertiser_share",
    "budget",
    "local_share",
    "reserve",
    "public_share",
)
COMMERCIAL_RULES = {"local_quota", "paid", "released"}


@dataclass(frozen=True)
class Violation:
    kind: str
    sh: int | None
    campaign_id: int | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ceil_share(share: float, n: int) -> int:
    return math.ceil(round(share * n, 6))


def _limits(capacity: pd.Series, policy: Any) -> pd.DataFrame:
    rows = []
    for n in capacity.astype(int).tolist():
        pub = _ceil_share(policy.public_min_share, n)
        loc = min(_ceil_share(policy.local_min_share, n), n - pub)
        adv = math.floor(round(policy.advertiser_max_share * n, 6))
        rows.append((n, pub, loc, n - pub - loc, adv))
    return pd.DataFrame(rows, columns=["n", "r_pub", "r_loc", "open", "adv"], index=capacity.index)


def check_plan(
    plan: pd.DataFrame,
    screen_hours: pd.DataFrame,
    campaigns: pd.DataFrame,
    day_caps: pd.DataFrame,
    eligible: pd.DataFrame,
    policy: Any,
) -> list[Violation]:
    """Every constraint the plan breaks; an empty list means the plan may be published.

    Inputs as for ``allocate.allocate``; ``policy`` needs ``local_min_share``,
    ``public_min_share``, ``advertiser_max_share`` and ``release_unused_local``. If
    ``campaigns`` has ``remaining_krw``, a campaign's total spend is checked against it too.
    """
    found: list[Violation] = []
    screen_hours, campaigns, day_caps, eligible = _typed_inputs(
        screen_hours, campaigns, day_caps, eligible
    )

    def add(kind: str, sh: Any, cid: Any, detail: str) -> None:
        found.append(
            Violation(
                kind,
                None if sh is None or pd.isna(sh) else int(sh),
                None if cid is None or pd.isna(cid) else int(cid),
                detail,
            )
        )

    limits = _limits(screen_hours.set_index("sh")["capacity"], policy)
    rows = plan.copy()
    rows["campaign_id"] = rows["campaign_id"].astype("Int64")

    # Rows must be whole, non-negative plays of a known screen-hour and rule.
    plays = pd.to_numeric(rows["plays"], errors="coerce")
    bad = (
        plays.isna()
        | (plays < 0)
        | (plays != np.floor(plays.fillna(0)))
        | ~rows["sh"].isin(limits.index)
        | ~rows["rule"].isin(COMMERCIAL_RULES | {"public_quota", "house"})
    )
    for row in rows[bad].itertuples():
        add("bad_row", row.sh, row.campaign_id, f"row {row.rule} with {row.plays} plays")
    rows = rows[~bad]

    info = campaigns.set_index("campaign_id")
    rows = rows.join(info[["business_id", "is_local", "is_public"]], on="campaign_id")
    house = rows["campaign_id"].isna()
    rows["is_local"] = rows["is_local"].fillna(False).astype(bool)
    rows["is_public"] = rows["is_public"].fillna(False).astype(bool)
    unknown = ~house & rows["business_id"].isna()
    for row in rows[unknown].itertuples():
        add("ineligible", row.sh, row.campaign_id, "campaign not among the plannable campaigns")
    rows = rows[~unknown]
    house = rows["campaign_id"].isna()

    # Rules must match who was placed.
    wrong = (
        (house & ~rows["rule"].isin({"public_quota", "house"}))
        | (~house & rows["is_public"] & (rows["rule"] != "public_quota"))
        | (~house & ~rows["is_public"] & ~rows["rule"].isin(COMMERCIAL_RULES))
        | (~house & rows["is_local"] & (rows["rule"] == "released"))
        | (~house & ~rows["is_local"] & (rows["rule"] == "local_quota"))
    )
    for row in rows[wrong].itertuples():
        add("rule", row.sh, row.campaign_id, f"rule {row.rule!r} does not fit this placement")

    # Eligibility and frozen prices.
    camp_rows = rows[~house].merge(
        eligible[["sh", "campaign_id", "price_krw"]].astype({"campaign_id": "Int64"}),
        on=["sh", "campaign_id"],
        how="left",
        suffixes=("", "_quoted"),
    )
    missing = camp_rows["price_krw_quoted"].isna()
    for row in camp_rows[missing].itertuples():
        add("ineligible", row.sh, row.campaign_id, "not eligible in this screen-hour")
    camp_rows = camp_rows[~missing]
    paid_rows = camp_rows[~camp_rows["is_public"]]
    mispriced = paid_rows["price_krw"] != paid_rows["price_krw_quoted"]
    for row in paid_rows[mispriced].itertuples():
        add(
            "price",
            row.sh,
            row.campaign_id,
            f"planned at {row.price_krw} KRW but priced {int(row.price_krw_quoted)} KRW",
        )

    # Airtime per screen-hour.
    total = rows.groupby("sh")["plays"].sum()
    per_sh = limits.join(total.rename("total")).fillna({"total": 0})
    for sh, row in per_sh[per_sh["total"] > per_sh["n"]].iterrows():
        add("capacity", sh, None, f"{int(row.total)} plays in {int(row.n)} slots")

    commercial = rows[~house & ~rows["is_public"]]
    local = commercial[commercial["is_local"]].groupby("sh")["plays"].sum()
    nonlocal_ = commercial[~commercial["is_local"]].groupby("sh")["plays"].sum()
    public = rows[rows["is_public"] | (house & (rows["rule"] == "public_quota"))]
    per_sh = per_sh.join(local.rename("local")).join(nonlocal_.rename("non_local"))
    per_sh = per_sh.join(public.groupby("sh")["plays"].sum().rename("public")).fillna(0)
    for sh, row in per_sh[per_sh["public"] < per_sh["r_pub"]].iterrows():
        add("public_share", sh, None, f"{int(row.public)} public plays, {int(row.r_pub)} required")

    # One advertiser's share of a screen-hour.
    by_biz = commercial.groupby(["sh", "business_id"])["plays"].sum().rename("plays").reset_index()
    by_biz = by_biz.join(limits["adv"], on="sh")
    for row in by_biz[by_biz["plays"] > by_biz["adv"]].itertuples():
        add(
            "advertiser_share",
            row.sh,
            None,
            f"business {int(row.business_id)} has {int(row.plays)} plays, at most {int(row.adv)}",
        )

    # Paced budgets per campaign-day (and in total when the remaining budget is given).
    day_of = screen_hours.set_index("sh")["day"]
    spend = commercial.assign(
        day=commercial["sh"].map(day_of), krw=commercial["plays"] * commercial["price_krw"]
    )
    per_day = spend.groupby(["campaign_id", "day"])["krw"].sum().rename("spent").reset_index()
    per_day = per_day.astype({"campaign_id": "Int64", "day": "int64"})
    caps = day_caps.astype({"campaign_id": "Int64"})
    per_day = per_day.merge(caps, on=["campaign_id", "day"], how="left").fillna({"cap_krw": 0})
    for row in per_day[per_day["spent"] > per_day["cap_krw"]].itertuples():
        add(
            "budget",
            None,
            row.campaign_id,
            f"day {int(row.day)}: {int(row.spent)} KRW planned over a pace of {int(row.cap_krw)}",
        )
    if "remaining_krw" in campaigns.columns:
        totals = spend.groupby("campaign_id")["krw"].sum()
        left = info["remaining_krw"].reindex(totals.index.astype("int64"))
        for cid, krw in totals.items():
            if krw > left.loc[int(cid)]:
                add(
                    "budget", None, cid, f"{int(krw)} KRW planned over a budget left of {left[cid]}"
                )

    # Local reserve: short only where no eligible local campaign could take another play.
    short = per_sh[per_sh["local"] < per_sh["r_loc"]].index
    unexhausted = _unexhausted_local(
        short,
        eligible,
        campaigns,
        by_biz[["sh", "business_id", "plays"]],
        per_day,
        caps,
        day_of,
        limits["adv"],
    )
    for sh, cid in unexhausted:
        row = per_sh.loc[sh]
        add(
            "local_share",
            sh,
            cid,
            f"{int(row.local)} local plays under a reserve of {int(row.r_loc)} "
            "while this local campaign could still play",
        )
    # Non-local campaigns in the local reserve.
    for sh, row in per_sh[per_sh["non_local"] > per_sh["open"]].iterrows():
        released_ok = bool(policy.release_unused_local) and sh not in {s for s, _ in unexhausted}
        if not released_ok:
            add(
                "reserve",
                sh,
                None,
                f"{int(row.non_local)} non-local plays, open pool is {int(row.open)}",
            )
    return found


def _typed_inputs(
    screen_hours: pd.DataFrame,
    campaigns: pd.DataFrame,
    day_caps: pd.DataFrame,
    eligible: pd.DataFrame,
) -> tuple[pd.DataFrame, ...]:
    """The inputs with their key columns as integers and flags as booleans: an empty frame
    built without types (object columns) must check like any other."""
    return (
        screen_hours.astype({"sh": "int64", "capacity": "int64", "day": "int64"}),
        campaigns.astype(
            {"campaign_id": "int64", "business_id": "int64", "is_local": bool, "is_public": bool}
        ),
        day_caps.astype({"campaign_id": "int64", "day": "int64", "cap_krw": "int64"}),
        eligible.astype({"sh": "int64", "campaign_id": "int64", "price_krw": "int64"}),
    )


def _unexhausted_local(
    short: pd.Index,
    eligible: pd.DataFrame,
    campaigns: pd.DataFrame,
    by_biz: pd.DataFrame,
    per_day: pd.DataFrame,
    caps: pd.DataFrame,
    day_of: pd.Series,
    adv_cap: pd.Series,
) -> list[tuple[int, int]]:
    """(sh, campaign) pairs where a local campaign had budget and share left but was not used."""
    if len(short) == 0:
        return []
    local_ids = campaigns.loc[
        campaigns["is_local"].astype(bool) & ~campaigns["is_public"].astype(bool), "campaign_id"
    ]
    cand = eligible[eligible["sh"].isin(short) & eligible["campaign_id"].isin(local_ids)]
    if cand.empty:
        return []
    cand = cand.merge(campaigns[["campaign_id", "business_id"]], on="campaign_id")
    cand["day"] = cand["sh"].map(day_of)
    cand = cand.merge(by_biz, on=["sh", "business_id"], how="left")
    cand["plays"] = cand["plays"].fillna(0)
    cand["adv"] = cand["sh"].map(adv_cap)
    cand["campaign_id"] = cand["campaign_id"].astype("Int64")
    cand = cand.merge(caps, on=["campaign_id", "day"], how="left").merge(
        per_day[["campaign_id", "day", "spent"]], on=["campaign_id", "day"], how="left"
    )
    cand = cand.fillna({"cap_krw": 0, "spent": 0})
    left = cand["cap_krw"] - cand["spent"]
    can_pay = (cand["price_krw"] <= 0) | (left >= cand["price_krw"])
    has_share = cand["plays"] < cand["adv"]
    open_ = cand[can_pay & has_share]
    return list(zip(open_["sh"].astype(int), open_["campaign_id"].astype(int), strict=True))
