"""The dashboard in headless Chromium against ``localcast up`` on the demo city.

An owner logs in, uploads an ad and books a campaign after reading its quote; staff approve both,
re-plan, and find the campaign in a screen's schedule. Every page visited is saved as a
screenshot under ``tests/artifacts/``, and any Streamlit error box fails the test.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_driver, free_port, require_chromium, wait_for_url
from conftest import ROOT
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, select

from scheduler.models import Campaign, PlanAllocation, PlanRun, Screen

ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "localcast-demo"
AD_NAME = "Browser test bagels"
CAMPAIGN = "Browser test breakfast"
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``localcast demo seed`` then ``localcast up`` on free ports, stopped at the end."""
    require_chromium()
    data_dir = tmp_path_factory.mktemp("browser-city")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALCAST_")}
    env.update(
        LOCALCAST_DATA_DIR=str(data_dir),
        LOCALCAST_API_PORT=str(free_port()),
        LOCALCAST_DASHBOARD_PORT=str(free_port()),
        PYTHONUNBUFFERED="1",
    )
    cli = [sys.executable, "-m", "scheduler.cli"]
    for step in (["db", "upgrade"], ["demo", "seed", "--no-images"]):
        subprocess.run([*cli, *step], env=env, cwd=ROOT, check=True, capture_output=True)
    log_path = data_dir / "up.log"
    log = log_path.open("wb")
    process = subprocess.Popen([*cli, "up"], env=env, cwd=ROOT, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{env['LOCALCAST_DASHBOARD_PORT']}"
    try:
        try:
            wait_for_url(f"{url}/_stcore/health", 90)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; localcast up said:\n{log_path.read_text()}") from exc
        yield {"url": url, "db": f"sqlite:///{data_dir / 'localcast.db'}"}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    profiles = tmp_path_factory.mktemp("chromium")
    with chromium_driver(profiles, "--window-size=1400,1100", "--lang=en-US") as driver:
        driver.set_page_load_timeout(60)
        yield driver


class Dashboard:
    """Small helpers over Selenium for Streamlit's widgets."""

    def __init__(self, driver, url: str) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.d = driver
        self.url = url
        self.wait = WebDriverWait(driver, 60, poll_frequency=0.3)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def by_xpath(self, xpath: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait.until(ec.presence_of_element_located((By.XPATH, xpath)))

    def settle(self) -> None:
        """Wait until Streamlit has finished running the script."""
        from selenium.webdriver.common.by import By

        time.sleep(0.6)
        self.wait.until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]')
        )
        time.sleep(0.3)

    def click(self, xpath: str) -> None:
        element = self.by_xpath(xpath)
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        self.settle()

    def button(self, text: str) -> None:
        self.click(f'//button[.//p[normalize-space()="{text}"]]')

    def fill(self, label: str, text: str) -> None:
        from selenium.webdriver.common.keys import Keys

        field = self.by_xpath(f'//input[@aria-label="{label}"]')
        field.clear()
        field.send_keys(text, Keys.TAB)
        self.settle()

    def choose(self, label: str, option_text: str) -> None:
        """Pick an option of a selectbox by typing part of its text."""
        box = self.by_xpath(f'//input[@aria-label="{label}"]')
        box.click()
        box.send_keys(option_text)
        self.by_xpath(f'//*[@role="option"][contains(., "{option_text}")]').click()
        self.settle()

    def open_page(self, title: str) -> None:
        self.click(f'//*[@data-testid="stSidebarNav"]//a[contains(., "{title}")]')
        self.by_xpath(f'//h1[contains(., "{title}")]')

    def check(self, name: str) -> None:
        """Screenshot the page and fail on any Streamlit error box."""
        from selenium.webdriver.common.by import By

        self.settle()
        self.d.save_screenshot(str(ARTIFACTS / f"{name}.png"))
        errors = [e.text for e in self.d.find_elements(By.CSS_SELECTOR, ERROR_BOXES)]
        assert errors == [], f"{name}: {errors}"

    def log_in(self, username: str) -> None:
        self.d.delete_all_cookies()
        self.d.get(self.url)
        self.by_xpath('//input[@aria-label="언어 / Language"]')
        self.choose("언어 / Language", "English")
        self.fill("Username", username)
        self.fill("Password", PASSWORD)
        self.button("Log in")
        self.by_xpath('//*[contains(., "Signed in as")]')


