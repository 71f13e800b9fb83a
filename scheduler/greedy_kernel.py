"""The allocator's inner loops, compiled with numba: plain arrays in, arrays changed in place.

Pairs are eligible (screen-hour, campaign) pairs; ``cd`` indexes a pair's campaign-day budget,
``bs`` its (business, screen-hour) share, ``sh`` its screen-hour. Every function keeps the
constraints of ``scheduler.allocate``: pools, business shares and day budgets never go negative.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Pairs with room a repair move looks at for a donor to move to.
MAX_TARGETS = 32
# Pairs in a row without a move after which a campaign-day's repair stops for the round.
MAX_FUTILE = 128
# Rounds in a row without a move after which a campaign-day's repair stops looking.
GIVE_UP = 2


@njit(cache=True, nogil=True)
def fill(
    order: np.ndarray,
    sh: np.ndarray,
    price: np.ndarray,
    local: np.ndarray,
    cd: np.ndarray,
    bs: np.ndarray,
    budget: np.ndarray,
    adv_left: np.ndarray,
    res_left: np.ndarray,
    open_left: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
) -> None:
    """One greedy pass over ``order``: each pair takes what its budget, its business's share and
    the pools allow. Local pairs take the local reserve first, then the open pool."""
    for n in range(order.shape[0]):
        i = order[n]
        j = bs[i]
        room = adv_left[j]
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
        if placed > 0:
            adv_left[j] -= placed
            budget[k] -= placed * p


@njit(cache=True, nogil=True)
def repair(
    sh: np.ndarray,
    price: np.ndarray,
    local: np.ndarray,
    cd: np.ndarray,
    bs: np.ndarray,
    budget: np.ndarray,
    adv_left: np.ndarray,
    res_left: np.ndarray,
    open_left: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    sh_ptr: np.ndarray,
    sh_pairs: np.ndarray,
    cd_ptr: np.ndarray,
    cd_pairs: np.ndarray,
    hopeless: np.ndarray,
) -> int:
    """Give campaign-days that still have budget the plays they were crowded out of.

    For a pair ``i`` of a campaign-day with budget left, in a screen-hour whose pool (or its
    business's share) is used up, a donor pair ``d`` there gives up plays: moved to another
    screen-hour of the donor's own campaign-day with room (a two-step augmenting path), or simply
    dropped when ``i`` pays more per play. Each move raises total spend. Pairs are listed per
    screen-hour (``sh_ptr``/``sh_pairs``) and per campaign-day (``cd_ptr``/``cd_pairs``, best
    first). ``hopeless`` counts the rounds in a row a campaign-day found no move; from
    ``GIVE_UP`` on it is skipped. Returns the number of moves.
    """
    moves = 0
    n_cd = cd_ptr.shape[0] - 1
    # Per campaign-day, where its pairs with room may start: pairs before it had none when
    # last looked at (room freed later in the round waits for the next round). Keeps a round
    # linear in the pairs looked at instead of rescanning every donor's list.
    cursor = cd_ptr[:-1].copy()
    # Donor campaign-days found with nowhere to move to this round (looked at no more).
    stuck = np.zeros(n_cd, np.bool_)
    # The cheapest paid play of each campaign-day: with less budget left it cannot take any.
    cheapest = np.full(n_cd, np.iinfo(np.int64).max)
    for i in range(sh.shape[0]):
        if 0 < price[i] < cheapest[cd[i]]:
            cheapest[cd[i]] = price[i]
    for k in range(n_cd):
        if budget[k] < cheapest[k] or hopeless[k] >= GIVE_UP:
            continue
        before = moves
        futile = 0
        for a in range(cd_ptr[k], cd_ptr[k + 1]):
            i = cd_pairs[a]
            p = price[i]
            if p <= 0 or budget[k] < p:
                continue
            # A long run of pairs without a move: the rest of the list is unlikely to do better.
            if futile >= MAX_FUTILE:
                break
            futile += 1
            moves_here = moves
            s = sh[i]
            # Room left outright (freed by earlier moves): take it.
            had = y[i] + z[i]
            t = min(budget[k] // p, adv_left[bs[i]])
            if t > 0:
                if local[i]:
                    take = min(t, res_left[s])
                    res_left[s] -= take
                    y[i] += take
                    adv_left[bs[i]] -= take
                    budget[k] -= take * p
                    t -= take
                take = min(t, open_left[s])
                open_left[s] -= take
                z[i] += take
                adv_left[bs[i]] -= take
                budget[k] -= take * p
                if y[i] + z[i] > had:
                    moves += 1
            for b in range(sh_ptr[s], sh_ptr[s + 1]):
                want = budget[k] // p
                if want <= 0:
                    break
                d = sh_pairs[b]
                kd = cd[d]
                if kd == k:
                    continue
                same_biz = bs[d] == bs[i]
                if adv_left[bs[i]] <= 0 and not same_biz:
                    continue
                # Plays of the donor that pair i could take over once freed.
                usable = z[d] + (y[d] if local[i] else 0)
                if usable <= 0:
                    continue
                t = min(want, usable)
                if not same_biz:
                    t = min(t, adv_left[bs[i]])
                # Where the donor's plays can go instead, within its own campaign-day.
                target = -1
                if stuck[kd] and price[d] >= p:
                    continue
                leading = True
                # The donor's first few pairs with room are enough (a bound keeps big instances
                # from rescanning long lists of pairs its budget cannot move to).
                looked = 0
                for c2 in range(cursor[kd], cd_ptr[kd + 1]):
                    if looked >= MAX_TARGETS:
                        break
                    j = cd_pairs[c2]
                    sj = sh[j]
                    room = open_left[sj] + (res_left[sj] if local[j] else 0)
                    room = min(room, adv_left[bs[j]])
                    if room <= 0:
                        if leading:
                            cursor[kd] = c2 + 1
                        continue
                    leading = False
                    looked += 1
                    if sj == s:
                        continue
                    extra = price[j] - price[d]
                    if p + extra <= 0:
                        continue
                    if extra > 0:
                        room = min(room, budget[kd] // extra)
                    if room <= 0:
                        continue
                    target = j
                    t = min(t, room)
                    break
                if target < 0:
                    stuck[kd] = True
                    if price[d] >= p:
                        continue
                if t <= 0:
                    continue
                # Free t plays of the donor in a pool pair i can use (y only when i is local).
                from_z = min(t, z[d])
                from_y = t - from_z
                z[d] -= from_z
                y[d] -= from_y
                open_left[s] += from_z
                res_left[s] += from_y
                adv_left[bs[d]] += t
                budget[kd] += t * price[d]
                if target >= 0:
                    j = target
                    sj = sh[j]
                    put = t
                    if local[j]:
                        take = min(put, res_left[sj])
                        res_left[sj] -= take
                        y[j] += take
                        put -= take
                    open_left[sj] -= put
                    z[j] += put
                    adv_left[bs[j]] -= t
                    budget[kd] -= t * price[j]
                # Pair i takes the freed plays (reserve first when it is local).
                got = t
                if local[i]:
                    take = min(got, res_left[s])
                    res_left[s] -= take
                    y[i] += take
                    got -= take
                open_left[s] -= got
                z[i] += got
                adv_left[bs[i]] -= t
                budget[k] -= t * p
                moves += 1
            if moves > moves_here:
                futile = 0
        # A campaign-day that found nothing in GIVE_UP rounds in a row is not looked at again.
        hopeless[k] = hopeless[k] + 1 if moves == before else 0
    return moves


@njit(cache=True, nogil=True)
def release(
    order: np.ndarray,
    sh: np.ndarray,
    price: np.ndarray,
    local: np.ndarray,
    cd: np.ndarray,
    bs: np.ndarray,
    budget: np.ndarray,
    adv_left: np.ndarray,
    res_left: np.ndarray,
    r: np.ndarray,
) -> None:
    """Give local reserve nobody local could use to the other campaigns, in ``order``."""
    for n in range(order.shape[0]):
        i = order[n]
        if local[i]:
            continue
        s = sh[i]
        if res_left[s] <= 0:
            continue
        j = bs[i]
        room = min(adv_left[j], res_left[s])
        p = price[i]
        k = cd[i]
        if p > 0:
            room = min(room, budget[k] // p)
        if room > 0:
            res_left[s] -= room
            r[i] += room
            adv_left[j] -= room
            budget[k] -= room * p


@njit(cache=True, nogil=True)
def upgrade(
    sh: np.ndarray,
    price: np.ndarray,
    local: np.ndarray,
    cd: np.ndarray,
    bs: np.ndarray,
    budget: np.ndarray,
    adv_left: np.ndarray,
    res_left: np.ndarray,
    open_left: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    cd_ptr: np.ndarray,
    cd_pairs: np.ndarray,
    ratio: np.ndarray,
) -> int:
    """Move a campaign-day's plays from its poorer pairs to better ones that have room, for
    AUDIENCE, never lowering its spend: ``t`` plays at ``i`` become ``u = ceil(t·p_i / p_j)``
    plays at ``j`` (audience per won of ``j`` higher, so the audience grows), paid from the
    day's budget left. ``cd_pairs`` lists each campaign-day's pairs best first."""
    moves = 0
    n_cd = cd_ptr.shape[0] - 1
    for k in range(n_cd):
        lo = cd_ptr[k]
        hi = cd_ptr[k + 1]
        worst = hi - 1
        for a in range(lo, hi):
            j = cd_pairs[a]
            pj = price[j]
            if pj <= 0:
                continue
            sj = sh[j]
            room = open_left[sj] + (res_left[sj] if local[j] else 0)
            room = min(room, adv_left[bs[j]])
            while room > 0 and worst > a:
                i = cd_pairs[worst]
                have = y[i] + z[i]
                if have <= 0 or ratio[i] >= ratio[j] or price[i] <= 0:
                    worst -= 1
                    continue
                pi = price[i]
                t = min(have, room * pj // pi)
                while t > 0:
                    u = (t * pi + pj - 1) // pj
                    if u * pj - t * pi <= budget[k]:
                        break
                    t -= 1
                if t <= 0:
                    break
                u = (t * pi + pj - 1) // pj
                # Take t plays off i (open pool first), put u plays on j (reserve first if local).
                from_z = min(t, z[i])
                z[i] -= from_z
                y[i] -= t - from_z
                open_left[sh[i]] += from_z
                res_left[sh[i]] += t - from_z
                adv_left[bs[i]] += t
                put = u
                if local[j]:
                    take = min(put, res_left[sj])
                    res_left[sj] -= take
                    y[j] += take
                    put -= take
                open_left[sj] -= put
                z[j] += put
                adv_left[bs[j]] -= u
                budget[k] -= u * pj - t * pi
                room -= u
                moves += 1
    return moves


@njit(cache=True, nogil=True)
def settle(
    sh: np.ndarray,
    local: np.ndarray,
    res_left: np.ndarray,
    open_left: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
) -> int:
    """Move local plays from the open pool into local reserve that has room again, so the open
    pool is free for the campaigns that may only use it. Returns the plays moved."""
    moved = 0
    for i in range(sh.shape[0]):
        if local[i] and z[i] > 0:
            s = sh[i]
            t = min(z[i], res_left[s])
            if t > 0:
                z[i] -= t
                y[i] += t
                res_left[s] -= t
                open_left[s] += t
                moved += t
    return moved
