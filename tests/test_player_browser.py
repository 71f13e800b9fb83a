"""The browser player in headless Chromium against the real API: pair, play, survive an outage.

The playlist uses 1-second slots, so the player runs at its true planned durations (nothing is
shortened for the test) and still shows dozens of plays in a minute. SQLite only: the code paths
it exercises on the database are the same ones tests/test_screen_api.py runs on both databases.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import skip_or_fail
from screen_fixtures import LiveServer, make_staff, publish_playlist
from sqlalchemy import Engine, select

from scheduler.db import session_scope
from scheduler.models import Play
from scheduler.pairing import claim_code

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        skip_or_fail("Chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="localcast-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-background-timer-throttling",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=540,960",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(20)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _played(driver: Any) -> list[dict[str, Any]]:
    return driver.execute_script("return window.localcastPlayer.played")


def _assert_in_plan_order(played: list[dict[str, Any]], published: Any) -> None:
    for play in played:
        started = dt.datetime.fromisoformat(play["started_at"].replace("Z", "+00:00"))
        assert play["item_id"] == published.item_at(started), play
        assert play["duration_ms"] >= play["planned_ms"] == 1000, play
    starts = [p["started_at"] for p in played]
    assert starts == sorted(starts)


def test_player_pairs_plays_and_survives_an_outage(
    sqlite_engine: Engine, tmp_path: Path, browser: Any
) -> None:
    server = LiveServer(sqlite_engine, tmp_path / "data")
    server.start()
    try:
        browser.get(f"{server.url}/player/?report_s=2")
        code = _wait(
            lambda: browser.execute_script("return window.localcastPlayer.pairingCode"),
            15,
            "a pairing code",
        )
        assert browser.find_element("id", "pair-code").text == code
        with session_scope(sqlite_engine) as session:
            staff = make_staff(session)
            screen = claim_code(
                session,
                code,
                new_screen_fields={"name": "Browser screen", "slot_seconds": 1},
                staff_user_id=staff.id,
            )
            published = publish_playlist(
                session, screen, server.storage, slot_seconds=1, hours=3, campaigns=4
            )
            screen_id = screen.id

        _wait(lambda: len(_played(browser)) >= 6, 30, "six plays")
        _assert_in_plan_order(_played(browser), published)
        assert len({p["item_id"] for p in _played(browser)}) >= 5
        _wait(
            lambda: browser.execute_script("return window.localcastPlayer.queueLength()") == 0,
            10,
            "the first plays to be reported",
        )
        _wait(
            lambda: (
                browser.execute_async_script(
                    "const done = arguments[0];"
                    "caches.open('localcast-files-v1').then(c => c.keys())"
                    ".then(k => done(k.length))"
                )
                >= 5
            ),
            10,
            "the files in Cache Storage",
        )

        server.stop()
        before = len(_played(browser))
        time.sleep(30)
        during = _played(browser)
        assert len(during) - before >= 25, f"only {len(during) - before} plays in 30 s offline"
        _assert_in_plan_order(during, published)
        assert browser.execute_script("return window.localcastPlayer.queueLength()") >= 25
        shown = browser.execute_script(
            "const ad = document.getElementById('ad');"
            "return ad.style.display === 'block' && ad.naturalWidth > 0"
        )
        house = browser.execute_script(
            "return document.getElementById('house').style.display !== 'none'"
        )
        assert shown or house, "the screen went blank while the server was away"

        server.start()
        _wait(
            lambda: browser.execute_script("return window.localcastPlayer.queueLength()") < 3,
            20,
            "the offline plays to be sent",
        )
        browser.execute_script("window.localcastPlayer.stop()")
        _wait(
            lambda: browser.execute_script("return window.localcastPlayer.queueLength()") == 0,
            20,
            "the last plays to be sent",
        )
        played = _played(browser)
        ids = [p["play_id"] for p in played]
        assert len(ids) == len(set(ids))
        assert browser.execute_script("return window.localcastPlayer.refused") == []
        with session_scope(sqlite_engine) as session:
            stored = list(session.scalars(select(Play.play_uid).where(Play.screen_id == screen_id)))
        assert len(stored) == len(set(stored)) == len(ids)
        assert set(stored) == set(ids)
    finally:
        server.stop()
