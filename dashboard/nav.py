"""Which pages each role may use. Navigation is built from this table, and so is the guard.

Paths are relative to ``dashboard/`` (the folder of the entry script). A page missing from a
role's list is neither listed nor reachable by URL for that role; each page also calls
``ui.require_role`` at its top, so a mistake here fails closed.

Pages live in ``dashboard/views/``, never ``dashboard/pages/``: Streamlit treats a ``pages/``
folder beside the entry script as an old-style multipage app and, until some session has called
``st.navigation``, serves and lists every file in it directly, bypassing this table and the
entry script (``tests/test_dashboard_pages.py`` fails if that folder reappears).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DASHBOARD_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to dashboard/
    title_key: str  # key in dashboard.i18n.CATALOGUE
    icon: str
    section: str  # key in CATALOGUE for the navigation group

    @property
    def file(self) -> Path:
        return DASHBOARD_DIR / self.path

    @property
    def url_path(self) -> str:
        return Path(self.path).stem


def _page(name: str, icon: str, section: str) -> PageSpec:
    """A page ``views/<name>.py`` titled by the catalogue key ``page.<name>``."""
    return PageSpec(f"views/{name}.py", f"page.{name}", icon, f"section.{section}")


# --- owner pages (Engineer D1) ---------------------------------------------------------------
OWNER_PAGES: list[PageSpec] = [
    _page("owner_ads", ":material/image:", "owner"),
    _page("owner_new_campaign", ":material/add_circle:", "owner"),
    _page("owner_campaigns", ":material/campaign:", "owner"),
    _page("owner_statement", ":material/receipt_long:", "owner"),
]

# --- staff pages (Engineer D2 edits this list) -----------------------------------------------
STAFF_PAGES: list[PageSpec] = [
    _page("staff_screens", ":material/tv:", "staff"),
    _page("staff_traffic", ":material/groups:", "staff"),
    _page("staff_policy", ":material/tune:", "staff"),
    _page("staff_review", ":material/fact_check:", "staff"),
    _page("staff_businesses", ":material/store:", "staff"),
    _page("staff_schedule", ":material/schedule:", "staff"),
    _page("staff_reports", ":material/analytics:", "staff"),
    _page("staff_jobs", ":material/sync:", "staff"),
]

# --- admin-only pages (Engineer D1) ----------------------------------------------------------
ADMIN_PAGES: list[PageSpec] = [
    _page("admin_users", ":material/manage_accounts:", "admin"),
]

PAGES: dict[str, list[PageSpec]] = {
    "owner": OWNER_PAGES,
    "staff": STAFF_PAGES,
    "admin": STAFF_PAGES + ADMIN_PAGES,
}

# Who may open a page, derived from the table above (used by the per-page guard).
ROLES_FOR_PAGE: dict[str, tuple[str, ...]] = {}
for _role, _specs in PAGES.items():
    for _spec in _specs:
        ROLES_FOR_PAGE[_spec.url_path] = (*ROLES_FOR_PAGE.get(_spec.url_path, ()), _role)


def pages_for(role: str) -> list[PageSpec]:
    """The pages this role may use whose file exists (pages still being written are left out)."""
    return [spec for spec in PAGES.get(role, []) if spec.file.is_file()]
