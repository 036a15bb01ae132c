"""Journeys in a real Chromium: each role sees recommendations with reasons; a bad edit is refused."""
from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import DEMO_LOGINS


@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_each_role_sees_explained_recommendations(page, role):
    login(page, DEMO_LOGINS[role])
    first = page.locator("li.match").first
    first.wait_for()
    assert first.locator(".reasons li").count() >= 1
    assert "Semantic similarity" in first.inner_text()


def test_scenario_owner_reads_the_evidence(page):
    login(page, "owner@demo.cn")
    page.locator("section h2 a").first.click()
    page.locator("details.evidence summary").first.click()
    rows = page.locator("details.evidence").first.locator("tr.ok")
    assert rows.count() >= 1


def test_startup_bad_edit_is_refused_and_good_edit_saved(page):
    login(page, "startup@demo.cn")
    page.click("text=Edit profile")
    page.fill("input[name=name]", "")
    page.click("form.record button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert page.locator(".has-error").count() >= 1
    page.fill("input[name=name]", "Renamed Startup 改名")
    page.click("form.record button[type=submit]")
    page.wait_for_url("**/startups/*")
    assert "Renamed Startup 改名" in page.locator("h1").inner_text()
    assert page.locator("li.match").count() >= 1
