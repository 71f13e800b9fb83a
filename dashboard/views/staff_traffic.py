"""Staff: import foot-traffic CSVs with progress and a row-level report; look at the traffic."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import queries, staff_ui, ui
from dashboard.i18n import t, weekday_names
from scheduler.forecast import backtest
from scheduler.reports import holdout_comparison, hour_weekday_matrix
from scheduler.traffic_import import ImportReport, import_traffic

user = ui.require_role("staff", "admin")
ui.page_title("page.staff_traffic", "staff.traffic.caption")
staff_ui.show_flash()


def show_report(report: ImportReport) -> None:
    """The per-file report: the counts as metrics, then every problem row by row."""
    with st.container(border=True):
        st.markdown(f"**{report.filename}** · {report.layout}")
        cols = st.columns(5)
        cols[0].metric(t("staff.traffic.kept"), f"{report.rows_kept:,}")
        cols[1].metric(t("staff.traffic.rejected"), f"{report.rows_rejected:,}")
        cols[2].metric(t("staff.traffic.missing"), f"{report.rows_missing:,}")
        cols[3].metric(t("staff.traffic.suspect"), f"{report.rows_suspect:,}")
        cols[4].metric(t("staff.traffic.written"), f"{report.rows_written:,}")
        if report.dry_run:
            st.info(t("staff.traffic.dry_run_note"))
        elif report.already_imported:
            st.info(t("staff.traffic.already"))
        for note in report.notes:
            st.caption(note)
        if report.reasons:
            st.caption(", ".join(f"{code}: {n:,}" for code, n in sorted(report.reasons.items())))
        if report.problems:
            st.dataframe(pd.DataFrame(report.problems), hide_index=True, width="stretch")
        if report.locations:
            with st.expander(t("staff.traffic.locations", n=len(report.locations))):
                st.dataframe(pd.DataFrame(report.locations), hide_index=True, width="stretch")


def import_section() -> None:
    with st.form("traffic_upload", clear_on_submit=False):
        files = st.file_uploader(
            t("staff.traffic.files"), type=["csv"], accept_multiple_files=True, key="tr_files"
        )
        left, right = st.columns(2)
        mapping = left.file_uploader(
            t("staff.traffic.mapping"),
            type=["csv"],
            key="tr_mapping",
            help=t("staff.traffic.mapping_help"),
        )
        sensors = right.file_uploader(
            t("staff.traffic.sensors"),
            type=["csv"],
            key="tr_sensors",
            help=t("staff.traffic.sensors_help"),
        )
        tz = left.text_input(
            t("staff.traffic.tz"),
            ui.settings().timezone,
            key="tr_tz",
            help=t("staff.traffic.tz_help"),
        )
        dry_run = right.checkbox(t("staff.traffic.dry_run"), key="tr_dry")
        submitted = st.form_submit_button(t("staff.traffic.import"), type="primary")
    if not submitted:
        return
    if not files:
        st.warning(t("staff.traffic.no_files"))
        return
    bar = st.progress(0.0, text=t("staff.traffic.progress", name="", done=0, total=0))
    reports: list[ImportReport] = []
    for number, upload in enumerate(files):

        def progress(done: int, total: int, _n: int = number, _name: str = upload.name) -> None:
            part = done / total if total else 1.0
            bar.progress(
                min(1.0, (_n + part) / len(files)),
                text=t("staff.traffic.progress", name=_name, done=f"{done:,}", total=f"{total:,}"),
            )

        with ui.errors():
            with ui.db() as session:
                report = import_traffic(
                    session,
                    upload.getvalue(),
                    filename=upload.name,
                    mapping=mapping.getvalue() if mapping else None,
                    sensors=sensors.getvalue() if sensors else None,
                    tz=tz.strip() or None,
                    dry_run=dry_run,
                    progress=progress,
                    imported_by_id=user.id,
                )
            reports.append(report)
    bar.progress(1.0, text=t("staff.traffic.done", n=len(reports)))
    for report in reports:
        show_report(report)


def heatmap_section(screens: pd.DataFrame, zones: pd.DataFrame) -> None:
    by = st.segmented_control(
        t("staff.traffic.by"),
        ["screen", "zone"],
        default="zone",
        format_func=staff_ui.labels("staff.", ["screen", "zone"]),
        key="heat_by",
    )
    if by == "screen":
        screen_id = staff_ui.pick_screen(screens, "heat_screen")
        if screen_id is None:
            return
        with ui.db() as session:
            counts = queries.traffic_counts(session, screen_id=screen_id)
    else:
        if zones.empty:
            st.info(t("common.empty"))
            return
        names = {int(r.id): r.name for r in zones.itertuples()}
        zone_id = st.selectbox(
            t("staff.zone"), list(names), format_func=names.__getitem__, key="heat_zone"
        )
        with ui.db() as session:
            counts = queries.traffic_counts(session, zone_id=zone_id)
    matrix = hour_weekday_matrix(counts, staff_ui.tz_name())
    if matrix.empty:
        st.info(t("staff.traffic.no_counts"))
        return
    days = weekday_names()
    matrix = matrix.assign(day=matrix["weekday"].map(lambda d: days[int(d)]))
    chart = (
        alt.Chart(matrix)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=t("staff.traffic.hour")),
            y=alt.Y("day:O", sort=days, title=t("staff.traffic.weekday")),
            color=alt.Color(
                "mean_count:Q", title=t("staff.traffic.mean"), scale=alt.Scale(scheme="viridis")
            ),
            tooltip=[
                alt.Tooltip("day:O", title=t("staff.traffic.weekday")),
                alt.Tooltip("hour:O", title=t("staff.traffic.hour")),
                alt.Tooltip("mean_count:Q", title=t("staff.traffic.mean"), format=",.0f"),
                alt.Tooltip("hours:Q", title=t("staff.traffic.observations")),
            ],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")
    first, last = counts["hour_start"].min(), counts["hour_start"].max()
    st.caption(
        t(
            "staff.traffic.heat_caption",
            n=f"{len(counts):,}",
            first=staff_ui.local(pd.Series([first])).iloc[0].strftime("%Y-%m-%d"),
            last=staff_ui.local(pd.Series([last])).iloc[0].strftime("%Y-%m-%d"),
        )
    )


def forecast_section(screens: pd.DataFrame) -> None:
    """The screen's last week against what the model (and the baseline) forecast before it."""
    screen_id = staff_ui.pick_screen(screens, "fc_screen")
    if screen_id is None:
        return
    with ui.db() as session:
        counts = queries.traffic_counts(session, screen_id=screen_id)
        ahead = queries.forecasts(session, screen_id)
    frames = []
    if len(counts):
        held = holdout_comparison(counts, staff_ui.tz_name())
        wide = held.pivot_table(index="hour_start", columns="kind", values="value")
        if {"actual", "expected", "naive"} <= set(wide.columns):
            cols = st.columns(2)
            model_mae = (wide["expected"] - wide["actual"]).abs().mean()
            naive_mae = (wide["naive"] - wide["actual"]).abs().mean()
            cols[0].metric(t("staff.traffic.mae_model"), f"{model_mae:,.1f}")
            cols[1].metric(t("staff.traffic.mae_naive"), f"{naive_mae:,.1f}")
            st.caption(t("staff.traffic.holdout_note"))
        frames.append(held)
    if len(ahead):
        frames.append(ahead.rename(columns={"expected": "value"}).assign(kind="ahead"))
    if not frames:
        st.info(t("staff.traffic.no_counts"))
        return
    data = pd.concat([f[["hour_start", "kind", "value"]] for f in frames], ignore_index=True)
    data = data.assign(
        hour=staff_ui.local(data["hour_start"]),
        kind=data["kind"].map(lambda k: t(f"staff.traffic.series_{k}")),
    )
    chart = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("hour:T", title=t("staff.traffic.hour")),
            y=alt.Y("value:Q", title=t("staff.traffic.passers")),
            color=alt.Color("kind:N", title=""),
            strokeDash=alt.StrokeDash("kind:N", legend=None),
            tooltip=[alt.Tooltip("hour:T", format="%Y-%m-%d %H:%M"), "kind", "value"],
        )
        .properties(height=300)
        .interactive(bind_y=False)
    )
    st.altair_chart(chart, width="stretch")


