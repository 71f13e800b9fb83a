"""Staff: verify which businesses are small and local, and see who verified them and when."""

from __future__ import annotations

import streamlit as st

from dashboard import queries, staff_ui, ui
from dashboard.i18n import local_time, t
from scheduler import moderation

user = ui.require_role("staff", "admin")
ui.page_title("page.staff_businesses", "staff.biz.caption")
staff_ui.show_flash()

with ui.db() as session:
    frame = queries.businesses(session)
    history = queries.decisions(session, subject="business", limit=50)

if frame.empty:
    st.info(t("common.empty"))
    st.stop()

waiting = frame[frame["claims_small_local"] & ~frame["is_small_local"]]
cols = st.columns(3)
cols[0].metric(t("staff.biz.total"), len(frame))
cols[1].metric(t("staff.biz.verified"), int(frame["is_small_local"].sum()))
cols[2].metric(t("staff.biz.waiting"), len(waiting))

view = st.segmented_control(
    t("staff.biz.show"),
    ["waiting", "verified", "all"],
    default="waiting" if len(waiting) else "all",
    format_func=staff_ui.labels("staff.biz.show_", ["waiting", "verified", "all"]),
    key="biz_view",
)
shown = {"waiting": waiting, "verified": frame[frame["is_small_local"]]}.get(view or "all", frame)
st.dataframe(
    shown.assign(verified_at=staff_ui.local(shown["verified_at"])),
    hide_index=True,
    width="stretch",
    column_config={
        "id": st.column_config.NumberColumn("#", width="small"),
        "name": t("staff.biz.name"),
        "kind": t("staff.biz.kind"),
        "category": t("staff.biz.category"),
        "zone": t("staff.zone"),
        "claims_small_local": st.column_config.CheckboxColumn(t("staff.biz.claims")),
        "is_small_local": st.column_config.CheckboxColumn(t("staff.biz.is_local")),
        "verified_by": t("staff.who"),
        "verified_at": st.column_config.DatetimeColumn(t("staff.when"), format="YYYY-MM-DD HH:mm"),
    },
)

st.subheader(t("staff.biz.decide"))
choices = list(waiting["id"]) + [i for i in frame["id"] if i not in set(waiting["id"])]
names = {int(r.id): f"{r.name} (#{r.id})" for r in frame.itertuples()}
business_id = st.selectbox(
    t("staff.biz.pick"), [int(i) for i in choices], format_func=names.__getitem__, key="biz_pick"
)
row = frame.set_index("id").loc[business_id]
st.caption(
    t(
        "staff.biz.current",
        state=t("staff.biz.state_yes" if row["is_small_local"] else "staff.biz.state_no"),
        who=row["verified_by"] or "—",
        when=local_time(None if row.isna()["verified_at"] else row["verified_at"].to_pydatetime()),
        claims=t("staff.biz.state_yes" if row["claims_small_local"] else "staff.biz.state_no"),
    )
)
left, right = st.columns(2)
action = None
if left.button(t("staff.biz.verify"), type="primary", key="biz_verify", icon=":material/verified:"):
    action = True
if right.button(t("staff.biz.unverify"), key="biz_unverify", icon=":material/remove_done:"):
    action = False
if action is not None:
    with ui.errors():
        with ui.db() as session:
            moderation.verify_business(session, business_id, action, decided_by_id=user.id)
        key = "staff.biz.done_yes" if action else "staff.biz.done_no"
        staff_ui.flash("success", t(key, name=row["name"]))

if not history.empty:
    with st.expander(t("staff.biz.history")):
        st.dataframe(
            history.assign(decided_at=staff_ui.local(history["decided_at"])).drop(
                columns=["subject"]
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "decided_at": st.column_config.DatetimeColumn(
                    t("staff.when"), format="YYYY-MM-DD HH:mm"
                ),
                "subject_id": "#",
                "decision": t("staff.review.decision"),
                "reason": t("staff.review.reason"),
                "decided_by": t("staff.who"),
            },
        )
