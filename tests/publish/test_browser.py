"""A real `scr-miner serve` process driven by headless Chromium: search, see highlights."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def free_port() -> int:
    """A TCP port nobody is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Poll ``url`` until the server answers (or fail with its output)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"server did not answer at {url}")


@pytest.fixture(scope="module")
def server(sample_db: Path, root: Path) -> Iterator[str]:
    """`scr-miner serve` on a free port; yields its base URL."""
    port = free_port()
    command = [str(Path(sys.executable).with_name("scr-miner")), "serve", "--db", str(sample_db),
               "--port", str(port), "--metadata", str(root / "metadata.yml")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/-/versions.json", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium through playwright (skipped only outside CI without it)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: run `make browser`")
        pytest.skip("chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_typing_a_question_shows_highlighted_results(server: str, browser) -> None:
    page = browser.new_page()
    page.goto(f"{server}/-/semantic")
    page.fill("#scr-q", "the GP was not told about the injuries")
    page.click("#scr-submit")
    page.wait_for_selector(".scr-result", timeout=90_000)
    assert page.locator(".scr-result").count() == 10
    marks = page.locator(".scr-snippet mark")
    assert marks.count() > 0
    assert {m.lower() for m in marks.all_inner_texts()} & {"gp", "told", "injuries", "injury"}
    background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # our stylesheet loaded
    assert page.locator(".scr-score").first.inner_text().startswith("0.")
    # "more like this" from the first result lists its neighbours
    page.locator(".scr-more").first.click()
    page.wait_for_selector(".scr-source")
    assert page.locator(".scr-result").count() == 10
    page.close()


def test_charts_render_as_svg(server: str, browser) -> None:
    page = browser.new_page()
    for path, selector in (("/-/themes", "svg rect[data-theme]"),
                           ("/-/network", "svg path[data-from]")):
        page.goto(f"{server}{path}")
        assert page.locator(selector).count() > 0, path
    page.close()
