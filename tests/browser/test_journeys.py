"""One journey per role in a real Chromium (log in, find, act, see the result); the startup's also in Chinese."""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import login


def _flash(page) -> str:
    return page.locator("p.flash").first.inner_text()


def test_fund_manager_searches_shortlists_and_moves_a_startup_along_the_pipeline(page):
    login(page, "fund@demo.cn")
    page.click("header nav >> text=Deal flow")
    page.fill("input[name=q]", "metro track inspection 轨道巡检")
    page.select_option("select[name=stage]", "pre-a")
    page.click("form.search button[type=submit]")
    first = page.locator("li.result").first
    first.wait_for()
    name = first.locator(".head a").inner_text()
    assert "Semantic similarity" in first.locator(".reasons").inner_text()
    first.locator("button.shortlist").click()
    assert "is on the pipeline" in _flash(page)
    page.click("header nav >> text=Pipeline")
    card = page.locator("section.column[data-stage=new] article.card", has_text=name)
    assert card.count() == 1
    card.locator("select[name=stage]").select_option("contacted")
    card.locator("form.move button").click()
    card = page.locator("section.column[data-stage=contacted] article.card", has_text=name)
    assert card.count() == 1
    card.locator("select[name=stage]").select_option("passed")
    card.locator("form.move button").click()
    assert "Say why you pass" in _flash(page)
    card = page.locator("article.card", has_text=name)
    card.locator("select[name=stage]").select_option("passed")
    card.locator("input[name=reason]").fill("Too early for our fund")
    card.locator("form.move button").click()
    passed = page.locator("section.column[data-stage=passed] article.card", has_text=name)
    assert "Too early for our fund" in passed.inner_text()


def test_scenario_owner_publishes_sees_evidence_and_invites(page):
    login(page, "owner@demo.cn")
    page.click("header nav >> text=Publish a scenario")
    page.fill("input[name=title]", "Night inspection of tram overhead lines 有轨电车接触网夜间巡检")
    page.fill("input[name=owner_org]", "Wuhan Tram Company")
    page.fill("textarea[name=problem]", "We need automatic night-time inspection of tram overhead lines and track "
                                        "fasteners, with defect photos delivered before the morning shift.")
    page.fill("textarea[name=requirements]", "Vehicle-mounted cameras\nDefect detection on track and fasteners\n"
                                             "Works at night")
    page.select_option("select[name=status]", "draft")
    page.click("form.record button[type=submit]")
    page.wait_for_url(re.compile(r".*/scenarios/\d+$"))
    page.click("header nav >> text=Scenario desk")
    row = page.locator("table.desk tr", has_text="Night inspection of tram")
    row.locator("button[data-status=open]").click()
    assert "is now open" in _flash(page)
    page.locator("table.desk a", has_text="Night inspection of tram").click()
    solver = page.locator("li.match").first
    solver.wait_for()
    solver.locator("details.evidence summary").click()
    assert solver.locator("details.evidence tr.ok").count() >= 1
    solver.locator("input[name=message]").fill("Your rail inspection fits: please apply.")
    solver.locator("button", has_text="Invite to apply").click()
    assert "is invited to apply" in _flash(page)
    assert page.locator("li.match").first.locator(".status.sent").count() == 1


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_startup_applies_to_a_scenario_and_sees_its_status(page, lang):
    login(page, "startup@demo.cn")
    if lang == "zh_CN":
        page.click("header .lang >> text=中文")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.click("header nav >> text=我的动态")
    else:
        page.click("header nav >> text=My feed")
    match = page.locator("#scenarios li.match").first
    title = match.locator(".head a").inner_text()
    match.locator("textarea[name=message]").fill("We inspect metro tracks in Wuhan every night. 我们已在武汉地铁运行。")
    match.locator("form.apply-form button").click()
    assert ("已向" if lang == "zh_CN" else "Application sent") in _flash(page)
    row = page.locator("#applications tr", has_text=title)
    assert row.locator(".status").inner_text() == ("已提交" if lang == "zh_CN" else "submitted")
    if lang == "zh_CN":
        assert "我的申报" in page.locator("#applications h2").inner_text()
        assert "语义相似度" in page.locator("#funds .reasons").first.inner_text()


def test_organiser_proposes_a_three_way_meeting_and_opens_events(page):
    login(page, "organiser@demo.cn")
    page.click("header nav >> text=Three-way meetings")
    first = page.locator("table.suggestions tbody tr").first
    first.wait_for()
    who = first.locator("td").nth(1).locator("a").inner_text()
    first.locator("button.propose").click()
    assert "Three-way meeting proposed" in _flash(page)
    proposal = page.locator("li.proposal").first
    assert who in proposal.inner_text() and proposal.locator(".status.proposed").count() == 1
    page.click("header nav >> text=Events")
    assert "Matching events" in page.locator("h1").inner_text()
