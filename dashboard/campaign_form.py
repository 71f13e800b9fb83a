"""The new-campaign form's logic: the weekday × hour grid, input checks, and the quote display."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import money, t

ALL_DAY = list(range(24))
PRESETS: dict[str, list[list[int]]] = {
    "daytime": [list(range(7, 22))] * 7,
    "all_day": [ALL_DAY] * 7,
    "commute": [[7, 8, 9, 17, 18, 19]] * 5 + [[]] * 2,
    "lunch": [[11, 12, 13]] * 7,
    "evenings": [list(range(17, 23))] * 7,
    "weekends": [[]] * 5 + [list(range(9, 22))] * 2,
}


@dataclass
class Draft:
    """A campaign not yet booked, as ``scheduler.pricing.quote`` prices it."""

    business_id: int
    screen_ids: list[int]
    zone_ids: list[int]
    dayparts: list[list[int]]
    starts_on: dt.date
    ends_on: dt.date
    budget_krw: int
    extra: dict[str, Any] = field(default_factory=dict)


def grid_from_dayparts(dayparts: list[list[int]], day_names: list[str]) -> pd.DataFrame:
    """Hours (rows, ``"07:00"``) × weekdays (columns, Monday first) of booleans."""
    index = [f"{hour:02d}:00" for hour in range(24)]
    data = {
        name: [hour in set(dayparts[i]) for hour in range(24)] for i, name in enumerate(day_names)
    }
    return pd.DataFrame(data, index=index)


def dayparts_from_grid(grid: pd.DataFrame) -> list[list[int]]:
    """The grid back as 7 lists of hours (Monday first)."""
    values = grid.fillna(False).astype(bool).to_numpy()
    return [[hour for hour in range(24) if values[hour, day]] for day in range(values.shape[1])]


def draft_problem(
    name: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    budget: float | None,
    dayparts: list[list[int]],
    targeted: list[int],
) -> str | None:
    """The catalogue key of the first thing missing before a quote makes sense, or None."""
    if not (name or "").strip():
        return "new.need_name"
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        return "new.need_dates"
    if ends_on < starts_on:
        return "new.dates_order"
    if not budget or budget <= 0:
        return "new.need_budget"
    if not any(dayparts):
        return "new.need_hours"
    if not targeted:
        return "new.need_screens"
    return None


def quote_for(session: Any, draft: Draft) -> Any:
    from scheduler.pricing import quote

    return quote(session, draft)


def show_quote(quote: Any) -> None:
    """Expected plays, audience, cost per day and the tiers used, with a per-day chart."""
    a, b, c, d = st.columns(4)
    a.metric(t("quote.plays"), f"{int(quote.expected_plays):,}")
    b.metric(t("quote.audience"), f"{float(quote.impressions):,.0f}")
    c.metric(t("quote.cost_per_day"), money(quote.cost_per_day_krw))
    d.metric(t("quote.total"), money(quote.cost_krw))
    tiers = quote.tiers_used or {}
    st.write(t("quote.tiers", tiers=", ".join(tiers) or "—"))
    for note in quote.notes or []:
        st.caption(note)
    days = pd.DataFrame(quote.days or [])
    if days.empty:
        return
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{t('quote.per_day')}**")
        chart = days.assign(day=pd.to_datetime(days["day"])).set_index("day")
        chart = chart.rename(
            columns={"cost_krw": t("quote.col_cost"), "plays": t("quote.col_plays")}
        )
        st.bar_chart(chart[[t("quote.col_cost")]], height=220)
    with right:
        st.markdown(f"**{t('quote.tier_table')}**")
        st.dataframe(
            pd.DataFrame(
                {t("quote.tier"): list(tiers), t("quote.col_plays"): list(tiers.values())}
            ),
            hide_index=True,
            width="stretch",
        )