def backtest_section() -> None:
    days = st.number_input(t("staff.traffic.holdout_days"), 1, 56, 7, key="bt_days")
    if st.button(t("staff.traffic.run_backtest"), key="bt_run", icon=":material/science:"):
        with ui.errors(), st.spinner(t("staff.traffic.backtesting")), ui.db() as session:
            st.session_state["backtest"] = backtest(session, int(days)).as_dict()
    result = st.session_state.get("backtest")
    if not result:
        st.caption(t("staff.traffic.backtest_hint"))
        return
    cols = st.columns(3)
    cols[0].metric(t("staff.traffic.mae_model"), f"{result['mae_forecast']:,.1f}")
    cols[1].metric(t("staff.traffic.mae_naive"), f"{result['mae_naive']:,.1f}")
    cols[2].metric(t("staff.traffic.skill"), f"{result['skill']:+.1%}")
    st.caption(t("staff.traffic.skill_help"))
    st.caption(
        t(
            "staff.traffic.backtest_scope",
            days=result["holdout_days"],
            screens=result["screens"],
            hours=f"{result['hours']:,}",
            mape=f"{result['mape_forecast']:.1f}",
            mape_naive=f"{result['mape_naive']:.1f}",
        )
    )
    bars = pd.DataFrame(
        {
            "model": [t("staff.traffic.mae_model"), t("staff.traffic.mae_naive")],
            "mae": [result["mae_forecast"], result["mae_naive"]],
        }
    )
    st.altair_chart(
        alt.Chart(bars)
        .mark_bar()
        .encode(
            x=alt.X("mae:Q", title=t("staff.traffic.mae_axis")),
            y=alt.Y("model:N", title=""),
            color=alt.Color("model:N", legend=None),
        )
        .properties(height=110),
        width="stretch",
    )


with ui.db() as session:
    screens = queries.screens(session)
    zones = queries.zones(session)
    imports = queries.traffic_imports(session)

tab_import, tab_heat, tab_forecast, tab_backtest = st.tabs(
    [
        t("staff.traffic.tab_import"),
        t("staff.traffic.tab_heatmap"),
        t("staff.traffic.tab_forecast"),
        t("staff.traffic.tab_backtest"),
    ]
)
with tab_import:
    import_section()
    if len(imports):
        st.subheader(t("staff.traffic.history"))
        st.dataframe(
            imports.assign(imported_at=staff_ui.local(imports["imported_at"])),
            hide_index=True,
            width="stretch",
            column_config={
                "imported_at": st.column_config.DatetimeColumn(
                    t("staff.when"), format="YYYY-MM-DD HH:mm"
                ),
                "filename": t("staff.traffic.file"),
                "rows_kept": t("staff.traffic.kept"),
                "rows_rejected": t("staff.traffic.rejected"),
                "imported_by": t("staff.who"),
            },
        )
with tab_heat:
    heatmap_section(screens, zones)
with tab_forecast:
    forecast_section(screens)
with tab_backtest:
    backtest_section()
