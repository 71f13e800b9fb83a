"""Staff: review pending ads and campaigns; approve, or reject with a reason the owner will read."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assets.storage import storage_from_settings
from dashboard import queries, staff_ui, ui
from dashboard.i18n import local_time, money, t
from scheduler import moderation

user = ui.require_role("staff", "admin")
ui.page_title("page.staff_review", "staff.review.caption")


def thumbnail(item: dict[str, Any]) -> bytes | None:
    """The thumbnail rendition, else the master image; None when the file is missing."""
    storage = storage_from_settings(ui.settings())
    for sha in (item.get("thumbnail_sha256"), item.get("sha256")):
        if sha and storage.exists(sha):
            return storage.get(sha)
    return None


def decide(kind: str, subject_id: int, approve: bool, reason: str) -> None:
    """Record one decision; refuses a rejection without a reason before calling the core."""
    if not approve and not reason.strip():
        st.warning(t("staff.review.reason_needed"))
        return
    with ui.errors():
        with ui.db() as session:
            if kind == "creative" and approve:
                moderation.approve_creative(session, subject_id, decided_by_id=user.id)
            elif kind == "creative":
                moderation.reject_creative(
                    session, subject_id, reason.strip(), decided_by_id=user.id
                )
            elif approve:
                moderation.approve_campaign(session, subject_id, decided_by_id=user.id)
            else:
                moderation.reject_campaign(
                    session, subject_id, reason.strip(), decided_by_id=user.id
                )
        key = "staff.review.approved" if approve else "staff.review.rejected"
        staff_ui.flash("success", t(key, what=t(f"staff.review.{kind}"), id=subject_id))


def decision_buttons(kind: str, subject_id: int) -> None:
    reason = st.text_input(
        t("staff.review.reason"),
        key=f"reason_{kind}_{subject_id}",
        placeholder=t("staff.review.reason_placeholder"),
    )
    left, right = st.columns(2)
    if left.button(
        t("staff.review.approve"),
        key=f"approve_{kind}_{subject_id}",
        type="primary",
        icon=":material/check:",
    ):
        decide(kind, subject_id, True, reason)
    if right.button(
        t("staff.review.reject"), key=f"reject_{kind}_{subject_id}", icon=":material/close:"
    ):
        decide(kind, subject_id, False, reason)


def creatives_section(items: list[dict[str, Any]]) -> None:
    st.subheader(t("staff.review.ads", n=len(items)))
    if not items:
        st.info(t("staff.review.no_ads"))
    for item in items:
        with st.container(border=True):
            image_col, info_col, action_col = st.columns([1, 2, 2])
            data = thumbnail(item)
            if data is not None:
                image_col.image(data, width=140)
            else:
                image_col.caption(t("staff.review.no_image"))
            info_col.markdown(f"**{item['name']}** (#{item['id']})")
            info_col.caption(
                t(
                    "staff.review.ad_meta",
                    business=item["business"],
                    size=f"{item['width_px']}×{item['height_px']}",
                    fmt=item["format"],
                    kb=round(item["size_bytes"] / 1024),
                    when=local_time(item["created_at"]),
                )
            )
            with action_col:
                decision_buttons("creative", item["id"])


def _hours(dayparts: list[list[int]] | None) -> int:
    return sum(len(day) for day in dayparts or [])


def campaigns_section(items: list[dict[str, Any]]) -> None:
    st.subheader(t("staff.review.campaigns", n=len(items)))
    if not items:
        st.info(t("staff.review.no_campaigns"))
    for item in items:
        with st.container(border=True):
            info_col, action_col = st.columns([3, 2])
            local_tag = " · " + t("staff.review.small_local") if item["small_local"] else ""
            info_col.markdown(f"**{item['name']}** (#{item['id']}) — {item['business']}{local_tag}")
            targets = t(
                "staff.review.targets",
                zones=len(item["target_zone_ids"]),
                screens=len(item["target_screen_ids"]),
            )
            if not item["target_zone_ids"] and not item["target_screen_ids"]:
                targets = t("staff.review.all_screens")
            info_col.caption(
                t(
                    "staff.review.campaign_meta",
                    start=item["starts_on"],
                    end=item["ends_on"],
                    budget=money(item["budget_krw"]),
                    targets=targets,
                    hours=_hours(item["dayparts"]),
                )
            )
            creative_status = item["creative_status"] or "—"
            info_col.caption(
                t(
                    "staff.review.campaign_creative",
                    name=item["creative"] or "—",
                    status=t(f"staff.status.{creative_status}") if item["creative_status"] else "—",
                )
            )
            with action_col:
                decision_buttons("campaign", item["id"])


staff_ui.show_flash()
with ui.db() as session:
    creatives = queries.pending_creatives(session)
    campaigns = queries.pending_campaigns(session)
    recent = queries.decisions(session)

ads_tab, campaigns_tab, history_tab = st.tabs(
    [
        t("staff.review.tab_ads", n=len(creatives)),
        t("staff.review.tab_campaigns", n=len(campaigns)),
        t("staff.review.tab_history"),
    ]
)
with ads_tab:
    creatives_section(creatives)
with campaigns_tab:
    campaigns_section(campaigns)
with history_tab:
    if recent.empty:
        st.info(t("common.empty"))
    else:
        st.dataframe(
            recent.assign(decided_at=staff_ui.local(recent["decided_at"])),
            hide_index=True,
            width="stretch",
            column_config={
                "decided_at": st.column_config.DatetimeColumn(
                    t("staff.when"), format="YYYY-MM-DD HH:mm"
                ),
                "subject": t("staff.review.subject"),
                "subject_id": "#",
                "decision": t("staff.review.decision"),
                "reason": t("staff.review.reason"),
                "decided_by": t("staff.who"),
            },
        )
