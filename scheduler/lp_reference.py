"""The allocation model solved exactly as a linear programme with HiGHS (the reference optimum).

Same sets, data and constraints (1)-(4) as ``scheduler.allocate`` (see its docstring), with the
plays relaxed to real numbers, so its optimum is an upper bound for any integer plan. Constraint
(5) (release reserve only once local demand is gone) is a complementarity condition, not linear;
it is left out, which only loosens the bound.

The lexicographic objective is solved in two stages, not with weights (weights would need a
factor large enough to dominate every audience difference, which hurts the solver's numerics):

1. ``S* = max Σ p_cs x_cs`` (paced spend delivered);
2. ``A* = max Σ m_s x_cs`` subject to ``Σ p_cs x_cs ≥ S* − tol``, with ``tol = 1e-7 · S* + 1e-6``.

``scipy.optimize.linprog(method="highs")`` solves both stages.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from scheduler.allocate import Quotas, reserves


@dataclass(frozen=True)
class LPResult:
    status: str  # "optimal", or the solver's message
    spend_krw: float
    audience: float
    seconds: float
    variables: int
    constraints: int


def solve_lp(
    screen_hours: pd.DataFrame,
    campaigns: pd.DataFrame,
    day_caps: pd.DataFrame,
    eligible: pd.DataFrame,
    quotas: Quotas,
    *,
    time_limit: float = 120.0,
) -> LPResult:
    """The two-stage LP optimum of the instance (same frames as ``allocate.allocate``)."""
    started = time.perf_counter()
    capacity = screen_hours["capacity"].to_numpy(np.int64)
    audience = screen_hours["audience"].to_numpy(np.float64)
    sh_day = screen_hours["day"].to_numpy(np.int64)
    n_sh = len(capacity)
    _, r_loc, open_pool, adv = reserves(capacity, quotas)

    pairs = eligible.merge(campaigns, on="campaign_id")
    pairs = pairs[~pairs["is_public"].astype(bool)].reset_index(drop=True)
    if pairs.empty:
        return LPResult("optimal", 0.0, 0.0, time.perf_counter() - started, 0, 0)
    sh = pairs["sh"].to_numpy(np.int64)
    price = pairs["price_krw"].to_numpy(np.float64)
    local = pairs["is_local"].to_numpy(bool)
    cd_codes, cd_uniques = pd.factorize(
        pd.MultiIndex.from_arrays([pairs["campaign_id"].to_numpy(np.int64), sh_day[sh]])
    )
    bs_codes, bs_uniques = pd.factorize(
        pd.MultiIndex.from_arrays([pairs["business_id"].to_numpy(np.int64), sh])
    )
    budget = (
        day_caps.set_index(["campaign_id", "day"])["cap_krw"]
        .reindex(cd_uniques)
        .fillna(0)
        .to_numpy(np.float64)
    )

    # Columns: one per (pair, pool): reserve for local pairs, open for all, released if allowed.
    pool_of_pair = [
        ("reserve", np.nonzero(local)[0]),
        ("open", np.arange(len(pairs))),
    ]
    if quotas.release_unused_local:
        pool_of_pair.append(("released", np.nonzero(~local)[0]))
    col_pair = np.concatenate([idx for _, idx in pool_of_pair])
    col_pool = np.concatenate([np.full(len(idx), name) for name, idx in pool_of_pair])
    n_var = len(col_pair)
    cols = np.arange(n_var)

    blocks: list[sp.coo_matrix] = []
    rhs: list[np.ndarray] = []
    in_reserve = np.isin(col_pool, ["reserve", "released"])
    blocks.append(_rows(sh[col_pair][in_reserve], cols[in_reserve], 1.0, n_sh, n_var))
    rhs.append(r_loc.astype(np.float64))
    is_open = col_pool == "open"
    blocks.append(_rows(sh[col_pair][is_open], cols[is_open], 1.0, n_sh, n_var))
    rhs.append(open_pool.astype(np.float64))
    blocks.append(_rows(bs_codes[col_pair], cols, 1.0, len(bs_uniques), n_var))
    rhs.append(adv[bs_uniques.get_level_values(1).to_numpy(np.int64)].astype(np.float64))
    free = price[col_pair] <= 0
    blocks.append(_rows(cd_codes[col_pair], cols, price[col_pair], len(cd_uniques), n_var))
    rhs.append(budget)
    a_ub = sp.vstack(blocks).tocsr()
    b_ub = np.concatenate(rhs)
    # Free plays are bounded by the pools and shares only; every price here is positive in
    # practice, the bound keeps the LP bounded if one is not.
    upper = np.where(free, np.maximum(adv[sh[col_pair]], 0), np.inf)
    bounds = np.column_stack([np.zeros(n_var), upper])

    spend_c = price[col_pair]
    aud_c = audience[sh[col_pair]]
    options = {"time_limit": time_limit, "presolve": True}
    first = linprog(-spend_c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs", options=options)
    if first.status != 0:
        return LPResult(
            first.message, float("nan"), float("nan"), time.perf_counter() - started, n_var, 0
        )
    best_spend = -first.fun
    tol = 1e-7 * best_spend + 1e-6
    a2 = sp.vstack([a_ub, sp.csr_matrix(-spend_c.reshape(1, -1))]).tocsr()
    b2 = np.concatenate([b_ub, [-(best_spend - tol)]])
    left = max(1.0, time_limit - (time.perf_counter() - started))
    second = linprog(
        -aud_c,
        A_ub=a2,
        b_ub=b2,
        bounds=bounds,
        method="highs",
        options={"time_limit": left, "presolve": True},
    )
    seconds = time.perf_counter() - started
    if second.status != 0:
        return LPResult(second.message, best_spend, float("nan"), seconds, n_var, a2.shape[0])
    return LPResult("optimal", best_spend, -second.fun, seconds, n_var, a2.shape[0])


def _rows(
    row: np.ndarray, col: np.ndarray, value: float | np.ndarray, n_rows: int, n_cols: int
) -> sp.coo_matrix:
    data = np.broadcast_to(np.asarray(value, np.float64), row.shape)
    return sp.coo_matrix((data, (row, col)), shape=(n_rows, n_cols))
