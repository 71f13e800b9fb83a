"""New campaign: where (map or zones), when (weekday × hour grid), budget, and a live quote."""

from __future__ import annotations

import datetime as dt

import pydeck as pdk
import streamlit as st

from dashboard import campaign_form, owner_data, ui
from dashboard.i18n import labeller, money, t, weekday_names
from scheduler.campaigns import create_campaign, submit_campaign
from scheduler.models import User

user = ui.require_role("owner")
ui.page_title("page.owner_new_campaign", "new.caption")

with ui.db() as session:
    screens = owner_data.screens_frame(session)
    creatives = [
        c for c in owner_data.creatives_for(session, user.business_id) if c.status != "rejected"
    ]
    creative_labels = {c.id: f"{c.name} ({t(f'ads.status_{c.status}')})" for c in creatives}

if not creatives:
    st.info(t("new.need_ad"))
    st.page_link("views/owner_ads.py", label=t("page.owner_ads"), icon=":material/image:")
    st.stop()
if screens.empty:
    st.info(t("new.no_screens"))
    st.stop()

# --- what and how much ---------------------------------------------------------------------
left, right = st.columns(2)
name = left.text_input(t("new.name"), key="new_name", max_chars=200)
creative_id = right.selectbox(
    t("new.creative"), list(creative_labels), format_func=creative_labels.get, key="new_creative"
)
today = dt.datetime.now(ui.settings().tz).date()
starts_on = left.date_input(
    t("new.starts_on"), today + dt.timedelta(days=1), min_value=today, key="new_starts"
)
ends_on = right.date_input(
    t("new.ends_on"), today + dt.timedelta(days=14), min_value=today, key="new_ends"
)
budget = left.number_input(
    t("new.budget"), min_value=0, value=300_000, step=10_000, key="new_budget"
)
right.caption(t("new.budget_help", amount=money(budget)))

# --- where ----------------------------------------------------------------------------------
st.subheader(t("new.where"))
mode = st.radio(
    t("new.target_mode"),
    ["zones", "screens", "everywhere"],
    format_func=labeller("new.mode_"),
    horizontal=True,
    key="new_mode",
)
zone_names = (
    screens.dropna(subset=["zone_id"]).drop_duplicates("zone_id").set_index("zone_id")["zone"]
)
zone_ids: list[int] = []
screen_ids: list[int] = []
map_pick: list[int] = []
if mode == "zones":
    zone_ids = st.multiselect(
        t("new.zones"), [int(z) for z in zone_names.index], format_func=zone_names.get, key="new_z"
    )
elif mode == "screens":
    labels = {int(r.id): f"{r.name} · {r.zone or '—'}" for r in screens.itertuples()}
    screen_ids = st.multiselect(
        t("new.screens"), list(labels), format_func=labels.get, key="new_screens"
    )

chosen_preview = owner_data.targeted_screen_ids(screens, zone_ids, screen_ids)
located = screens.dropna(subset=["latitude", "longitude"]).copy()
if not located.empty:
    located["chosen"] = located["id"].isin(chosen_preview)
    located["colour"] = located["chosen"].map(
        lambda c: [230, 80, 40, 220] if c else [120, 120, 120, 140]
    )
    layer = pdk.Layer(
        "ScatterplotLayer",
        data=located[["id", "name", "zone", "latitude", "longitude", "colour"]],
        id="screens",
        get_position=["longitude", "latitude"],
        get_fill_color="colour",
        get_radius=60,
        radius_min_pixels=6,
        pickable=True,
    )
    view = pdk.ViewState(
        latitude=float(located["latitude"].mean()),
        longitude=float(located["longitude"].mean()),
        zoom=12,
    )
    event = st.pydeck_chart(
        pdk.Deck(layers=[layer], initial_view_state=view, tooltip={"text": "{name}\n{zone}"}),
        on_select="rerun" if mode == "screens" else "ignore",
        selection_mode="multi-object",
        key="new_map",
    )
    if mode == "screens":
        st.caption(t("new.map_help"))
        picked = (getattr(event, "selection", None) or {}).get("objects", {}).get("screens", [])
        map_pick = [int(obj["id"]) for obj in picked if "id" in obj]
screen_ids = sorted(set(screen_ids) | set(map_pick))
targeted = owner_data.targeted_screen_ids(screens, zone_ids, screen_ids)
st.caption(t("new.reach", n=len(targeted), total=len(screens)))

# --- when -----------------------------------------------------------------------------------
st.subheader(t("new.when"))
preset = st.selectbox(
    t("new.preset"),
    list(campaign_form.PRESETS),
    format_func=labeller("new.preset_"),
    key="new_preset",
)
days = weekday_names()
grid = campaign_form.grid_from_dayparts(campaign_form.PRESETS[preset], days)
edited = st.data_editor(
    grid,
    key=f"new_grid_{preset}",
    width="stretch",
    height=35 * 25,
    column_config={d: st.column_config.CheckboxColumn(d, width="small") for d in days},
)
dayparts = campaign_form.dayparts_from_grid(edited)
st.caption(t("new.hours_chosen", n=sum(len(h) for h in dayparts)))

# --- quote and booking ------------------------------------------------------------------------
st.subheader(t("new.quote"))
problem = campaign_form.draft_problem(name, starts_on, ends_on, budget, dayparts, targeted)
if problem:
    st.info(t(problem))
    st.stop()
draft = campaign_form.Draft(
    business_id=user.business_id,
    screen_ids=screen_ids,
    zone_ids=zone_ids,
    dayparts=dayparts,
    starts_on=starts_on,
    ends_on=ends_on,
    budget_krw=int(budget),
)
with ui.errors():
    with st.spinner(t("new.quoting")), ui.db() as session:
        quote = campaign_form.quote_for(session, draft)
    campaign_form.show_quote(quote)
    if st.button(t("new.submit"), type="primary", key="new_submit"):
        with ui.db() as session:
            acting = session.get(User, user.id)
            campaign = create_campaign(
                session,
                user.business_id,
                name=name,
                starts_on=starts_on,
                ends_on=ends_on,
                budget_krw=int(budget),
                creative_id=int(creative_id),
                dayparts=dayparts,
                target_zone_ids=zone_ids,
                target_screen_ids=screen_ids,
                user=acting,
            )
            submit_campaign(session, campaign, acting)
            booked = campaign.name
        st.success(t("new.submitted", name=booked))
        st.page_link(
            "views/owner_campaigns.py", label=t("page.owner_campaigns"), icon=":material/campaign:"
        )
