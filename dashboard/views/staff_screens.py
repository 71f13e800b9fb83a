"""Staff: screens on a map with their state; pairing, registration, settings and tokens."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from dashboard import queries, staff_ui, ui
from dashboard.i18n import local_time, money, t
from scheduler.errors import NotFound
from scheduler.models import Screen, utcnow
from scheduler.pairing import claim_code
from scheduler.reports import screen_status
from scheduler.screen_settings import update_screen
from scheduler.screens import issue_token, register_screen, revoke_token

user = ui.require_role("staff", "admin")
ui.page_title("page.staff_screens", "staff.screens.caption")

COLOURS = {"online": [22, 163, 74, 220], "offline": [220, 38, 38, 220], "never": [120, 120, 120]}


def _state(row: pd.Series) -> str:
    if pd.isna(row["last_seen_at"]):
        return "never"
    return "online" if row["online"] else "offline"


def load() -> tuple[pd.DataFrame, pd.DataFrame]:
    with ui.db() as session:
        frame = screen_status(queries.screens(session), utcnow())
        zones = queries.zones(session)
    frame["state"] = frame.apply(_state, axis=1) if len(frame) else []
    return frame, zones


def overview(frame: pd.DataFrame) -> None:
    counts = frame["state"].value_counts() if len(frame) else pd.Series(dtype=int)
    cols = st.columns(4)
    cols[0].metric(t("staff.screens.total"), len(frame))
    cols[1].metric(t("staff.screens.online"), int(counts.get("online", 0)))
    cols[2].metric(t("staff.screens.offline"), int(counts.get("offline", 0)))
    cols[3].metric(t("staff.screens.never"), int(counts.get("never", 0)))
    placed = frame.dropna(subset=["latitude", "longitude"]).copy()
    if len(placed):
        placed["colour"] = placed["state"].map(COLOURS)
        placed["seen"] = placed["last_seen_at"].map(
            lambda v: local_time(None if pd.isna(v) else v.to_pydatetime())
        )
        placed["state_label"] = placed["state"].map(lambda s: t(f"staff.screens.state_{s}"))
        placed = placed[
            ["name", "zone", "latitude", "longitude", "colour", "seen", "state_label"]
        ].fillna({"zone": "—"})
        layer = pdk.Layer(
            "ScatterplotLayer",
            data=placed,
            get_position="[longitude, latitude]",
            get_fill_color="colour",
            get_radius=60,
            radius_min_pixels=5,
            pickable=True,
        )
        view = pdk.ViewState(
            latitude=float(placed["latitude"].mean()),
            longitude=float(placed["longitude"].mean()),
            zoom=12.5,
        )
        tooltip = {"text": "{name}\n{zone}\n{state_label} · {seen}"}
        st.pydeck_chart(pdk.Deck(layers=[layer], initial_view_state=view, tooltip=tooltip))
        st.caption(t("staff.screens.map_legend"))
    table = frame.assign(
        state=frame["state"].map(lambda s: t(f"staff.screens.state_{s}")),
        last_seen_at=staff_ui.local(frame["last_seen_at"]),
        size=frame["width_px"].astype(str) + "×" + frame["height_px"].astype(str),
        hours=frame["open_hour"].astype(str) + "–" + frame["close_hour"].astype(str),
        base_price=frame["base_price_krw"].map(money),
    )
    st.dataframe(
        table[
            [
                "id",
                "name",
                "zone",
                "state",
                "last_seen_at",
                "size",
                "hours",
                "visibility_factor",
                "base_price",
                "status",
                "has_token",
            ]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "id": st.column_config.NumberColumn("#", width="small"),
            "name": t("staff.screens.name"),
            "zone": t("staff.zone"),
            "state": t("staff.screens.state"),
            "last_seen_at": st.column_config.DatetimeColumn(
                t("staff.screens.last_seen"), format="YYYY-MM-DD HH:mm"
            ),
            "size": t("staff.screens.size"),
            "hours": t("staff.screens.hours"),
            "visibility_factor": st.column_config.NumberColumn(
                t("staff.screens.visibility"), format="%.2f"
            ),
            "base_price": t("staff.screens.base_price"),
            "status": t("staff.screens.status"),
            "has_token": st.column_config.CheckboxColumn(t("staff.screens.has_token")),
        },
    )


def screen_fields(prefix: str, zones: pd.DataFrame, current: pd.Series | None = None) -> dict:
    """The shared form fields of registration and editing; returns core keyword arguments."""

    def value(name: str, default: Any) -> Any:
        if current is None or pd.isna(current[name]):
            return default
        return current[name]

    zone_ids = [None, *[int(z) for z in zones["id"]]]
    zone_names = {None: "—", **{int(r.id): r.name for r in zones.itertuples()}}
    current_zone = value("zone_id", None)
    left, right = st.columns(2)
    with left:
        zone_id = st.selectbox(
            t("staff.zone"),
            zone_ids,
            index=zone_ids.index(int(current_zone)) if current_zone is not None else 0,
            format_func=zone_names.__getitem__,
            key=f"{prefix}_zone",
        )
        lat = st.number_input(
            t("staff.screens.latitude"),
            -90.0,
            90.0,
            float(value("latitude", 36.5)),
            format="%.5f",
            key=f"{prefix}_lat",
        )
        lon = st.number_input(
            t("staff.screens.longitude"),
            -180.0,
            180.0,
            float(value("longitude", 127.26)),
            format="%.5f",
            key=f"{prefix}_lon",
        )
        width = st.number_input(
            t("staff.screens.width"), 1, 16384, int(value("width_px", 1080)), key=f"{prefix}_w"
        )
        height = st.number_input(
            t("staff.screens.height"), 1, 16384, int(value("height_px", 1920)), key=f"{prefix}_h"
        )
    with right:
        hours = st.slider(
            t("staff.screens.hours"),
            0,
            24,
            (int(value("open_hour", 6)), int(value("close_hour", 24))),
            key=f"{prefix}_hours",
        )
        slot = st.number_input(
            t("staff.screens.slot"), 1, 600, int(value("slot_seconds", 10)), key=f"{prefix}_slot"
        )
        visibility = st.number_input(
            t("staff.screens.visibility"),
            0.0,
            5.0,
            float(value("visibility_factor", 1.0)),
            step=0.05,
            key=f"{prefix}_vis",
            help=t("staff.screens.visibility_help"),
        )
        price = st.number_input(
            t("staff.screens.base_price"),
            0,
            1_000_000,
            int(value("base_price_krw", 100)),
            step=10,
            key=f"{prefix}_price",
        )
        location = st.text_input(
            t("staff.screens.traffic_location"),
            str(value("traffic_location", "")),
            key=f"{prefix}_loc",
        )
    return {
        "zone_id": zone_id,
        "latitude": float(lat),
        "longitude": float(lon),
        "width_px": int(width),
        "height_px": int(height),
        "open_hour": int(hours[0]),
        "close_hour": int(hours[1]),
        "slot_seconds": int(slot),
        "visibility_factor": float(visibility),
        "base_price_krw": int(price),
        "traffic_location": location.strip() or None,
    }


def pair_tab(frame: pd.DataFrame, zones: pd.DataFrame) -> None:
    st.caption(t("staff.screens.pair_help"))
    mode = st.radio(
        t("staff.screens.pair_for"),
        ["new", "existing"],
        format_func=staff_ui.labels("staff.screens.pair_", ["new", "existing"]),
        horizontal=True,
        key="pair_mode",
    )
    with st.form("pair"):
        code = st.text_input(t("staff.screens.pair_code"), max_chars=16, key="pair_code")
        if mode == "existing":
            screen_id = staff_ui.pick_screen(frame, "pair_screen")
            fields = None
        else:
            screen_id = None
            name = st.text_input(t("staff.screens.name"), key="pair_name")
            fields = {"name": name, **screen_fields("pair", zones)}
        submitted = st.form_submit_button(t("staff.screens.pair_submit"), type="primary")
    if submitted:
        if not code.strip():
            st.warning(t("staff.screens.pair_code_missing"))
            return
        with ui.errors():
            with ui.db() as session:
                screen = claim_code(
                    session,
                    code,
                    screen_id=screen_id,
                    new_screen_fields=fields,
                    staff_user_id=user.id,
                )
                name, new_id = screen.name, screen.id
            staff_ui.flash("success", t("staff.screens.paired", name=name, id=new_id))


def register_tab(zones: pd.DataFrame) -> None:
    st.caption(t("staff.screens.register_help"))
    with st.form("register"):
        name = st.text_input(t("staff.screens.name"), key="reg_name")
        fields = screen_fields("reg", zones)
        submitted = st.form_submit_button(t("staff.screens.register_submit"), type="primary")
    if submitted:
        with ui.errors():
            with ui.db() as session:
                screen, token = register_screen(session, name, **fields)
                name = screen.name
            staff_ui.flash("success", t("staff.screens.token_once", name=name), token)


def edit_tab(frame: pd.DataFrame, zones: pd.DataFrame) -> None:
    screen_id = staff_ui.pick_screen(frame, "edit_screen")
    if screen_id is None:
        return
    current = frame.set_index("id").loc[screen_id]
    with st.form(f"edit_{screen_id}"):
        name = st.text_input(t("staff.screens.name"), current["name"], key=f"edit_name_{screen_id}")
        fields = screen_fields(f"edit_{screen_id}", zones, current)
        retired = st.checkbox(
            t("staff.screens.retired"), current["status"] == "retired", key=f"ret_{screen_id}"
        )
        submitted = st.form_submit_button(t("common.save"), type="primary")
    if submitted:
        with ui.errors():
            with ui.db() as session:
                update_screen(
                    session,
                    screen_id,
                    name=name,
                    status="retired" if retired else "active",
                    **fields,
                )
            staff_ui.flash("success", t("staff.screens.saved", name=name))


def token_tab(frame: pd.DataFrame) -> None:
    st.caption(t("staff.screens.token_help"))
    screen_id = staff_ui.pick_screen(frame, "token_screen")
    if screen_id is None:
        return
    row = frame.set_index("id").loc[screen_id]
    st.write(
        t(
            "staff.screens.token_state",
            state=t("staff.screens.token_yes" if row["has_token"] else "staff.screens.token_no"),
            when=local_time(
                None if pd.isna(row["token_issued_at"]) else row["token_issued_at"].to_pydatetime()
            ),
        )
    )
    left, right = st.columns(2)
    if left.button(t("staff.screens.rotate"), key="rotate", icon=":material/autorenew:"):
        with ui.errors():
            with ui.db() as session:
                screen = session.get(Screen, screen_id)
                if screen is None:
                    raise NotFound(t("staff.screens.gone"))
                token, name = issue_token(screen), screen.name
            staff_ui.flash("success", t("staff.screens.token_once", name=name), token)
    confirm = right.checkbox(t("staff.screens.revoke_confirm"), key="revoke_confirm")
    if right.button(
        t("staff.screens.revoke"), key="revoke", icon=":material/block:", disabled=not confirm
    ):
        with ui.errors():
            with ui.db() as session:
                revoke_token(session, screen_id)
            staff_ui.flash("success", t("staff.screens.revoked"))


staff_ui.show_flash()
frame, zones = load()
overview(frame)
tabs = st.tabs(
    [
        t("staff.screens.tab_pair"),
        t("staff.screens.tab_register"),
        t("staff.screens.tab_edit"),
        t("staff.screens.tab_token"),
    ]
)
with tabs[0]:
    pair_tab(frame, zones)
with tabs[1]:
    register_tab(zones)
with tabs[2]:
    edit_tab(frame, zones)
with tabs[3]:
    token_tab(frame)
