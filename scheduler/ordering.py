"""Turn a screen-hour's play counts into its sequence of slots. Pure.

Each item's plays are spread evenly: play ``j`` of an item with ``k`` plays in ``n`` slots aims
at position ``(j + ½)·n/k``; merging those aims gives the order. A repair pass then breaks up the
same advertiser back to back by swapping with the nearest later slot of someone else, where one
exists (house content and public notices do not count as an advertiser).
"""

from __future__ import annotations

from collections.abc import Sequence


def order_hour(
    items: Sequence[tuple[str, int, int | None]], slots: int, filler: str = "house"
) -> list[str]:
    """The slot sequence for one screen-hour.

    ``items``: (item id, plays, advertiser id or None). Slots the items leave empty get
    ``filler``. The result has exactly ``slots`` entries (extra plays are cut, last aims first).
    """
    total = sum(max(k, 0) for _, k, _ in items)
    plays = list(items)
    if total < slots:
        plays.append((filler, slots - total, None))
    aims: list[tuple[float, int, str]] = []
    owner: dict[str, int | None] = {}
    for rank, (item, k, adv) in enumerate(plays):
        owner[item] = adv
        for j in range(max(k, 0)):
            aims.append(((j + 0.5) * slots / k, rank, item))
    aims.sort()
    sequence = [item for _, _, item in aims[:slots]]
    return _separate(sequence, owner)


def _separate(sequence: list[str], owner: dict[str, int | None]) -> list[str]:
    adv = [owner.get(item) for item in sequence]
    n = len(sequence)
    # Advertisers whose last full scan found no slot to swap in. Until the next swap the same
    # scan would fail again, except at j = i + 1 (the one slot whose neighbour test it skips),
    # so an hour one advertiser cannot be separated in costs O(n), not O(n²).
    dead: set[int] = set()
    for i in range(1, n):
        a = adv[i]
        if a is None or a != adv[i - 1]:
            continue
        if a in dead:
            if i + 1 < n and adv[i + 1] != a:
                sequence[i], sequence[i + 1] = sequence[i + 1], sequence[i]
                adv[i], adv[i + 1] = adv[i + 1], adv[i]
                dead.clear()
            continue
        for j in range(i + 1, n):
            # Swap in a slot of someone else that does not itself end up next to its own kind.
            if adv[j] == a:
                continue
            if j + 1 < n and adv[j + 1] is not None and adv[j + 1] == a and j != i + 1:
                continue
            sequence[i], sequence[j] = sequence[j], sequence[i]
            adv[i], adv[j] = adv[j], adv[i]
            dead.clear()
            break
        else:
            dead.add(a)
    return sequence


def back_to_back(sequence: Sequence[str], owner: dict[str, int | None]) -> int:
    """How many adjacent slots share an advertiser (for tests and reports)."""
    return sum(
        1
        for a, b in zip(sequence, sequence[1:], strict=False)
        if owner.get(a) is not None and owner.get(a) == owner.get(b)
    )
