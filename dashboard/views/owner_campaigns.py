"""My campaigns: status, delivery against plan per day (plays, audience, spend), pause, resume."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import owner_data, ui
from dashboard.i18n import money, t
from scheduler.campaigns import pause_campaign, resume_campaign
from scheduler.models import User

user = ui.require_role("owner")
ui.page_title("page.owner_campaigns", "camp.caption")
tz = ui.settings().timezone
STATUS_COLOURS = {
    "draft": "gray",
    "pending": "orange",
    "approved": "green",
    "paused": "blue",
    "rejected": "red",
    "completed": "violet",
    "cancelled": "gray",
}

with ui.db() as session:
    campaigns = owner_data.campaigns_for(session, user.business_id)
    delivered = owner_data.spend_by_campaign(session, user.business_id)

if not campaigns:
    st.info(t("camp.none_yet"))
    st.page_link(
        "views/owner_new_campaign.py",
        label=t("page.owner_new_campaign"),
        icon=":material/add_circle:",
    )
    st.stop()

overview = pd.DataFrame(
    [
        {
            t("camp.col_name"): c.name,
            t("camp.col_status"): t(f"camp.status_{c.status}"),
            t("camp.col_flight"): f"{c.starts_on} – {c.ends_on}",
            t("camp.col_budget"): money(c.budget_krw),
            t("camp.col_plays"): delivered.get(c.id, (0, 0.0, 0))[0],
            t("camp.col_spend"): money(delivered.get(c.id, (0, 0.0, 0))[2]),
        }
        for c in campaigns
    ]
)
st.dataframe(overview, hide_index=True, width="stretch")

# A campaign may be preselected by link (?campaign=ID); only the business's own ids are accepted.
own_ids = [c.id for c in campaigns]
labels = {c.id: f"{c.name} (#{c.id})" for c in campaigns}
requested = st.query_params.get("campaign")
# Open on the campaign most worth a look: one that is running, else the newest.
live = [i for i, c in enumerate(campaigns) if c.status in ("approved", "paused")]
index = live[0] if live else 0
if requested is not None:
    try:
        index = own_ids.index(int(requested))
    except ValueError:
        st.warning(t("camp.not_yours"))
selected_id = st.selectbox(
    t("camp.pick"), own_ids, index=index, format_func=labels.get, key="camp_pick"
)

with ui.errors():
    with ui.db() as session:
        campaign = owner_data.campaign_for(session, user.business_id, int(selected_id))
        daily = owner_data.campaign_delivery(session, user.business_id, campaign.id, tz)
    colour = STATUS_COLOURS.get(campaign.status, "gray")
    st.markdown(f"### {campaign.name} · :{colour}[{t(f'camp.status_{campaign.status}')}]")
    if campaign.status == "rejected" and campaign.reject_reason:
        st.warning(t("camp.rejected_reason", reason=campaign.reject_reason))

    plays, audience, spend = delivered.get(campaign.id, (0, 0.0, 0))
    a, b, c, d = st.columns(4)
    a.metric(t("camp.plays"), f"{plays:,}", help=t("camp.plays_help"))
    b.metric(t("camp.audience"), f"{audience:,.0f}", help=t("camp.audience_help"))
    c.metric(t("camp.spend"), money(spend))
    d.metric(t("camp.budget_left"), money(max(0, campaign.budget_krw - spend)))

    if daily.empty:
        st.info(t("camp.no_delivery"))
    else:
        chart = daily.set_index("day")
        plan_label, actual_label = t("camp.planned"), t("camp.delivered")
        for title_key, planned, actual in (
            ("camp.chart_plays", "planned_plays", "plays"),
            ("camp.chart_audience", "planned_audience", "audience"),
            ("camp.chart_spend", "planned_spend", "spend"),
        ):
            st.markdown(f"**{t(title_key)}**")
            frame = chart[[planned, actual]].rename(
                columns={planned: plan_label, actual: actual_label}
            )
            st.bar_chart(frame, stack=False, height=220)

    left, right = st.columns(2)
    if campaign.status == "approved" and left.button(
        t("camp.pause"), key="camp_pause", icon=":material/pause:"
    ):
        with ui.db() as session:
            pause_campaign(session, campaign.id, session.get(User, user.id))
        st.rerun()
    if campaign.status == "paused" and left.button(
        t("camp.resume"), key="camp_resume", icon=":material/play_arrow:", type="primary"
    ):
        with ui.db() as session:
            resume_campaign(session, campaign.id, session.get(User, user.id))
        st.rerun()
