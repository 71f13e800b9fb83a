"""Staff: local-share compliance, revenue by tier and zone, delivery and audience; CSV downloads."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import queries, staff_ui, ui
from dashboard.i18n import money, t
from scheduler import reports

# Status colours: green when local ads met the quota, blue when the reserve was kept for lack of
# local demand, amber when the policy released it, red for a breach.
STATUS_COLOURS = {
    "met": "#16a34a",
    "reserve_kept": "#60a5fa",
    "released": "#f59e0b",
    "breached": "#dc2626",
}

ui.require_role("staff", "admin")
ui.page_title("page.staff_reports", "staff.reports.caption")

today = dt.datetime.now(ui.settings().tz).date()
picked = st.date_input(
    t("staff.reports.period"),
    (today - dt.timedelta(days=7), today + dt.timedelta(days=2)),
    key="reports_period",
)
first, last = picked if isinstance(picked, tuple) and len(picked) == 2 else (today, today)
start = staff_ui.local_to_utc(first, dt.time(0))
end = staff_ui.local_to_utc(last + dt.timedelta(days=1), dt.time(0))

with ui.db() as session:
    alloc = reports.load_allocations(session, start, end)
    plays = reports.load_plays(session, start, end)
    campaigns = reports.load_campaigns(session)
    screens = queries.screens(session)[["id", "name"]].rename(
        columns={"id": "screen_id", "name": "screen"}
    )

tab_quota, tab_revenue, tab_delivery, tab_audience = st.tabs(
    [
        t("staff.reports.tab_quota"),
        t("staff.reports.tab_revenue"),
        t("staff.reports.tab_delivery"),
        t("staff.reports.tab_audience"),
    ]
)

with tab_quota:
    compliance = reports.local_share_compliance(alloc)
    if compliance.empty:
        st.info(t("staff.reports.no_plan"))
    else:
        compliance = compliance.merge(screens, on="screen_id", how="left")
        per_screen = reports.compliance_by_screen(compliance).merge(screens, on="screen_id")
        statuses = staff_ui.labels("staff.reports.status_", list(STATUS_COLOURS))
        cols = st.columns(4)
        cols[0].metric(t("staff.reports.screen_hours"), f"{len(compliance):,}")
        cols[1].metric(t("staff.reports.met_rate"), f"{compliance['meets'].mean():.1%}")
        cols[2].metric(t("staff.reports.compliant_rate"), f"{compliance['compliant'].mean():.1%}")
        cols[3].metric(t("staff.reports.breaches"), int((~compliance["compliant"]).sum()))
        heat = compliance.assign(
            hour=staff_ui.local(compliance["hour_start"]),
            status_label=compliance["status"].map(statuses),
        )
        chart = (
            alt.Chart(heat)
            .mark_rect()
            .encode(
                x=alt.X(
                    "yearmonthdatehours(hour):T",
                    title=t("staff.schedule.hour"),
                    axis=alt.Axis(format="%m-%d %H"),
                ),
                y=alt.Y("screen:N", title=t("staff.screen"), sort="ascending"),
                color=alt.Color(
                    "local_share:Q",
                    title=t("staff.reports.local_share"),
                    # Green once the quota is reached: the colour shows progress towards it.
                    scale=alt.Scale(
                        scheme="redyellowgreen",
                        domain=[0, float(compliance["quota"].max())],
                        clamp=True,
                    ),
                ),
                # A breach gets a thick black outline, whatever its colour.
                stroke=alt.condition(alt.datum.compliant, alt.value(None), alt.value("#111111")),
                strokeWidth=alt.condition(alt.datum.compliant, alt.value(0), alt.value(2)),
                tooltip=[
                    alt.Tooltip("screen:N", title=t("staff.screen")),
                    alt.Tooltip("hour:T", title=t("staff.schedule.hour"), format="%Y-%m-%d %H:%M"),
                    alt.Tooltip(
                        "local_share:Q", title=t("staff.reports.local_share"), format=".1%"
                    ),
                    alt.Tooltip("quota:Q", title=t("staff.reports.quota"), format=".0%"),
                    alt.Tooltip("status_label:N", title=t("staff.reports.status")),
                    alt.Tooltip("shortfall_plays:Q", title=t("staff.reports.shortfall")),
                ],
            )
            .properties(height=max(200, 14 * heat["screen"].nunique()))
        )
        st.altair_chart(chart, width="stretch")
        st.caption(t("staff.reports.quota_hint"))
        counts = heat.groupby(["screen", "status_label", "status"], as_index=False).size()
        bars = (
            alt.Chart(counts)
            .mark_bar()
            .encode(
                x=alt.X(
                    "sum(size):Q",
                    title=t("staff.reports.screen_hours"),
                    stack="normalize",
                    axis=alt.Axis(format="%"),
                ),
                y=alt.Y("screen:N", title=t("staff.screen")),
                color=alt.Color(
                    "status_label:N",
                    title=t("staff.reports.status"),
                    scale=alt.Scale(
                        domain=[statuses(k) for k in STATUS_COLOURS],
                        range=list(STATUS_COLOURS.values()),
                    ),
                ),
                order=alt.Order("status:N"),
                tooltip=["screen", "status_label", "size"],
            )
            .properties(height=max(200, 14 * counts["screen"].nunique()))
        )
        st.altair_chart(bars, width="stretch")
        with st.expander(t("staff.reports.per_screen")):
            st.dataframe(
                per_screen[["screen", "hours", "hours_met", "hours_compliant", "mean_local_share"]],
                hide_index=True,
                width="stretch",
                column_config={
                    "screen": t("staff.screen"),
                    "hours": t("staff.reports.screen_hours"),
                    "hours_met": t("staff.reports.met_rate"),
                    "hours_compliant": t("staff.reports.compliant_rate"),
                    "mean_local_share": st.column_config.NumberColumn(
                        t("staff.reports.mean_share"), format="percent"
                    ),
                },
            )
        staff_ui.csv_download(compliance, "local_share_compliance.csv", "dl_quota")

with tab_revenue:
    revenue = reports.revenue_by_tier_zone(plays)
    if revenue.empty:
        st.info(t("staff.reports.no_plays"))
    else:
        st.metric(t("staff.reports.revenue_total"), money(revenue["revenue_krw"].sum()))
        chart = (
            alt.Chart(revenue)
            .mark_bar()
            .encode(
                x=alt.X("sum(revenue_krw):Q", title=t("staff.reports.revenue")),
                y=alt.Y("zone:N", sort="-x", title=t("staff.zone")),
                color=alt.Color("tier:N", title=t("staff.reports.tier")),
                tooltip=["zone", "tier", "plays", alt.Tooltip("revenue_krw:Q", format=",")],
            )
        )
        st.altair_chart(chart, width="stretch")
        st.dataframe(revenue, hide_index=True, width="stretch")
        staff_ui.csv_download(revenue, "revenue_by_tier_zone.csv", "dl_revenue")

with tab_delivery:
    planned = (
        alloc[["campaign_id", "plays"]]
        if len(alloc)
        else pd.DataFrame(columns=["campaign_id", "plays"])
    )
    delivery = reports.delivery_by_campaign(campaigns, planned, plays)
    delivery = delivery[(delivery["planned_plays"] > 0) | (delivery["played"] > 0)]
    if delivery.empty:
        st.info(t("staff.reports.no_delivery"))
    else:
        long = delivery.melt(
            id_vars=["name"], value_vars=["planned_plays", "played"], var_name="kind"
        ).assign(kind=lambda d: d["kind"].map(lambda k: t(f"staff.reports.{k}")))
        chart = (
            alt.Chart(long)
            .mark_bar()
            .encode(
                y=alt.Y("name:N", title=t("staff.reports.campaign"), sort="-x"),
                x=alt.X("value:Q", title=t("staff.reports.plays")),
                yOffset="kind:N",
                color=alt.Color("kind:N", title=""),
                tooltip=["name", "kind", "value"],
            )
            .properties(height=max(200, 28 * len(delivery)))
        )
        st.altair_chart(chart, width="stretch")
        st.dataframe(
            delivery,
            hide_index=True,
            width="stretch",
            column_config={
                "delivery_rate": st.column_config.ProgressColumn(
                    t("staff.reports.delivery_rate"), min_value=0.0, max_value=1.0, format="percent"
                ),
                "budget_used": st.column_config.ProgressColumn(
                    t("staff.reports.budget_used"), min_value=0.0, max_value=1.0, format="percent"
                ),
            },
        )
        staff_ui.csv_download(delivery, "delivery_by_campaign.csv", "dl_delivery")

with tab_audience:
    audience = reports.audience_per_screen(plays, staff_ui.tz_name())
    if audience.empty:
        st.info(t("staff.reports.no_plays"))
    else:
        totals = audience.groupby("screen", as_index=False)[["plays", "impressions"]].sum()
        chart = (
            alt.Chart(audience.assign(day=pd.to_datetime(audience["day"])))
            .mark_bar()
            .encode(
                x=alt.X("sum(impressions):Q", title=t("staff.reports.audience")),
                y=alt.Y("screen:N", sort="-x", title=t("staff.screen")),
                color=alt.Color("day:T", title=t("staff.reports.day"), timeUnit="monthdate"),
                tooltip=[
                    "screen",
                    alt.Tooltip("day:T", format="%Y-%m-%d"),
                    "plays",
                    alt.Tooltip("impressions:Q", format=",.0f"),
                ],
            )
            .properties(height=max(200, 14 * len(totals)))
        )
        st.altair_chart(chart, width="stretch")
        staff_ui.csv_download(audience, "audience_per_screen.csv", "dl_audience")