def _poster() -> bytes:
    image = Image.new("RGB", (1080, 1350), "#f4c542")
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 420, 1000, 930), fill="#7a3e12")
    draw.text((120, 460), "Fresh bagels every morning", fill="#ffffff")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_owner_books_and_staff_approve_and_schedule(demo_up, browser, tmp_path: Path) -> None:
    ui = Dashboard(browser, demo_up["url"])

    # --- the shop owner -------------------------------------------------------------------
    ui.log_in("owner1")
    ui.by_xpath('//h1[contains(., "My ads")]')
    ui.check("owner_ads")
    ui.click('//*[@role="tab"][contains(., "Upload an ad")]')
    poster = tmp_path / "bagels.png"
    poster.write_bytes(_poster())
    ui.by_xpath('//input[@type="file"]').send_keys(str(poster))
    ui.settle()
    ui.by_xpath('//*[contains(., "1080×1920")]')  # the live preview on a screen size
    ui.fill("Name of the ad", AD_NAME)
    ui.button("Upload for review")
    ui.by_xpath(f'//*[@data-testid="stAlertContentSuccess"][contains(., "{AD_NAME}")]')
    ui.check("owner_ads_uploaded")

    ui.open_page("New campaign")
    ui.fill("Campaign name", CAMPAIGN)
    ui.choose("Ad", AD_NAME)
    ui.by_xpath('//*[@data-testid="stMetricLabel"][contains(., "Expected plays")]')
    ui.check("owner_new_campaign_quote")
    ui.button("Book the campaign")
    ui.by_xpath(f'//*[@data-testid="stAlertContentSuccess"][contains(., "{CAMPAIGN}")]')
    ui.check("owner_new_campaign_booked")

    ui.open_page("My campaigns")
    ui.check("owner_campaigns")
    ui.open_page("Statement")
    ui.check("owner_statement")
    ui.button("Log out")

    # --- city staff -----------------------------------------------------------------------
    ui.log_in("staff")
    ui.open_page("Review")
    ui.check("staff_review")
    engine = create_engine(demo_up["db"])
    with engine.connect() as conn:
        campaign_id, creative_id = conn.execute(
            select(Campaign.id, Campaign.creative_id).where(Campaign.name == CAMPAIGN)
        ).one()
    ui.click(f'//*[contains(@class, "st-key-approve_creative_{creative_id}")]//button')
    ui.check("staff_review_ad_approved")
    ui.click('//*[@role="tab"][contains(., "ampaign")]')
    ui.click(f'//*[contains(@class, "st-key-approve_campaign_{campaign_id}")]//button')
    ui.check("staff_review_campaign_approved")

    ui.open_page("Jobs")
    ui.click('//*[contains(@class, "st-key-replan")]//button')
    ui.by_xpath('//*[@data-testid="stAlertContentSuccess"]')
    ui.check("staff_jobs_replanned")

    with engine.connect() as conn:
        screen_name = conn.execute(
            select(Screen.name)
            .join(PlanAllocation, PlanAllocation.screen_id == Screen.id)
            .join(PlanRun, PlanRun.id == PlanAllocation.plan_run_id)
            .where(PlanAllocation.campaign_id == campaign_id, PlanRun.status == "published")
            .order_by(PlanAllocation.plays.desc())
            .limit(1)
        ).scalar_one_or_none()
    engine.dispose()
    assert screen_name, "the re-plan gave the approved campaign no plays"

    ui.open_page("Schedule")
    ui.choose(_label_of(browser, "schedule_screen"), screen_name)
    ui.choose(_label_of(browser, "schedule_item_"), CAMPAIGN)
    ui.by_xpath(f'//h4[contains(., "{CAMPAIGN}")]')
    ui.check("staff_schedule")

    for title, name in (
        ("Screens", "staff_screens"),
        ("Foot traffic", "staff_traffic"),
        ("Quotas and pricing", "staff_policy"),
        ("Businesses", "staff_businesses"),
        ("Reports", "staff_reports"),
    ):
        ui.open_page(title)
        ui.check(name)


def _label_of(driver, key_prefix: str) -> str:
    """The aria-label of the selectbox whose Streamlit key starts with ``key_prefix``."""
    from selenium.webdriver.common.by import By

    box = driver.find_element(
        By.XPATH, f'//*[contains(@class, "st-key-{key_prefix}")]//input[@aria-label]'
    )
    return box.get_attribute("aria-label")
