"""The pages in a real browser: Debian's chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from lendguard.rulebase import RuleBase
from tests.fixtures.registry_reports import signed_report
from tests.registry.conftest import PLATFORM_A, Template, World, sqlite_world
from tests.registry.test_api import PHONE, upload

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def live(sqlite_template: Template, tmp_path: Path, key_file: Path) -> Iterator[tuple[World, str]]:
    """The app served by uvicorn on a free loopback port, for the length of the test."""
    for world in sqlite_world(sqlite_template, tmp_path, key_file):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(world.client.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "uvicorn did not start"
        try:
            yield world, f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def test_complaint_login_dashboard_and_lookup_in_chromium(
    live: tuple[World, str], tmp_path: Path, rulebase: RuleBase
) -> None:
    if not CHROMIUM.exists():
        pytest.fail("chromium is not installed: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    world, base = live
    upload(world, signed_report(tmp_path / "1", rulebase, PLATFORM_A))
    (certificate,) = world.client.get(
        f"/api/v1/platforms/{world.platforms['a']}/certificates", headers=world.auth("regulator")
    ).json()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        # the public complaint form, no login
        page.goto(f"{base}/complain")
        assert page.locator("h1").inner_text() == "投诉举报"
        page.select_option("select[name=platform]", PLATFORM_A)
        page.select_option("select[name=category]", "contacts_harassed")
        page.fill("textarea[name=text]", f"催收员给我的同事打电话，还把我的号码 {PHONE} 发到群里")
        page.fill("input[name=phone]", PHONE)
        page.click("button[type=submit]")
        reference = page.locator("#reference").inner_text()
        assert reference.startswith("TS-") and PHONE not in page.content()
        # certificate lookup
        page.goto(f"{base}/certificates")
        page.fill("input[name=number]", certificate["number"])
        page.click("form button")
        assert page.locator("#status").inner_text().startswith("有效")
        # the regulator logs in: dashboard, then the complaint queue, masked until revealed
        page.goto(f"{base}/login")
        page.fill("input[name=token]", world.tokens["regulator"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/dashboard")
        assert PLATFORM_A in page.locator("#platforms").inner_text()
        assert page.locator("#platforms svg polyline").count() == 1  # platform A has a score trend
        page.goto(f"{base}/complaints")
        row = page.locator(f"#complaint-{reference}")
        assert "138****5678" in row.inner_text() and PHONE not in page.content()
        row.locator("form.reveal input[name=reason]").fill("核实投诉人身份")
        row.locator("form.reveal button").click()
        assert PHONE in page.locator("#revealed").inner_text()
        # English on request
        page.goto(f"{base}/dashboard?lang=en")
        assert page.locator("h1").inner_text() == "Dashboard"
        browser.close()
