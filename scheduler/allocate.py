"""Quota-constrained allocation of plays to screen-hours. Pure: frames in, frame out.

The model (the same one ``lp_reference`` solves exactly and ``checker`` verifies)
------------------------------------------------------------------------------
Sets: screen-hours ``s``; commercial campaigns ``c`` (small-local ``c ∈ L`` or not); public
notices ``P``; horizon days ``d`` (city-local calendar days); ``D(s)`` the day of ``s``;
``b(c)`` the business of ``c``; ``E`` the eligible (s, c) pairs (flight, daypart in city local
time, targeting, operating hours, approved creative with a rendition for the screen's size).

Data: ``n_s`` slots available; ``m_s = forecast_s · slot_seconds_s / 3600 · visibility_s``
impressions per play; ``p_cs`` price per play (KRW, frozen); ``B_cd`` the paced spend cap of
``c`` on day ``d`` (see ``scheduler.pacing``).

Reserves per screen-hour::

    R^pub_s = ceil(public_min_share · n_s)
    R^loc_s = min(ceil(local_min_share · n_s), n_s − R^pub_s)
    O_s     = n_s − R^pub_s − R^loc_s                      (the open pool)
    A_s     = floor(advertiser_max_share · n_s)

Variables: integer plays ``x_cs = y_cs + z_cs + r_cs ≥ 0`` for (s, c) ∈ E, where ``y`` are plays
in the local reserve (only c ∈ L), ``z`` in the open pool, ``r`` released reserve (only c ∉ L,
only when ``release_unused_local``).

Constraints, for every s, b, c, d::

    (1) Σ_{c∈L} y_cs + Σ_{c∉L} r_cs ≤ R^loc_s
    (2) Σ_c z_cs ≤ O_s
    (3) Σ_{c: b(c)=b} x_cs ≤ A_s
    (4) Σ_{s: D(s)=d} p_cs · x_cs ≤ B_cd
    (5) r_cs > 0 only where every c' ∈ L eligible at s is exhausted (its day budget left
        < p_c's, or its business at A_s) — the reserve is released only when local demand is gone.

Airtime used ≤ airtime available follows from (1)+(2) and the public fill below. The public
reserve ``R^pub_s`` plus the unused local reserve (when not released) goes to public notices,
shared evenly, and then to house content (rule ``public_quota`` inside ``R^pub_s``); whatever is
left in the open pool is house content (rule ``house``). So public airtime ≥ R^pub_s always.

Objective, lexicographic::

    first   maximise SPEND    = Σ_{(s,c)∈E} p_cs · x_cs          (paced spend delivered, KRW)
    then    maximise AUDIENCE = Σ_{(s,c)∈E} m_s  · x_cs          (impressions)

Because (4) caps every campaign-day at its pace, maximising SPEND delivers every campaign's
paced spend where the airtime allows it; among such plans the one with the most audience wins.

Algorithm: a greedy over eligible pairs in decreasing audience per won ``m_s / p_cs`` (ties by
campaign id, then screen-hour), giving each pair as many plays as its day budget, its business's
share and the pool allow (a local campaign takes the local reserve first, then the open pool).
For one campaign this is the fractional-knapsack optimum; across campaigns ``bench/plan.py``
measures it against the LP. A second pass releases unused reserve when the policy says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Re-orderings by shadow value after the first greedy pass.
IMPROVE_PASSES = 1

RULES = ("local_quota", "public_quota", "paid", "released", "house")


@dataclass(frozen=True)
class Quotas:
    """The airtime rules of the quota policy in force."""

    local_min_share: float = 0.6
    public_min_share: float = 0.1
    advertiser_max_share: float = 0.25
    release_unused_local: bool = False


def reserves(capacity: np.ndarray, quotas: Quotas) -> tuple[np.ndarray, ...]:
    """(R^pub, R^loc, open pool, advertiser cap) per screen-hour, as int arrays."""
    n = np.asarray(capacity, dtype=np.int64)
    # The small epsilon keeps 0.6 * 10 from becoming 7 through float noise.
    r_pub = np.ceil(quotas.public_min_share * n - 1e-9).astype(np.int64)
    r_loc = np.minimum(np.ceil(quotas.local_min_share * n - 1e-9).astype(np.int64), n - r_pub)
    open_pool = n - r_pub - r_loc
    adv = np.floor(quotas.advertiser_max_share * n + 1e-9).astype(np.int64)
    return r_pub, r_loc, open_pool, adv


def allocate(
    screen_hours: pd.DataFrame,
    campaigns: pd.DataFrame,
    day_caps: pd.DataFrame,
    eligible: pd.DataFrame,
    quotas: Quotas,
) -> pd.DataFrame:
    """Plan plays per (screen-hour, campaign) plus public and house fill.

    ``screen_hours``: ``sh`` (0..S-1, the row position), ``capacity`` (slots), ``audience`` (m_s),
    ``day`` (horizon day index). ``campaigns``: ``campaign_id``, ``business_id``, ``is_local``,
    ``is_public``. ``day_caps``: ``campaign_id``, ``day``, ``cap_krw``. ``eligible``: ``sh``,
    ``campaign_id``, ``price_krw``.

    Returns rows ``sh``, ``campaign_id`` (nullable; NA for house content), ``rule``, ``plays``,
    ``price_krw``, with plays > 0, sorted by (sh, rule, campaign_id). The plays of a screen-hour
    always add up to its capacity.
    """
    # Empty frames built without column types (object) must plan like any other.
    eligible = eligible.astype({"sh": "int64", "campaign_id": "int64", "price_krw": "int64"})
    campaigns = campaigns.astype(
        {"campaign_id": "int64", "business_id": "int64", "is_local": bool, "is_public": bool}
    )
    day_caps = day_caps.astype({"campaign_id": "int64", "day": "int64", "cap_krw": "int64"})
    n_sh = len(screen_hours)
    capacity = screen_hours["capacity"].to_numpy(np.int64)
    audience = screen_hours["audience"].to_numpy(np.float64)
    sh_day = screen_hours["day"].to_numpy(np.int64)
    r_pub, r_loc, open_pool, adv_cap = reserves(capacity, quotas)

    pairs = eligible.merge(
        campaigns[["campaign_id", "business_id", "is_local", "is_public"]], on="campaign_id"
    )
    public = pairs[pairs["is_public"].astype(bool)]
    paid = pairs[~pairs["is_public"].astype(bool)]

    out: list[pd.DataFrame] = []
    local_used = np.zeros(n_sh, np.int64)
    released_used = np.zeros(n_sh, np.int64)
    open_used = np.zeros(n_sh, np.int64)
    if len(paid):
        sh = paid["sh"].to_numpy(np.int64)
        cid = paid["campaign_id"].to_numpy(np.int64)
        price = paid["price_krw"].to_numpy(np.int64)
        is_local = paid["is_local"].to_numpy(bool)
        biz = paid["business_id"].to_numpy(np.int64)
        # Dense indices for (campaign, day) budgets and (business, screen-hour) shares.
        cd_codes, cd_uniques = pd.factorize(pd.MultiIndex.from_arrays([cid, sh_day[sh]]))
        caps = day_caps.set_index(["campaign_id", "day"])["cap_krw"]
        budget0 = caps.reindex(cd_uniques).fillna(0).to_numpy(np.int64)
        bs_codes, bs_uniques = pd.factorize(pd.MultiIndex.from_arrays([biz, sh]))
        adv0 = adv_cap[bs_uniques.get_level_values(1).to_numpy(np.int64)]
        pair_aud = audience[sh]
        ratio = pair_aud / np.maximum(price, 1e-9)

        # Fair share of a screen-hour: its airtime open to paid campaigns over their number.
        k_paid = np.bincount(sh, minlength=n_sh)
        fair = np.ceil((r_loc + open_pool)[sh] / np.maximum(k_paid[sh], 1)).astype(np.int64)

        def run(key: np.ndarray, limit: np.ndarray | None = None) -> _Greedy:
            order = np.lexsort((sh, cid, -key))
            return _greedy(
                order, sh, price, is_local, cd_codes, bs_codes, budget0, adv0, r_loc, open_pool,
                limit,
            )  # fmt: skip

        # Pass 1: audience per won. Then re-order by audience surplus per slot m_s − λ_c·p_cs,
        # λ_c the audience per won of the campaign-day's worst used pair (its budget's shadow
        # value), so contested airtime goes to campaigns whose alternatives are poorer.
        best = run(ratio)
        # Under heavy contention, holding every pair to its fair share first (then lifting the
        # limit) keeps campaigns with other options from crowding out those without.
        trial = run(ratio, fair)
        if (trial.spend, trial.audience(pair_aud)) > (best.spend, best.audience(pair_aud)):
            best = trial
        for _ in range(IMPROVE_PASSES):
            used = best.placed > 0
            lam = np.full(len(cd_uniques), np.inf)
            np.minimum.at(lam, cd_codes[used], ratio[used])
            max_price = np.zeros(len(cd_uniques))
            np.maximum.at(max_price, cd_codes, price)
            spent_out = best.budget_left < max_price
            lam = np.where(spent_out & np.isfinite(lam), lam, 0.0)
            key = pair_aud - lam[cd_codes] * price
            for trial in (run(key), run(key, fair)):
                if (trial.spend, trial.audience(pair_aud)) > (best.spend, best.audience(pair_aud)):
                    best = trial
        y, z = best.y.tolist(), best.z.tolist()
        res_left, open_left = best.res_left.tolist(), best.open_left.tolist()
        adv_left, budget = best.adv_left.tolist(), best.budget_left.tolist()
        order = np.lexsort((sh, cid, -ratio))
        sh_l, price_l, local_l = sh.tolist(), price.tolist(), is_local.tolist()
        cd_l, bs_l = cd_codes.tolist(), bs_codes.tolist()

        rel = [0] * len(sh)
        if quotas.release_unused_local:
            # Reserve left now is reserve no local campaign can use: every local pair was offered
            # it above, so each eligible local campaign is out of budget or share there.
            for i in order.tolist():
                if local_l[i]:
                    continue
                s = sh_l[i]
                if res_left[s] <= 0:
                    continue
                p = price_l[i]
                room = adv_left[bs_l[i]]
                if p > 0:
                    room = min(room, budget[cd_l[i]] // p)
                take = min(room, res_left[s])
                if take > 0:
                    res_left[s] -= take
                    rel[i] = take
                    adv_left[bs_l[i]] -= take
                    budget[cd_l[i]] -= take * p

        y_a, z_a, r_a = np.array(y, np.int64), np.array(z, np.int64), np.array(rel, np.int64)
        local_used = r_loc - np.array(res_left, np.int64)  # includes released plays
        released_used = np.bincount(sh, weights=r_a, minlength=n_sh).astype(np.int64)
        local_used = local_used - released_used
        open_used = open_pool - np.array(open_left, np.int64)
        for plays, rule in (
            (y_a, "local_quota"),
            (z_a, "paid"),
            (r_a, "released"),
        ):
            keep = plays > 0
            if keep.any():
                out.append(
                    pd.DataFrame(
                        {
                            "sh": sh[keep],
                            "campaign_id": cid[keep],
                            "rule": rule,
                            "plays": plays[keep],
                            "price_krw": price[keep],
                        }
                    )
                )

    # Public notices: the public reserve plus reserve nobody local used (unless released).
    public_slots = r_pub + (r_loc - local_used - released_used)
    out.extend(_public_fill(public, public_slots, r_pub, n_sh))
    # House content fills what the open pool left.
    house = open_pool - open_used
    keep = house > 0
    if keep.any():
        out.append(
            pd.DataFrame(
                {
                    "sh": np.nonzero(keep)[0],
                    "campaign_id": -1,
                    "rule": "house",
                    "plays": house[keep],
                    "price_krw": 0,
                }
            )
        )
    return _finish(out)


def _public_fill(
    public: pd.DataFrame, slots: np.ndarray, r_pub: np.ndarray, n_sh: int
) -> list[pd.DataFrame]:
    """Share ``slots`` evenly among eligible public notices; house content covers the rest."""
    parts: list[pd.DataFrame] = []
    given = np.zeros(n_sh, np.int64)
    if len(public):
        pub = public[["sh", "campaign_id"]].sort_values(["sh", "campaign_id"])
        sh = pub["sh"].to_numpy(np.int64)
        k = np.bincount(sh, minlength=n_sh)
        rank = pub.groupby("sh").cumcount().to_numpy(np.int64)
        each = slots[sh] // k[sh] + (rank < slots[sh] % k[sh])
        given = np.bincount(sh, weights=each, minlength=n_sh).astype(np.int64)
        keep = each > 0
        parts.append(
            pd.DataFrame(
                {
                    "sh": sh[keep],
                    "campaign_id": pub["campaign_id"].to_numpy(np.int64)[keep],
                    "rule": "public_quota",
                    "plays": each[keep],
                    "price_krw": 0,
                }
            )
        )
    # House content standing in for missing notices counts as public airtime.
    stand_in = np.maximum(r_pub - given, 0)
    rest = slots - given - stand_in
    for plays, rule in ((stand_in, "public_quota"), (rest, "house")):
        keep = plays > 0
        if keep.any():
            parts.append(
                pd.DataFrame(
                    {
                        "sh": np.nonzero(keep)[0],
                        "campaign_id": -1,
                        "rule": rule,
                        "plays": plays[keep],
                        "price_krw": 0,
                    }
                )
            )
    return parts


def _finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    columns = ["sh", "campaign_id", "rule", "plays", "price_krw"]
    if not parts:
        frame = pd.DataFrame({c: pd.Series(dtype="int64") for c in columns})
        frame["rule"] = frame["rule"].astype(object)
    else:
        frame = pd.concat(parts, ignore_index=True)
    frame = (
        frame.groupby(["sh", "campaign_id", "rule"], as_index=False, sort=True)
        .agg(plays=("plays", "sum"), price_krw=("price_krw", "first"))
        .astype({"sh": "int64", "plays": "int64", "price_krw": "int64"})
    )
    frame["campaign_id"] = frame["campaign_id"].astype("Int64").mask(frame["campaign_id"] < 0)
    return frame[columns].reset_index(drop=True)


def plan_totals(plan: pd.DataFrame, screen_hours: pd.DataFrame) -> dict[str, float]:
    """SPEND and AUDIENCE of a plan (commercial plays only), the two objective terms."""
    paid = plan[plan["rule"].isin(["local_quota", "paid", "released"])]
    audience = screen_hours["audience"].to_numpy(np.float64)
    spend = float((paid["plays"] * paid["price_krw"]).sum())
    aud = float((paid["plays"].to_numpy() * audience[paid["sh"].to_numpy(np.int64)]).sum())
    return {"spend_krw": spend, "audience": aud if math.isfinite(aud) else 0.0}


@dataclass
class _Greedy:
    placed: np.ndarray
    y: np.ndarray
    z: np.ndarray
    res_left: np.ndarray
    open_left: np.ndarray
    adv_left: np.ndarray
    budget_left: np.ndarray
    spend: int

    def audience(self, pair_audience: np.ndarray) -> float:
        return float(np.dot(self.placed, pair_audience))


def _greedy(
    order: np.ndarray,
    sh: np.ndarray,
    price: np.ndarray,
    is_local: np.ndarray,
    cd_codes: np.ndarray,
    bs_codes: np.ndarray,
    budget0: np.ndarray,
    adv0: np.ndarray,
    r_loc: np.ndarray,
    open_pool: np.ndarray,
    limit: np.ndarray | None = None,
) -> _Greedy:
    """Pass(es) over the pairs in ``order``: each takes all its budget, share and pool allow
    (first at most ``limit`` plays per pair, then without limit, when ``limit`` is given)."""
    res_left = r_loc.tolist()
    open_left = open_pool.tolist()
    budget = budget0.tolist()
    adv_left = adv0.tolist()
    y = [0] * len(sh)
    z = [0] * len(sh)
    sh_l, price_l, local_l = sh.tolist(), price.tolist(), is_local.tolist()
    cd_l, bs_l = cd_codes.tolist(), bs_codes.tolist()
    order_l = order.tolist()
    passes = [limit.tolist(), None] if limit is not None else [None]
    for lim in passes:
        _greedy_pass(order_l, lim, sh_l, price_l, local_l, cd_l, bs_l, budget, adv_left,
                     res_left, open_left, y, z)  # fmt: skip
    y_a, z_a = np.array(y, np.int64), np.array(z, np.int64)
    placed_a = y_a + z_a
    return _Greedy(
        placed_a,
        y_a,
        z_a,
        np.array(res_left, np.int64),
        np.array(open_left, np.int64),
        np.array(adv_left, np.int64),
        np.array(budget, np.int64),
        int(np.dot(placed_a, price)),
    )


def _greedy_pass(
    order: list[int],
    limit: list[int] | None,
    sh: list[int],
    price: list[int],
    local: list[bool],
    cd: list[int],
    bs: list[int],
    budget: list[int],
    adv_left: list[int],
    res_left: list[int],
    open_left: list[int],
    y: list[int],
    z: list[int],
) -> None:
    """The inner loop, on plain lists (in place): plain Python is fast enough here."""
    for i in order:
        j = bs[i]
        room = adv_left[j]
        if room <= 0:
            continue
        if limit is not None:
            room = min(room, limit[i] - y[i] - z[i])
            if room <= 0:
                continue
        p = price[i]
        k = cd[i]
        if p > 0:
            afford = budget[k] // p
            if afford <= 0:
                continue
            room = min(room, afford)
        s = sh[i]
        placed = 0
        if local[i]:
            take = min(room, res_left[s])
            if take > 0:
                res_left[s] -= take
                y[i] += take
                room -= take
                placed = take
        take = min(room, open_left[s])
        if take > 0:
            open_left[s] -= take
            z[i] += take
            placed += take
        if placed:
            adv_left[j] -= placed
            budget[k] -= placed * p
