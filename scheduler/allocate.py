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

Algorithm (``scheduler.greedy_kernel``, compiled with numba):

1. A greedy over eligible pairs in decreasing audience per won ``m_s / p_cs`` (ties by campaign
   id, then screen-hour) gives each pair as many plays as its day budget, its business's share
   and the pool allow (a local campaign takes the local reserve first, then the open pool). For
   one campaign this is the fractional-knapsack optimum; across campaigns a campaign with other
   options can crowd out one without.
2. Repair, for SPEND: a campaign-day with budget left takes plays in a full screen-hour from a
   donor there (another campaign, or a sibling campaign of its business when the share is what
   is full), and the donor moves them to another screen-hour of its own day with room (a
   two-step augmenting path), or simply gives way when it pays less per play. Every move raises
   SPEND; rounds repeat until nothing moves.
3. A last greedy pass in the order of 1 hands out room the moves freed, so every local pair has
   been offered the reserve before any of it is released; then, when the policy says so, the
   reserve still unused is released to the other campaigns.

``bench/plan.py`` measures the result against the LP optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scheduler import greedy_kernel as kernel

# Rounds of crowded-out repair and of upgrades (each stops early once nothing moves).
REPAIR_ROUNDS = 8
# Attempts re-ordered by the shadow value of budget after the first one.
SHADOW_PASSES = 2
# Relative SPEND difference (0.1 %) under which two attempts count as equal (AUDIENCE decides).
SPEND_TIE = 1e-3

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
        # Own writable copies: the compiled kernel takes one array type (pandas hands out
        # read-only views).
        sh = np.array(paid["sh"], np.int64)
        cid = np.array(paid["campaign_id"], np.int64)
        price = np.array(paid["price_krw"], np.int64)
        is_local = np.array(paid["is_local"], np.bool_)
        biz = np.array(paid["business_id"], np.int64)
        # Dense indices for (campaign, day) budgets and (business, screen-hour) shares, from
        # one int64 key per pair (factorizing a MultiIndex costs seconds on millions of pairs).
        n_days = int(sh_day.max()) + 1 if n_sh else 1
        cd_codes, cd_keys = pd.factorize(cid * n_days + sh_day[sh])
        cd_codes = np.array(cd_codes, np.int64)
        caps = day_caps.set_index(["campaign_id", "day"])["cap_krw"]
        cd_index = pd.MultiIndex.from_arrays([cd_keys // n_days, cd_keys % n_days])
        budget = np.array(caps.reindex(cd_index).fillna(0), np.int64)
        biz_codes, _ = pd.factorize(biz)
        bs_codes, bs_keys = pd.factorize(biz_codes.astype(np.int64) * n_sh + sh)
        bs_codes = np.array(bs_codes, np.int64)
        adv_left = adv_cap[bs_keys % n_sh]
        pair_aud = audience[sh]
        ratio = pair_aud / np.maximum(price, 1e-9)
        sh_pairs = np.argsort(sh, kind="stable")
        sh_ptr = np.searchsorted(sh[sh_pairs], np.arange(n_sh + 1))
        cd_pairs = np.lexsort((-ratio, cd_codes))
        cd_ptr = np.searchsorted(cd_codes[cd_pairs], np.arange(len(cd_keys) + 1))
        fixed = (sh, price, is_local, cd_codes, bs_codes)
        index = (sh_ptr, sh_pairs, cd_ptr, cd_pairs, ratio)

        def attempt(key: np.ndarray) -> _Attempt:
            state = _Attempt(budget.copy(), adv_left.copy(), r_loc.copy(), open_pool.copy(),
                             np.zeros(len(sh), np.int64), np.zeros(len(sh), np.int64))  # fmt: skip
            _improve(np.lexsort((sh, cid, -key)), fixed, index, state)
            state.score = (
                int(np.dot(state.y + state.z, price)),
                float(np.dot(state.y + state.z, pair_aud)),
            )
            return state

        # Audience per won first; then re-ordered by each campaign-day's shadow value of budget
        # (audience per won of its poorest pair in use, when its budget is spent), so that
        # contested airtime goes to campaigns whose alternatives are poorer.
        best = attempt(ratio)
        for _ in range(SHADOW_PASSES):
            used = (best.y + best.z) > 0
            lam = np.full(len(cd_keys), np.inf)
            np.minimum.at(lam, cd_codes[used], ratio[used])
            max_price = np.zeros(len(cd_keys), np.int64)
            np.maximum.at(max_price, cd_codes, price)
            lam = np.where((best.budget < max_price) & np.isfinite(lam), lam, 0.0)
            trial = attempt(pair_aud - lam[cd_codes] * price)
            if _better(trial.score, best.score):
                best = trial
        budget, adv_left, res_left, open_left, y, z = (
            best.budget,
            best.adv_left,
            best.res_left,
            best.open_left,
            best.y,
            best.z,
        )
        order = np.lexsort((sh, cid, -ratio))
        rel = np.zeros(len(sh), np.int64)
        if quotas.release_unused_local:
            # Reserve left now is reserve no local campaign can use: every local pair was offered
            # it above, so each eligible local campaign is out of budget or share there.
            kernel.release(
                order, sh, price, is_local, cd_codes, bs_codes, budget, adv_left, res_left, rel
            )

        y_a, z_a, r_a = y, z, rel
        local_used = r_loc - res_left  # includes released plays
        released_used = np.bincount(sh, weights=r_a, minlength=n_sh).astype(np.int64)
        local_used = local_used - released_used
        open_used = open_pool - open_left
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


def _better(a: tuple[int, float], b: tuple[int, float]) -> bool:
    """Lexicographic (SPEND, AUDIENCE), spends within ``SPEND_TIE`` counting as equal: integer
    plays leave up to a play's price of each day budget unspent, and a plan a few won richer
    must not win over one with far more audience."""
    tie = SPEND_TIE * max(a[0], b[0])
    if abs(a[0] - b[0]) > tie:
        return a[0] > b[0]
    return a[1] > b[1]


@dataclass
class _Attempt:
    budget: np.ndarray
    adv_left: np.ndarray
    res_left: np.ndarray
    open_left: np.ndarray
    y: np.ndarray
    z: np.ndarray
    score: tuple[int, float] = (0, 0.0)


def _improve(order: np.ndarray, fixed: tuple, index: tuple, st: _Attempt) -> None:
    """Greedy in ``order``, then repair for SPEND and upgrades for AUDIENCE, then a last greedy
    pass in ``order`` (the state changes in place)."""
    sh, price, is_local, cd_codes, bs_codes = fixed
    sh_ptr, sh_pairs, cd_ptr, cd_pairs, ratio = index
    state = (*fixed, st.budget, st.adv_left, st.res_left, st.open_left, st.y, st.z)
    # 1. Audience first: pairs in order, each taking all it may.
    kernel.fill(order, *state)
    # 2. SPEND: campaign-days crowded out of contested hours get them back through two-step
    #    moves (a donor moves to another hour of its own day, or gives way to a higher price).
    hopeless = np.zeros(len(st.budget), np.int64)
    for _ in range(REPAIR_ROUNDS):
        kernel.settle(sh, is_local, st.res_left, st.open_left, st.y, st.z)
        if kernel.repair(*state, sh_ptr, sh_pairs, cd_ptr, cd_pairs, hopeless) == 0:
            break
    # 3. AUDIENCE: each campaign-day moves plays to its better pairs with room, spending no less.
    for _ in range(REPAIR_ROUNDS):
        kernel.settle(sh, is_local, st.res_left, st.open_left, st.y, st.z)
        if kernel.upgrade(*state, cd_ptr, cd_pairs, ratio) == 0:
            break
    # 4. Room the moves freed goes to whoever can still use it, so every local pair has again
    #    been offered the reserve before any of it is released.
    kernel.fill(order, *state)
