"""`localcast up` starts API, job worker and dashboard on the demo city; Ctrl-C stops all three."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from browser import chromium_driver, free_port, wait_for_url

pytestmark = pytest.mark.slow


def port_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def localcast(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def login_form_renders(url: str, tmp_path: Path) -> bool:
    """True when headless Chromium shows a password field (the dashboard is drawn by JavaScript)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    with chromium_driver(tmp_path) as driver:
        driver.get(url)
        WebDriverWait(driver, 60).until(
            expected_conditions.presence_of_element_located(
                (By.CSS_SELECTOR, "input[type=password]")
            )
        )
        return True


def test_up_serves_api_and_dashboard_and_stops_cleanly(tmp_path: Path) -> None:
    api_port, dashboard_port = free_port(), free_port()
    env = {
        **os.environ,
        "LOCALCAST_DATA_DIR": str(tmp_path / "var"),
        "LOCALCAST_API_PORT": str(api_port),
        "LOCALCAST_DASHBOARD_PORT": str(dashboard_port),
        "LOCALCAST_TIMEZONE": "Asia/Seoul",
    }
    env.pop("LOCALCAST_DATABASE_URL", None)
    localcast("db", "upgrade", env=env)
    localcast("demo", "seed", "--if-empty", "--no-images", env=env)
    up = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = wait_for_url(f"http://127.0.0.1:{api_port}/healthz")
        assert health.json()["status"] == "ok"
        assert wait_for_url(f"http://127.0.0.1:{dashboard_port}/_stcore/health").text == "ok"
        page = wait_for_url(f"http://127.0.0.1:{dashboard_port}/")
        assert '<div id="root">' in page.text
        assert login_form_renders(f"http://127.0.0.1:{dashboard_port}/", tmp_path)
    finally:
        up.send_signal(signal.SIGINT)
        try:
            output, _ = up.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            up.kill()
            output, _ = up.communicate()
            raise AssertionError(f"localcast up did not stop within 30 s:\n{output}") from None
    assert up.returncode == 0, output
    assert "localcast is up" in output and "stopped" in output
    assert port_closed(api_port) and port_closed(dashboard_port)
