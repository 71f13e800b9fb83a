"""Staff: the local-business quota and the pricing tiers, effective from a date, with history."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import queries, staff_ui, ui
from dashboard.i18n import local_time, money, t
from scheduler.models import utcnow
from scheduler.policy import (
    POLICY_FIELDS,
    policy_at,
    price_rules_of,
    save_policy,
    save_tiers,
    tier_list,
    tiers_at,
)
from scheduler.pricing import Tier
from scheduler.reports import tier_price_curve, tier_usage

user = ui.require_role("staff", "admin")
ui.page_title("page.staff_policy", "staff.policy.caption")
staff_ui.show_flash()

now = utcnow()
with ui.db() as session:
    policy = policy_at(session, now)
    tier_set = tiers_at(session, now)
    current = {name: getattr(policy, name) for name in POLICY_FIELDS}
    current_tiers = list(tier_list(tier_set))
    rules = price_rules_of(policy)
    levels = queries.forecast_levels(session, now, now + dt.timedelta(hours=48))
    screens = queries.screens(session)
    policies = queries.policy_history(session)
    tier_rows = queries.tier_history(session)


def share_column(key: str) -> Any:
    return st.column_config.NumberColumn(t(key), format="percent")


def effective_picker(prefix: str) -> dt.datetime:
    """Date and time in the city's zone when the change takes effect (default: the next hour)."""
    local_now = dt.datetime.now(ui.settings().tz)
    next_hour = (local_now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    left, right = st.columns(2)
    day = left.date_input(t("staff.policy.effective_day"), next_hour.date(), key=f"{prefix}_day")
    time = right.time_input(
        t("staff.policy.effective_time"), next_hour.time(), step=3600, key=f"{prefix}_time"
    )
    return staff_ui.local_to_utc(day, time)


def share_slider(column: Any, field: str, key: str, help: str | None = None) -> float:
    """A 0–1 slider in 5 % steps for one share of the policy, starting at the value in force."""
    label = t(f"staff.policy.{field}")
    return column.slider(label, 0.0, 1.0, float(current[field]), 0.05, key=key, help=help)


def quota_tab() -> None:
    st.caption(t("staff.policy.in_force", when=local_time(getattr(policy, "effective_from", None))))
    with st.form("quota"):
        left, right = st.columns(2)
        local_min = share_slider(
            left, "local_min_share", "q_local", help=t("staff.policy.local_min_help")
        )
        public_min = share_slider(left, "public_min_share", "q_public")
        adv_max = share_slider(left, "advertiser_max_share", "q_adv")
        release = left.checkbox(
            t("staff.policy.release_unused_local"),
            bool(current["release_unused_local"]),
            key="q_release",
            help=t("staff.policy.release_help"),
        )
        discount = share_slider(right, "local_discount", "q_discount")
        threshold = share_slider(right, "surcharge_threshold", "q_threshold")
        rate = right.number_input(
            t("staff.policy.surcharge_rate"),
            0.0,
            5.0,
            float(current["surcharge_rate"]),
            0.05,
            key="q_rate",
        )
        note = st.text_input(t("staff.policy.note"), key="q_note")
        effective = effective_picker("q")
        submitted = st.form_submit_button(t("staff.policy.save_quota"), type="primary")
    if submitted:
        with ui.errors():
            with ui.db() as session:
                save_policy(
                    session,
                    local_min_share=local_min,
                    public_min_share=public_min,
                    advertiser_max_share=adv_max,
                    release_unused_local=release,
                    local_discount=discount,
                    surcharge_threshold=threshold,
                    surcharge_rate=rate,
                    note=note.strip() or None,
                    effective_from=effective,
                    created_by_id=user.id,
                )
            staff_ui.flash("success", t("staff.policy.saved", when=local_time(effective)))
    if len(policies):
        st.subheader(t("staff.policy.history"))
        st.dataframe(
            policies.assign(
                effective_from=staff_ui.local(policies["effective_from"]),
                created_at=staff_ui.local(policies["created_at"]),
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "effective_from": st.column_config.DatetimeColumn(
                    t("staff.policy.effective"), format="YYYY-MM-DD HH:mm"
                ),
                "created_at": st.column_config.DatetimeColumn(
                    t("staff.when"), format="YYYY-MM-DD HH:mm"
                ),
                "created_by": t("staff.who"),
                "local_min_share": share_column("staff.policy.col_local"),
                "public_min_share": share_column("staff.policy.col_public"),
                "advertiser_max_share": share_column("staff.policy.col_adv"),
                "release_unused_local": st.column_config.CheckboxColumn(
                    t("staff.policy.col_release")
                ),
                "local_discount": share_column("staff.policy.col_discount"),
                "surcharge_threshold": share_column("staff.policy.col_threshold"),
                "surcharge_rate": share_column("staff.policy.col_rate"),
                "note": t("staff.policy.note"),
            },
        )


def tiers_tab() -> None:
    st.caption(
        t("staff.policy.tiers_in_force", when=local_time(getattr(tier_set, "effective_from", None)))
    )
    editor_rows = pd.DataFrame(
        [(x.name, x.min_traffic, x.multiplier) for x in current_tiers],
        columns=["name", "min_traffic", "multiplier"],
    )
    edited = st.data_editor(
        editor_rows,
        num_rows="dynamic",
        hide_index=True,
        key="tiers_editor",
        column_config={
            "name": st.column_config.TextColumn(t("staff.policy.tier_name"), required=True),
            "min_traffic": st.column_config.NumberColumn(
                t("staff.policy.min_traffic"), min_value=0.0, step=10.0, required=True
            ),
            "multiplier": st.column_config.NumberColumn(
                t("staff.policy.multiplier"), min_value=0.01, step=0.05, required=True
            ),
        },
    )
    proposed = [
        Tier(str(r.name).strip(), float(r.min_traffic), float(r.multiplier))
        for r in edited.dropna().itertuples()
        if str(r.name).strip()
    ]
    if not proposed:
        st.warning(t("staff.policy.no_tiers"))
        return

    # Plot before saving: the proposed price curve for a typical screen, and where forecasts fall.
    prices = sorted({int(p) for p in screens["base_price_krw"]}) if len(screens) else [100]
    base = st.select_slider(
        t("staff.policy.base_price"),
        prices,
        value=prices[len(prices) // 2],
        key="tiers_base",
        format_func=money,
    )
    top = float(levels.quantile(0.99)) if len(levels) else 0.0
    curve = tier_price_curve(proposed, int(base), rules, top)
    curve["case"] = curve["case"].map(lambda c: t(f"staff.policy.case_{c}"))
    lines = (
        alt.Chart(curve)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("traffic:Q", title=t("staff.policy.traffic")),
            y=alt.Y("price_krw:Q", title=t("staff.policy.price")),
            color=alt.Color("case:N", title=""),
            tooltip=["tier", "case", alt.Tooltip("traffic:Q", format=",.0f"), "price_krw"],
        )
    )
    band_frame = pd.DataFrame([asdict(x) for x in proposed])
    band_frame["label"] = [f"{x.name} ×{x.multiplier:g}" for x in proposed]
    bands = (
        alt.Chart(band_frame)
        .mark_rule(strokeDash=[3, 3], color="#888888")
        .encode(x="min_traffic:Q", tooltip=["name", "min_traffic", "multiplier"])
    )
    band_names = (
        alt.Chart(band_frame)
        .mark_text(align="left", baseline="top", dx=4, color="#444444")
        .encode(x="min_traffic:Q", y=alt.value(4), text="label:N")
    )
    layers = [lines, bands, band_names]
    if len(levels):
        hist = (
            alt.Chart(pd.DataFrame({"traffic": levels.clip(upper=max(top, 1.0))}))
            .mark_bar(opacity=0.25, color="#2563eb")
            .encode(
                x=alt.X("traffic:Q", bin=alt.Bin(maxbins=40)),
                y=alt.Y("count():Q", title=t("staff.policy.screen_hours")),
            )
        )
        chart = alt.layer(hist, alt.layer(*layers)).resolve_scale(y="independent")
    else:
        chart = alt.layer(*layers)
    st.altair_chart(chart.properties(height=320), width="stretch")
    st.caption(t("staff.policy.plot_hint"))
    if len(levels):
        usage = tier_usage(levels, proposed)
        before = tier_usage(levels, current_tiers).rename(
            columns={"screen_hours": "now_hours", "share": "now_share"}
        )
        st.dataframe(
            usage.merge(before, on="tier", how="left"),
            hide_index=True,
            column_config={
                "tier": t("staff.policy.tier_name"),
                "screen_hours": t("staff.policy.screen_hours"),
                "share": st.column_config.NumberColumn(t("staff.policy.share"), format="percent"),
                "now_hours": t("staff.policy.now_hours"),
                "now_share": st.column_config.NumberColumn(
                    t("staff.policy.now_share"), format="percent"
                ),
            },
        )
    with st.form("tiers_save"):
        note = st.text_input(t("staff.policy.note"), key="tiers_note")
        effective = effective_picker("tiers")
        submitted = st.form_submit_button(t("staff.policy.save_tiers"), type="primary")
    if submitted:
        with ui.errors():
            with ui.db() as session:
                save_tiers(
                    session,
                    [(x.name, x.min_traffic, x.multiplier) for x in proposed],
                    effective_from=effective,
                    created_by_id=user.id,
                    note=note.strip() or None,
                )
            staff_ui.flash("success", t("staff.policy.saved", when=local_time(effective)))
    if len(tier_rows):
        st.subheader(t("staff.policy.history"))
        st.dataframe(
            tier_rows.assign(effective_from=staff_ui.local(tier_rows["effective_from"])),
            hide_index=True,
            width="stretch",
            column_config={
                "effective_from": st.column_config.DatetimeColumn(
                    t("staff.policy.effective"), format="YYYY-MM-DD HH:mm"
                ),
                "tier": t("staff.policy.tier_name"),
                "min_traffic": t("staff.policy.min_traffic"),
                "multiplier": t("staff.policy.multiplier"),
                "created_by": t("staff.who"),
            },
        )


quota, tiers = st.tabs([t("staff.policy.tab_quota"), t("staff.policy.tab_tiers")])
with quota:
    quota_tab()
with tiers:
    tiers_tab()
