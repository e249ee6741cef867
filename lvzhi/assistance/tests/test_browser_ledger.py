"""A member logs an entry on a phone (待确认, nothing scrolls sideways); the office clerk
confirms it in the inbox on a desk; the member sees 已确认 and the figures count the money.
Real Chromium, live server."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import login, screenshot
from lvzhi.assistance import actions
from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import Entry, EntryStatus
from lvzhi.assistance.testing import campaign, make_household
from lvzhi.testing import World

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def test_a_member_logs_on_a_phone_and_the_office_confirms(phone_page: Any, page: Any, browser_world: World) -> None:
    w = browser_world
    c = campaign(w.alice, w.county)
    household = make_household(w.county, "001")
    actions.pair(actor=w.alice, organisation=w.county, person=w.member.person, household=household)

    m = phone_page
    login(m, "member")
    m.goto(m.base_url + "/assistance/")
    assert m.url.endswith("/assistance/mine/")
    m.click("[data-testid=new-entry]")
    m.select_option("select[name=campaign]", str(c.pk))
    m.wait_for_selector("select[name=action_kind] >> text=帮助一名学生完成学业", state="attached")
    m.select_option("select[name=action_kind]", label="帮助一名学生完成学业")
    m.fill("input[name=household]", "001")
    m.fill("input[name=summary]", "资助王小明完成初中学业")
    m.fill("input[name=money]", "1500")
    m.fill("input[name=students]", "1")
    assert m.evaluate(FITS)
    screenshot(m, "ledger-member-form-phone")
    m.click("[data-testid=save]")
    m.wait_for_selector("text=台账已提交")
    entry = Entry.objects.get()
    mine = m.locator(f"[data-testid=entry-{entry.pk}]")
    assert "待确认" in mine.inner_text() and "资助王小明完成初中学业" in mine.inner_text()
    assert m.evaluate(FITS)
    screenshot(m, "ledger-member-pending-phone")
    assert entry.status == EntryStatus.PENDING and entry.action_kind and entry.action_kind.code == "help-student"
    assert assistance_figures(Filters(w.county))["money_yuan"] == 0.0

    o = page
    login(o, "alice")
    o.goto(o.base_url + "/assistance/review/")
    o.click(f"[data-testid=confirm-{entry.pk}]")
    o.wait_for_selector(f"[data-testid=row-{entry.pk}] >> text=已确认")
    screenshot(o, "ledger-office-confirmed")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.CONFIRMED

    m.goto(m.base_url + "/assistance/mine/")
    assert "已确认" in m.locator(f"[data-testid=entry-{entry.pk}]").inner_text()
    assert m.evaluate(FITS)
    figures = assistance_figures(Filters(w.county))
    assert figures["money_yuan"] == 1500.0 and figures["students_funded"] == 1
