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
    for i in range(1, n):
        if adv[i] is None or adv[i] != adv[i - 1]:
            continue
        for j in range(i + 1, n):
            # Swap in a slot of someone else that does not itself end up next to its own kind.
            if adv[j] == adv[i]:
                continue
            if j + 1 < n and adv[j + 1] is not None and adv[j + 1] == adv[i] and j != i + 1:
                continue
            if adv[j] is not None and adv[j] == adv[i - 1]:
                continue
            sequence[i], sequence[j] = sequence[j], sequence[i]
            adv[i], adv[j] = adv[j], adv[i]
            break
    return sequence


def back_to_back(sequence: Sequence[str], owner: dict[str, int | None]) -> int:
    """How many adjacent slots share an advertiser (for tests and reports)."""
    return sum(
        1
        for a, b in zip(sequence, sequence[1:], strict=False)
        if owner.get(a) is not None and owner.get(a) == owner.get(b)
    )
