"""Staff: any screen's next 48 hours from its current playlist, and why each item is there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import queries, staff_ui, ui
from dashboard.i18n import local_time, money, t
from scheduler.models import utcnow
from scheduler.reports import playlist_timeline

ui.require_role("staff", "admin")
ui.page_title("page.staff_schedule", "staff.schedule.caption")

HORIZON = dt.timedelta(hours=48)

with ui.db() as session:
    screens = queries.screens(session)
screen_id = staff_ui.pick_screen(screens, "schedule_screen")
if screen_id is None:
    st.stop()
with ui.db() as session:
    current = queries.current_playlist(session, screen_id)
if current is None:
    st.info(t("staff.schedule.none"))
    st.stop()

document: dict[str, Any] = current["document"]
st.caption(
    t(
        "staff.schedule.version",
        version=current["version"],
        published=local_time(current["published_at"]),
        start=local_time(pd.Timestamp(document.get("valid_from")).to_pydatetime()),
        end=local_time(pd.Timestamp(document.get("valid_until")).to_pydatetime()),
    )
)

timeline = playlist_timeline(document, staff_ui.tz_name())
now = pd.Timestamp(utcnow()).tz_convert(staff_ui.tz_name()).floor("h")
if len(timeline):
    timeline = timeline[
        (timeline["hour_start"] >= now) & (timeline["hour_start"] < now + HORIZON)
    ].copy()
if timeline.empty:
    st.info(t("staff.schedule.empty"))
    st.stop()

timeline["hour"] = timeline["hour_start"].dt.tz_localize(None)
timeline["rule_label"] = timeline["rule"].map(lambda r: t(f"staff.rule.{r}") if r else "—")
timeline["minutes"] = timeline["seconds"] / 60.0

colour_by = st.segmented_control(
    t("staff.schedule.colour_by"),
    ["label", "rule_label"],
    default="label",
    format_func=staff_ui.labels("staff.schedule.by_", ["label", "rule_label"]),
    key="schedule_colour",
)
pick = alt.selection_point(fields=["item_id"], name="pick")
chart = (
    alt.Chart(timeline)
    .mark_bar()
    .encode(
        # With an hour time unit each bar spans its whole hour.
        x=alt.X(
            "yearmonthdatehours(hour):T",
            title=t("staff.schedule.hour"),
            axis=alt.Axis(format="%a %H:%M"),
        ),
        y=alt.Y("sum(minutes):Q", title=t("staff.schedule.minutes"), stack="zero"),
        color=alt.Color(f"{colour_by or 'label'}:N", title=t("staff.schedule.item")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
        tooltip=[
            alt.Tooltip("hour:T", title=t("staff.schedule.hour"), format="%Y-%m-%d %H:%M"),
            alt.Tooltip("label:N", title=t("staff.schedule.item")),
            alt.Tooltip("rule_label:N", title=t("staff.schedule.rule")),
            alt.Tooltip("slots:Q", title=t("staff.schedule.slots")),
            alt.Tooltip("share:Q", title=t("staff.schedule.share"), format=".0%"),
        ],
    )
    .add_params(pick)
    .properties(height=320)
)
event = st.altair_chart(chart, width="stretch", on_select="rerun", key="schedule_chart")
st.caption(t("staff.schedule.click_hint"))

# The item clicked in the chart, else the one picked in the list (keyboard and tests use it).
clicked: list[dict[str, Any]] = []
if event and getattr(event, "selection", None):
    clicked = list(event.selection.get("pick") or [])
clicked_item = clicked[0].get("item_id") if clicked else None
# Pick what (a campaign, or house content), then one of the hours it plays in: each campaign
# item is one allocation, so one hour. A click on a bar picks both.
timeline["what"] = [
    f"c{int(c)}" if pd.notna(c) else str(r)
    for c, r in zip(timeline["campaign_id"], timeline["rule"], strict=True)
]
totals = timeline.groupby("what", as_index=False).agg(
    label=("label", "first"), slots=("slots", "sum")
)
totals = totals.sort_values("slots", ascending=False)
names = dict(zip(totals["what"], totals["label"], strict=True))
clicked_rows = timeline[timeline["item_id"] == clicked_item]
clicked_what = clicked_rows["what"].iloc[0] if len(clicked_rows) else None
whats = list(names)
what = st.selectbox(
    t("staff.schedule.pick_item"),
    whats,
    index=whats.index(clicked_what) if clicked_what in whats else 0,
    format_func=names.__getitem__,
    key=f"schedule_item_{clicked_item or ''}",
)
plays_in = timeline[timeline["what"] == what].sort_values("hour").reset_index(drop=True)
hour_names = {i: h.strftime("%a %m-%d %H:%M") for i, h in enumerate(plays_in["hour"])}
clicked_at = plays_in.index[plays_in["item_id"] == clicked_item]
index = 0
if len(plays_in) > 1:
    index = st.select_slider(
        t("staff.schedule.pick_hour"),
        list(hour_names),
        value=int(clicked_at[0]) if len(clicked_at) else 0,
        format_func=hour_names.__getitem__,
        key=f"schedule_hour_{what}_{clicked_item or ''}",
    )
chosen = plays_in.iloc[index]
item_id, hour = chosen["item_id"], chosen["hour"]
labels = {
    item_id: f"{chosen['label']} — {chosen['slots']} × "
    f"{chosen['seconds'] // max(chosen['slots'], 1)} s ({chosen['share']:.0%})"
}

item: dict[str, Any] = (document.get("items") or {}).get(item_id, {})
explain: dict[str, Any] = item.get("explain") or {}
rows = plays_in
with st.container(border=True):
    st.markdown(f"#### {labels[item_id]} · {hour:%m-%d %H:%M}")
    if explain.get("rule"):
        st.info(explain["rule"])
    cols = st.columns(4)
    cols[0].metric(t("staff.schedule.rule"), t(f"staff.rule.{item.get('rule') or 'house'}"))
    cols[1].metric(
        t("staff.schedule.price"),
        money(explain.get("price_krw")) if explain.get("price_krw") is not None else "—",
    )
    cols[2].metric(t("staff.schedule.tier"), explain.get("tier") or "—")
    forecast = explain.get("forecast")
    cols[3].metric(
        t("staff.schedule.forecast"), f"{float(forecast):,.0f}" if forecast is not None else "—"
    )
    st.caption(
        t(
            "staff.schedule.item_totals",
            slots=int(rows["slots"].sum()),
            hours=int(rows["hour"].nunique()),
            multiplier=float(item.get("impressions_multiplier") or 0.0),
        )
    )
    extra = {k: v for k, v in explain.items() if k not in ("rule", "price_krw", "tier", "forecast")}
    extra.update(
        {k: item.get(k) for k in ("campaign_id", "business_id", "creative_id") if item.get(k)}
    )
    if extra:
        st.json(extra, expanded=False)

with st.expander(t("staff.schedule.table")):
    st.dataframe(
        timeline[["hour", "label", "rule_label", "slots", "share"]],
        hide_index=True,
        width="stretch",
        column_config={
            "hour": st.column_config.DatetimeColumn(
                t("staff.schedule.hour"), format="YYYY-MM-DD HH:mm"
            ),
            "label": t("staff.schedule.item"),
            "rule_label": t("staff.schedule.rule"),
            "slots": t("staff.schedule.slots"),
            "share": st.column_config.ProgressColumn(
                t("staff.schedule.share"), min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )
