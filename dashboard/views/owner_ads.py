"""My ads: upload an image with a live preview on every screen size, and see each ad's status."""

from __future__ import annotations

import streamlit as st

from assets.ingest import ingest_upload
from assets.renditions import preview_image
from assets.storage import storage_from_settings
from dashboard import ad_preview, owner_data, ui
from dashboard.i18n import labeller, local_time, t

user = ui.require_role("owner")
ui.page_title("page.owner_ads", "ads.caption")
storage = storage_from_settings(ui.settings())
PREVIEW_COLUMNS = 4
STATUS_COLOURS = {"pending": "orange", "approved": "green", "rejected": "red"}


@st.cache_data(show_spinner=False, max_entries=16)
def _previews(
    data: bytes, filename: str, sizes: tuple, fit: str, background: str, focal: tuple
) -> list[bytes]:
    return ad_preview.live_previews(
        data,
        filename,
        list(sizes),
        fit=fit,
        background=background,
        focal=focal,
        settings=ui.settings(),
    )


def upload_section() -> None:
    st.subheader(t("ads.upload"))
    file = st.file_uploader(t("ads.file"), key="ad_file", help=t("ads.file_help"))
    left, right = st.columns(2)
    name = left.text_input(t("ads.name"), key="ad_name", placeholder=t("ads.name_placeholder"))
    fit = right.radio(
        t("ads.fit"),
        ["contain", "cover"],
        key="ad_fit",
        format_func=labeller("ads.fit_"),
        horizontal=True,
    )
    background = left.color_picker(t("ads.background"), "#000000", key="ad_background")
    focal = (0.5, 0.5)
    if fit == "cover":
        fx = right.slider(t("ads.focal_x"), 0.0, 1.0, 0.5, 0.05, key="ad_focal_x")
        fy = right.slider(t("ads.focal_y"), 0.0, 1.0, 0.5, 0.05, key="ad_focal_y")
        focal = (fx, fy)
    if file is None:
        st.info(t("ads.pick_file"))
        return
    data = file.getvalue()
    with ui.db() as session:
        screens = owner_data.screens_frame(session)
    sizes = owner_data.screen_sizes(screens)
    st.markdown(f"**{t('ads.preview')}**")
    if not sizes:
        st.caption(t("ads.no_screens"))
    try:
        images = _previews(data, file.name, tuple(sizes), fit, background, focal)
    except Exception as exc:  # a refused file: the same message the upload would give
        ui.show_error(exc)
        return
    columns = st.columns(min(PREVIEW_COLUMNS, max(1, len(sizes))))
    for index, ((width, height), image) in enumerate(zip(sizes, images, strict=True)):
        count = int(((screens["width_px"] == width) & (screens["height_px"] == height)).sum())
        columns[index % len(columns)].image(
            image, caption=t("ads.preview_caption", w=width, h=height, n=count)
        )
    if st.button(t("ads.submit"), type="primary", key="ad_submit"):
        with ui.errors(), ui.db() as session:
            creative = ingest_upload(
                session,
                storage,
                data,
                file.name,
                business_id=user.business_id,
                uploaded_by_id=user.id,
                name=name or None,
                fit=fit,
                background=background,
                focal=focal,
            )
            st.success(t("ads.uploaded", name=creative.name))


def list_section() -> None:
    st.subheader(t("ads.mine"))
    with ui.db() as session:
        creatives = owner_data.creatives_for(session, user.business_id)
        thumbs = {c.id: owner_data.thumbnail_sha(session, c) for c in creatives}
    if not creatives:
        st.info(t("ads.none_yet"))
        return
    for creative in creatives:
        with st.container(border=True):
            picture, info = st.columns([1, 4])
            try:
                picture.image(storage.get(thumbs[creative.id]), width="stretch")
            except Exception:  # a missing file must not hide the rest of the list
                picture.caption(t("ads.no_picture"))
            colour = STATUS_COLOURS.get(creative.status, "gray")
            info.markdown(f"**{creative.name}** · :{colour}[{t(f'ads.status_{creative.status}')}]")
            info.caption(
                t(
                    "ads.details",
                    w=creative.width_px,
                    h=creative.height_px,
                    fit=t(f"ads.fit_{creative.fit}"),
                    when=local_time(creative.created_at),
                )
            )
            if creative.status == "rejected":
                info.warning(t("ads.rejected_reason", reason=creative.reject_reason or "—"))
            elif info.toggle(t("ads.show_on_screens"), key=f"ad_screens_{creative.id}"):
                with ui.errors(), st.spinner(t("ads.rendering")), ui.db() as session:
                    # The real renditions, side by side, made now if the planner has not yet.
                    mine = owner_data.creative_for(session, user.business_id, creative.id)
                    st.image(preview_image(session, storage, mine), width="stretch")


mine, upload = st.tabs([t("ads.mine"), t("ads.upload")])
with upload:
    upload_section()
with mine:
    list_section()
