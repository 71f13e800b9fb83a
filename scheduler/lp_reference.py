"""The allocation model solved exactly as a linear programme with HiGHS (the reference optimum).

Same sets, data and constraints (1)-(4) as ``scheduler.allocate`` (see its docstring), with the
plays relaxed to real numbers, so its optimum is an upper bound for any integer plan. Constraint
(5) (release reserve only once local demand is gone) is a complementarity condition, not linear;
it is left out, which only loosens the bound.

One variable ``x_cs`` per eligible pair instead of one per (pair, pool): by Hall's condition for
two pools (small-local campaigns may use both the local reserve and the open pool, the others only
the open pool), plays split into pools exist exactly when, per screen-hour,

    Σ_{c∉L} x_cs ≤ O_s     and     Σ_c x_cs ≤ O_s + R^loc_s

(with ``release_unused_local`` everyone may use both pools and only the second row remains). A
business with a single eligible campaign in a screen-hour gets its share cap (3) as the column's
upper bound rather than as a row. The LP is the same; it is just several times smaller.

The lexicographic objective is solved in two stages, not with weights (weights would need a
factor large enough to dominate every audience difference, which hurts the solver's numerics):

1. ``S* = max Σ p_cs x_cs`` (paced spend delivered);
2. ``A* = max Σ m_s x_cs`` subject to ``Σ p_cs x_cs ≥ S* − tol``, with ``tol = 1e-7 · S* + 1e-6``.

Both stages run in one ``highspy`` model: stage 2 adds the spend row and swaps the objective, and
the primal simplex warm-starts from stage 1's optimal basis.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from scheduler.allocate import Quotas, reserves


@dataclass(frozen=True)
class LPResult:
    status: str  # "optimal", or the solver's message
    spend_krw: float
    audience: float
    seconds: float
    variables: int
    constraints: int
    # Optimal plays per paid eligible pair (``sh``, ``campaign_id``, ``plays``), when solved.
    plays: pd.DataFrame | None = field(default=None, compare=False, repr=False)


def solve_lp(
    screen_hours: pd.DataFrame,
    campaigns: pd.DataFrame,
    day_caps: pd.DataFrame,
    eligible: pd.DataFrame,
    quotas: Quotas,
    *,
    time_limit: float = 120.0,
    solver: str = "choose",
) -> LPResult:
    """The two-stage LP optimum of the instance (same frames as ``allocate.allocate``)."""
    started = time.perf_counter()
    capacity = screen_hours["capacity"].to_numpy(np.int64)
    audience = screen_hours["audience"].to_numpy(np.float64)
    sh_day = screen_hours["day"].to_numpy(np.int64)
    n_sh = len(capacity)
    _, r_loc, open_pool, adv = reserves(capacity, quotas)

    info = campaigns[["campaign_id", "business_id", "is_local", "is_public"]].astype(
        {"campaign_id": "int64", "business_id": "int64", "is_local": bool, "is_public": bool}
    )
    pairs = eligible.astype({"sh": "int64", "campaign_id": "int64"}).merge(info, on="campaign_id")
    pairs = pairs[~pairs["is_public"]].reset_index(drop=True)
    if pairs.empty:
        return LPResult("optimal", 0.0, 0.0, time.perf_counter() - started, 0, 0)
    n_var = len(pairs)
    cols = np.arange(n_var)
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
        day_caps.astype({"campaign_id": "int64", "day": "int64"})
        .set_index(["campaign_id", "day"])["cap_krw"]
        .reindex(cd_uniques)
        .fillna(0)
        .to_numpy(np.float64)
    )

    blocks: list[sp.coo_matrix] = []
    rhs: list[np.ndarray] = []
    if not quotas.release_unused_local:
        blocks.append(_rows(sh[~local], cols[~local], 1.0, n_sh, n_var))
        rhs.append(open_pool.astype(np.float64))
    blocks.append(_rows(sh, cols, 1.0, n_sh, n_var))
    rhs.append((open_pool + r_loc).astype(np.float64))
    # Share caps: a row only where a business has several campaigns in the screen-hour.
    group_size = np.bincount(bs_codes)
    shared = group_size[bs_codes] > 1
    share_cap = adv[bs_uniques.get_level_values(1).to_numpy(np.int64)].astype(np.float64)
    groups, rows_of = np.unique(bs_codes[shared], return_inverse=True)
    blocks.append(_rows(rows_of, cols[shared], 1.0, len(groups), n_var))
    rhs.append(share_cap[groups])
    paying = price > 0
    blocks.append(_rows(cd_codes[paying], cols[paying], price[paying], len(cd_uniques), n_var))
    rhs.append(budget)
    matrix = sp.vstack(blocks).tocsc()
    upper_rows = np.concatenate(rhs)
    upper = np.minimum(share_cap[bs_codes], (open_pool + r_loc)[sh]).astype(np.float64)

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("solver", solver)
    lp = highspy.HighsLp()
    lp.num_col_ = n_var
    lp.num_row_ = matrix.shape[0]
    lp.col_cost_ = price
    lp.col_lower_ = np.zeros(n_var)
    lp.col_upper_ = upper
    lp.row_lower_ = np.full(matrix.shape[0], -highspy.kHighsInf)
    lp.row_upper_ = upper_rows
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    highs.passModel(lp)

    def solve() -> str | None:
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            return highs.modelStatusToString(status)
        return None

    failed = solve()
    if failed:
        return LPResult(failed, float("nan"), float("nan"), _since(started), n_var, lp.num_row_)
    best_spend = float(highs.getInfo().objective_function_value)
    tol = 1e-7 * best_spend + 1e-6
    nz = np.nonzero(paying)[0].astype(np.int32)
    highs.addRow(best_spend - tol, highspy.kHighsInf, len(nz), nz, price[nz])
    highs.changeColsCost(n_var, cols.astype(np.int32), audience[sh])
    highs.setOptionValue("time_limit", max(1.0, time_limit - _since(started)))
    # Stage 1's basis stays primal feasible under the new row: primal simplex goes on from it
    # (the default dual simplex takes about three times as long here).
    highs.setOptionValue("simplex_strategy", 4)
    failed = solve()
    if failed:
        return LPResult(failed, best_spend, float("nan"), _since(started), n_var, lp.num_row_ + 1)
    x = np.asarray(highs.getSolution().col_value)
    plays = pd.DataFrame(
        {"sh": sh, "campaign_id": pairs["campaign_id"].to_numpy(np.int64), "plays": x}
    )
    return LPResult(
        "optimal",
        best_spend,
        float(highs.getInfo().objective_function_value),
        _since(started),
        n_var,
        lp.num_row_ + 1,
        plays,
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


def _rows(
    row: np.ndarray, col: np.ndarray, value: float | np.ndarray, n_rows: int, n_cols: int
) -> sp.coo_matrix:
    data = np.broadcast_to(np.asarray(value, np.float64), row.shape)
    return sp.coo_matrix((data, (row, col)), shape=(n_rows, n_cols))
