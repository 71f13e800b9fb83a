"""The localcast dashboard: ``streamlit run dashboard/app.py``.

The entry script runs on every interaction: it finds who is logged in (from the database, by the
session token), builds the navigation for that role only, draws the sidebar and runs the page.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from dashboard import auth, nav, ui  # noqa: E402
from dashboard.i18n import LANG_NAMES, LANGS, local_time, normalise_lang, t  # noqa: E402
from scheduler.errors import LocalcastError  # noqa: E402

st.set_page_config(page_title="localcast", page_icon=":material/tv:", layout="wide")
# Also in .streamlit/config.toml; set here too so that no start directory can bring tracebacks back.
st.set_option("client.showErrorDetails", "none")


def login_page() -> None:
    st.title(t("app.title"))
    st.caption(t("app.tagline"))
    notice = st.session_state.pop("login_notice", None)
    if notice:
        st.info(t(notice))
    with st.form("login", clear_on_submit=False):
        st.subheader(t("login.title"))
        username = st.text_input(t("login.username"), key="login_username")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary")
    if not submitted:
        return
    if not username.strip() or not password:
        st.error(t("login.missing"))
        return
    try:
        token = auth.log_in(ui.engine(), username, password, hours=ui.settings().session_hours)
    except LocalcastError as exc:
        st.error(exc.message)
        return
    st.session_state[ui.TOKEN_KEY] = token
    st.rerun()


def language_switch() -> None:
    st.session_state["lang"] = normalise_lang(st.session_state.get("lang"))
    st.sidebar.selectbox(
        "언어 / Language", LANGS, key="lang", format_func=lambda code: LANG_NAMES[code]
    )


def user_box(user: auth.SessionUser) -> None:
    with st.sidebar:
        st.divider()
        st.markdown(t("app.signed_in_as", name=user.display_name, role=t(f"role.{user.role}")))
        if user.business_name:
            st.caption(t("app.business", name=user.business_name))
        st.caption(t("app.session_ends", when=local_time(user.session_expires_at)))
        if st.button(t("app.logout"), key="logout", icon=":material/logout:"):
            auth.log_out(ui.engine(), st.session_state.get(ui.TOKEN_KEY))
            for key in list(st.session_state.keys()):
                if key != "lang":
                    del st.session_state[key]
            st.session_state["login_notice"] = "login.logged_out"
            st.rerun()


def build_navigation(user: auth.SessionUser | None):
    if user is None:
        icon = ":material/login:"
        page = st.Page(login_page, title=t("login.title"), icon=icon, url_path="login")
        return st.navigation([page], position="hidden")
    groups: dict[str, list[st.Page]] = {}
    for spec in nav.pages_for(user.role):
        page = st.Page(spec.file, title=t(spec.title_key), icon=spec.icon, url_path=spec.url_path)
        groups.setdefault(t(spec.section), []).append(page)
    if not groups:  # a role without pages still gets a page that says so
        groups[t("app.title")] = [st.Page(lambda: st.info(t("app.not_ready")), title="localcast")]
    return st.navigation(groups)


def main() -> None:
    language_switch()
    try:
        user = ui.session_user()
    except Exception as exc:  # e.g. the database is unreachable: say so, show no traceback
        ui.show_error(exc)
        return
    current = build_navigation(user)
    if user is not None:
        user_box(user)
    try:
        current.run()
    except Exception as exc:  # a page that forgot its own guard still shows no traceback
        ui.show_error(exc)


main()
