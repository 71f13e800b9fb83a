"""Staff: recent runs of the scheduled jobs, their outcomes and errors, and re-plan now."""

from __future__ import annotations

import altair as alt
import streamlit as st
from sqlalchemy.orm import Session

from assets.renditions import ensure_all_renditions
from assets.storage import storage_from_settings
from dashboard import queries, staff_ui, ui
from dashboard.i18n import t
from scheduler.jobs import run_job_now
from scheduler.reports import job_run_summary

ui.require_role("staff", "admin")
ui.page_title("page.staff_jobs", "staff.jobs.caption")
staff_ui.show_flash()


def render_renditions(session: Session) -> object:
    """Before planning, render newly approved ads for every screen size (as the worker does)."""
    return ensure_all_renditions(session, storage_from_settings(ui.settings()))


if st.button(t("staff.jobs.replan"), type="primary", icon=":material/play_arrow:", key="replan"):
    with ui.errors():
        with st.spinner(t("staff.jobs.replanning")):
            run = run_job_now(ui.engine(), "replan", before_plan=[render_renditions])
        if run.outcome == "error":
            staff_ui.flash("error", t("staff.jobs.failed", error=run.error or "?"))
        staff_ui.flash(  # "skipped" when another re-plan is running right now
            "success" if run.outcome == "ok" else "info",
            t("staff.jobs.replanned", outcome=run.outcome, seconds=f"{run.duration_s or 0:.1f}"),
        )

with ui.db() as session:
    runs = queries.job_runs(session)

if runs.empty:
    st.info(t("staff.jobs.none"))
    st.stop()

summary = job_run_summary(runs)
st.subheader(t("staff.jobs.summary"))
st.dataframe(
    summary.assign(last_started=staff_ui.local(summary["last_started"])),
    hide_index=True,
    width="stretch",
    column_config={
        "job": t("staff.jobs.job"),
        "runs": t("staff.jobs.runs"),
        "errors": t("staff.jobs.errors"),
        "last_outcome": t("staff.jobs.last_outcome"),
        "last_started": st.column_config.DatetimeColumn(
            t("staff.jobs.last_started"), format="YYYY-MM-DD HH:mm"
        ),
        "mean_duration_s": st.column_config.NumberColumn(
            t("staff.jobs.mean_duration"), format="%.1f s"
        ),
    },
)

plot = runs.dropna(subset=["duration_s"]).assign(started_at=staff_ui.local(runs["started_at"]))
if len(plot):
    chart = (
        alt.Chart(plot)
        .mark_circle(size=70)
        .encode(
            x=alt.X("started_at:T", title=t("staff.jobs.started")),
            y=alt.Y("duration_s:Q", title=t("staff.jobs.duration")),
            color=alt.Color(
                "outcome:N",
                title=t("staff.jobs.outcome"),
                scale=alt.Scale(
                    domain=["ok", "error", "skipped", "running"],
                    range=["#16a34a", "#dc2626", "#a3a3a3", "#2563eb"],
                ),
            ),
            shape=alt.Shape("job:N", title=t("staff.jobs.job")),
            tooltip=["job", "outcome", "started_at:T", "duration_s", "error"],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")

st.subheader(t("staff.jobs.recent"))
jobs = sorted(runs["job"].unique())
picked = st.multiselect(t("staff.jobs.filter"), jobs, default=jobs, key="jobs_filter")
only_errors = st.toggle(t("staff.jobs.only_errors"), key="jobs_errors")
shown = runs[runs["job"].isin(picked)]
if only_errors:
    shown = shown[shown["outcome"] == "error"]
st.dataframe(
    shown.assign(
        started_at=staff_ui.local(shown["started_at"]),
        finished_at=staff_ui.local(shown["finished_at"]),
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "id": st.column_config.NumberColumn("#", width="small"),
        "job": t("staff.jobs.job"),
        "worker": t("staff.jobs.worker"),
        "started_at": st.column_config.DatetimeColumn(
            t("staff.jobs.started"), format="YYYY-MM-DD HH:mm:ss"
        ),
        "finished_at": st.column_config.DatetimeColumn(
            t("staff.jobs.finished"), format="YYYY-MM-DD HH:mm:ss"
        ),
        "duration_s": st.column_config.NumberColumn(t("staff.jobs.duration"), format="%.2f"),
        "outcome": t("staff.jobs.outcome"),
        "error": st.column_config.TextColumn(t("staff.jobs.error"), width="large"),
    },
)
