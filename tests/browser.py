"""Headless Chromium for the browser tests, and the free-port and wait-for-URL helpers around it."""

from __future__ import annotations

import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Quiet, reproducible headless runs: no sandbox (containers), no GPU, no background traffic.
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_url(url: str, timeout: float = 90.0) -> httpx.Response:
    """The first 200 answer of ``url``; AssertionError when none comes within ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s ({last})")


def require_chromium() -> None:
    """Skip (fail under CI's strict mode) when Chromium or its driver is missing."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        skip_or_fail("Chromium and chromedriver are not installed")


@contextmanager
def chromium_driver(profile_parent: Path | None = None, *flags: str) -> Iterator[Any]:
    """A headless Chromium WebDriver with a fresh profile (so no state carries over), quit after.

    ``flags`` are added to ``BASE_FLAGS`` (window size, language, ...).
    """
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-", dir=profile_parent))
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*BASE_FLAGS, f"--user-data-dir={profile}", *flags):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
