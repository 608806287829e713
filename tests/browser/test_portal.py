"""The public portal in a real Chromium: nothing loaded from another host, no serious accessibility
fault (axe-core), and the quick exit (Esc or the button) leaves for the neutral site so that Back
does not return to the portal, even after moving between its pages."""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
NEUTRAL = "https://weather.example/"


@pytest.fixture
def portal(live_server, live_world, page, settings):
    """The page, with the neutral site answered locally and every host the page asked recorded."""
    settings.SAFEZONE_QUICK_EXIT_URL = NEUTRAL
    hosts = []
    page.on("request", lambda request: hosts.append(urlparse(request.url).netloc))
    page.route(re.compile(r"^https://weather\.example/.*"), lambda route: route.fulfill(
        status=200, content_type="text/html", body="<html><head><title>Погода</title></head><body>+3</body></html>"
    ))  # fmt: skip
    return page, live_server.url, hosts


def _serious(page) -> list:
    """axe-core's serious and critical violations on the page as it stands."""
    page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated by the test, not loaded by the page
    found = page.evaluate(
        "async () => (await axe.run()).violations.map(v => [v.id, v.impact, "
        "v.nodes.map(n => n.target.join(' ') + ': ' + (n.any[0] ? n.any[0].message : '')).join('; ')])"
    )
    return [v for v in found if v[1] in ("serious", "critical")]


def test_the_portal_asks_no_other_host_and_has_no_serious_accessibility_fault(portal):
    page, base, hosts = portal
    own = urlparse(base).netloc
    for path in ("/help/", "/help/services/?district=vologda", "/help/rights/", "/help/safety/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert set(hosts) == {own}, hosts
        assert _serious(page) == [], path


def test_esc_leaves_for_the_neutral_site_and_back_does_not_return(portal):
    page, base, hosts = portal
    page.goto(base + "/help/")
    page.get_by_role("link", name="Как не оставить следов посещения").first.click()
    page.wait_for_url(re.compile("/help/safety/"))
    page.keyboard.press("Escape")
    page.wait_for_url(NEUTRAL)
    page.go_back()
    assert "/help/" not in page.url


def test_the_button_leaves_too_and_back_does_not_return(portal):
    page, base, hosts = portal
    page.goto(base + "/help/services/")
    page.locator("#district").select_option("vologda")
    page.get_by_role("button", name="Показать службы").click()
    page.wait_for_url(re.compile(r"district=vologda"))
    page.get_by_role("link", name=re.compile("Быстро уйти с сайта")).click()
    page.wait_for_url(NEUTRAL)
    page.go_back()
    assert "/help/" not in page.url
