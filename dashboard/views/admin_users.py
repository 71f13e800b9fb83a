"""Users (admins only): the logins, adding one with a role, disabling or enabling one."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy import select

from dashboard import ui
from dashboard.i18n import labeller, local_time, t
from scheduler.models import ROLES, Business, User
from scheduler.users import create_user

admin = ui.require_role("admin")
ui.page_title("page.admin_users")
notice = st.session_state.pop("users_notice", None)
if notice:
    st.success(notice)

with ui.db() as session:
    users = list(session.scalars(select(User).order_by(User.role, User.username)))
    rows = session.execute(select(Business.id, Business.name).order_by(Business.name)).all()
    businesses = {int(bid): name for bid, name in rows}

st.subheader(t("users.list"))
st.dataframe(
    pd.DataFrame(
        [
            {
                t("users.username"): u.username,
                t("users.display_name"): u.display_name,
                t("users.role"): t(f"role.{u.role}"),
                t("users.business"): businesses.get(u.business_id, "") if u.business_id else "",
                t("users.state"): t("users.disabled") if u.disabled else t("users.active"),
                t("users.created_at"): local_time(u.created_at),
            }
            for u in users
        ]
    ),
    hide_index=True,
    width="stretch",
)

left, right = st.columns(2)
with left, st.form("add_user", clear_on_submit=True):
    st.subheader(t("users.add"))
    username = st.text_input(t("users.username"), key="add_username")
    display_name = st.text_input(t("users.display_name"), key="add_display")
    password = st.text_input(t("users.password"), type="password", key="add_password")
    role = st.selectbox(t("users.role"), ROLES, format_func=labeller("role."), key="add_role")
    business_id = st.selectbox(
        t("users.business"),
        [None, *businesses],
        format_func={None: t("common.none"), **businesses}.get,
        key="add_business",
    )
    if st.form_submit_button(t("common.save"), type="primary"):
        with ui.errors(), ui.db() as session:
            created = create_user(
                session,
                username,
                password,
                role,
                business_id=business_id if role == "owner" else None,
                display_name=display_name or None,
            )
            st.success(t("users.created", name=created.username))

with right:
    st.subheader(t("users.disable"))
    by_id = {u.id: u for u in users}
    picked = st.selectbox(
        t("users.pick"),
        list(by_id),
        format_func={i: f"{u.username} ({t(f'role.{u.role}')})" for i, u in by_id.items()}.get,
        key="toggle_user",
    )
    if picked is not None and st.button(t("users.toggle"), key="toggle_button"):
        if picked == admin.id:
            st.error(t("users.self"))
        else:
            with ui.db() as session:
                target = session.get(User, picked)
                target.disabled = not target.disabled
                state = t("users.disabled") if target.disabled else t("users.active")
                notice = t("users.toggled", name=target.username, state=state)
            st.session_state["users_notice"] = notice
            st.rerun()
