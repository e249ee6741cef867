"""A member drafts and submits a proposal on a phone; the office files and assigns it on a
desk; a second, stale browser tab gets the conflict message. Real Chromium, live server."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import login, screenshot
from lvzhi.proposals.models import AssignmentState, Proposal, State
from lvzhi.proposals.testing import build_proposal_world, submitted
from lvzhi.testing import World

pytestmark = pytest.mark.browser

TITLE = "关于加快农村饮水安全工程建设的建议"


def test_a_member_drafts_on_a_phone_and_the_office_files_and_assigns(
    phone_page: Any, page: Any, browser_world: World
) -> None:
    pw = build_proposal_world(browser_world)
    existing = submitted(pw, "关于农村饮水安全工程建设的建议", author=pw.ding)

    m = phone_page
    login(m, "member")
    m.goto(m.base_url + "/proposals/")
    assert m.url.endswith("/proposals/mine/")
    m.click("[data-testid=new-proposal]")
    m.select_option("select[name=organisation]", "dcx")  # he sits on the county and the city
    m.fill("input[name=title]", TITLE)
    m.press("input[name=title]", "End")  # a key goes up: the similar-proposals panel asks the server
    panel = m.locator("[data-testid=similar-results]")
    panel.wait_for()
    assert existing.title in panel.inner_text()
    assert "%" in m.locator("[data-testid=similar-score]").first.inner_text()
    assert m.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone
    screenshot(m, "proposal-member-similar-phone")
    m.click("[data-testid=similar-close]")  # dismissible, never blocking
    assert m.locator("[data-testid=similar-results]").count() == 0
    m.fill("textarea[name=analysis]", "部分村组饮水工程老化，旱季供水不足。")
    m.fill("textarea[name=suggestions]", "一是加大投入；二是落实管护责任。")
    m.fill("input[name=suggested_units]", "县水务局")
    m.select_option("select[name=category]", "社会")
    m.check("input[name=kind][value=plenary]")
    m.click("[data-testid=save-submit]")
    m.wait_for_selector("text=提案已提交")
    assert m.locator("[data-testid=state]").inner_text() == "待审查"
    assert "提交" in m.locator("[data-testid=timeline]").inner_text()
    screenshot(m, "proposal-member-submitted-phone")
    proposal = Proposal.objects.get(title=TITLE)
    assert proposal.state == State.SUBMITTED and proposal.kind == "plenary"

    o = page
    login(o, "alice")
    o.goto(o.base_url + "/proposals/office/")
    o.click(f"[data-testid=inbox] >> text={TITLE}")
    o.select_option("#file-category", "经济")
    o.click("[data-testid=file]")
    o.wait_for_selector("text=已立案")
    assert o.locator("[data-testid=state]").inner_text() == "已立案待交办"
    assert o.locator("[data-testid=number]").inner_text() == "第16届第1次会议第0001号"
    o.check("input[name=mode][value=single]")
    o.check(f"#unit-{browser_world.unit.pk}")
    o.click("[data-testid=assign]")
    o.wait_for_selector("text=已交办")
    assert o.locator("[data-testid=state]").inner_text() == "办理中"
    assert "东城县发展和改革局" in o.locator("[data-testid=assignments]").inner_text()
    assert "待审查 → 已立案待交办" in o.locator("[data-testid=timeline]").inner_text()
    screenshot(o, "proposal-office-assigned")
    proposal.refresh_from_db()
    assert proposal.state == State.ASSIGNED and proposal.category == "经济"
    assert proposal.assignments.get().state == AssignmentState.PENDING

    # the member sees the number and the state in the inbox
    m.goto(m.base_url + "/proposals/mine/")
    mine = m.locator("[data-testid=my-proposals]").inner_text()
    assert proposal.number in mine and "办理中" in mine


def test_a_second_tab_acting_on_a_stale_page_gets_the_conflict_message(page: Any, browser_world: World) -> None:
    pw = build_proposal_world(browser_world)
    p = submitted(pw)
    login(page, "alice")
    url = f"{page.base_url}/proposals/{p.pk}/"
    page.goto(url)
    second = page.context.new_page()
    second.goto(url)  # both tabs show the proposal awaiting review

    page.click("[data-testid=file]")
    page.wait_for_selector("text=已立案")

    second.click("text=不予立案 >> nth=0")  # opens the collapsed section
    second.select_option("#nf-reason", "属于学术讨论")
    second.click("[data-testid=not-file]")
    alert = second.locator("[data-testid=conflict]")
    alert.wait_for()
    assert "已被他人处理" in alert.inner_text()
    screenshot(second, "proposal-office-conflict")
    p.refresh_from_db()
    assert p.state == State.FILED and p.not_filed_reason == ""
    second.close()
