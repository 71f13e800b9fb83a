"""Statement: plays, audience and charges per campaign and month, with a CSV download."""

from __future__ import annotations

import streamlit as st

from dashboard import owner_data, ui
from dashboard.i18n import money, t
from scheduler.billing import statement

user = ui.require_role("owner")
ui.page_title("page.owner_statement", "stmt.caption")

with ui.errors():
    with ui.db() as session:
        frame = owner_data.statement_frame(statement(session, user.business_id))
    if frame.empty:
        st.info(t("stmt.none_yet"))
        st.stop()
    months = sorted(frame["month"].unique(), reverse=True)
    month = st.selectbox(
        t("stmt.month"),
        ["all", *months],
        key="stmt_month",
        format_func={"all": t("stmt.all_months"), **{m: m for m in months}}.get,
    )
    shown = frame if month == "all" else frame[frame["month"] == month]

    a, b, c = st.columns(3)
    a.metric(t("stmt.plays"), f"{int(shown['plays'].sum()):,}")
    b.metric(t("stmt.audience"), f"{float(shown['impressions'].sum()):,.0f}")
    c.metric(t("stmt.charges"), money(int(shown["charge_krw"].sum())))

    table = shown.rename(
        columns={
            "month": t("stmt.col_month"),
            "campaign_id": "#",
            "campaign": t("stmt.col_campaign"),
            "days": t("stmt.col_days"),
            "plays": t("stmt.col_plays"),
            "impressions": t("stmt.col_audience"),
            "charge_krw": t("stmt.col_charge"),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            t("stmt.col_charge"): st.column_config.NumberColumn(format="₩%d"),
            t("stmt.col_audience"): st.column_config.NumberColumn(format="%.0f"),
        },
    )
    if month == "all" and len(months) > 1:
        by_month = frame.groupby("month")["charge_krw"].sum().sort_index()
        st.markdown(f"**{t('stmt.chart')}**")
        st.bar_chart(by_month.rename(t("stmt.col_charge")), height=220)
    suffix = "all" if month == "all" else month
    st.download_button(
        t("common.download_csv"),
        shown.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"localcast-statement-{user.business_id}-{suffix}.csv",
        mime="text/csv",
        key="stmt_csv",
        icon=":material/download:",
    )
