"""结对 in a real Chromium: the office of 东城县 pairs 王建国 with a registered household on
its file and later ends the pairing; in between 王建国 finds the household on his phone with
ID numbers, phone and health masked, and afterwards it is gone from his sight."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import login, screenshot
from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import Pairing
from lvzhi.core.identity import mask_id_number, mask_mobile
from lvzhi.households.loading import load_households
from lvzhi.households.models import Household
from lvzhi.households.testing import id_number
from lvzhi.testing import World

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= window.innerWidth"
NUMBER = "5303210010001"
PHONE = "13912345678"
IDS = [id_number("530321", dt.date(born, 4, 2), seq) for born, seq in ((1968, 11), (1970, 12), (2012, 13))]


def person(number: str, head: str, name: str, idn: str, relation: str, **extra: str) -> dict[str, str]:
    """One row of the county's sheet ({field key: value}), the household's columns repeated."""
    return {"number": number, "township": "城关镇", "village": "红旗村", "head_name": head, "phone": PHONE,
            "main_cause": "因病", "status": "未脱贫", "name": name, "id_number": idn, "relation": relation,
            "health": "健康", "labour": "普通劳动力", **extra}  # fmt: skip


def load_register(w: World) -> Household:
    """Through the county's own import: a household of three, and 王五's, never paired."""
    rows = [
        person(NUMBER, "张德华", "张德华", IDS[0], "户主", health="大病"),
        person(NUMBER, "张德华", "李秀兰", IDS[1], "配偶"),
        person(NUMBER, "张德华", "张小明", IDS[2], "子女", schooling="小学"),
        person("5303210010002", "王五", "王五", id_number("530321", dt.date(1960, 1, 1), 14), "户主"),
    ]
    report = load_households(actor=w.alice, organisation=w.county, rows=rows)
    assert report.saved and not report.errors, report.errors
    return Household.objects.get(number=NUMBER)


def test_the_office_pairs_a_member_who_then_sees_the_household_masked(
    page: Any, phone_page: Any, browser_world: World
) -> None:
    w = browser_world
    household = load_register(w)
    detail = f"/households/{household.pk}/"

    o = page
    login(o, "alice")
    o.goto(o.base_url + detail)
    assert o.locator("[data-testid=problems]").inner_text() == "档案完整"
    pairings = o.locator("[data-testid=pairings]")
    assert pairings.inner_text().strip() == "尚无委员结对"
    o.select_option("#pair-person", label="王建国（东城县）")
    o.fill("#pair-date", "2018-03-01")
    o.click("[data-testid=pair-form] button")
    expect(o.locator(".alert-success[role=alert]")).to_have_text("王建国已与本户结对")
    assert o.url.endswith(detail)
    assert " ".join(pairings.inner_text().split()) == "王建国 2018年3月1日起 结束结对"
    screenshot(o, "household-paired-office")
    pairing = Pairing.objects.get()
    assert pairing.person == w.member.person and pairing.started_on == dt.date(2018, 3, 1)
    figures = assistance_figures(Filters(w.county))
    assert figures["households_paired"] == 1 and figures["people_paired"] == 3

    m = phone_page
    login(m, "member")
    m.goto(m.base_url + "/households/")
    rows = m.locator("[data-testid=household-row]")
    expect(rows).to_have_count(1)  # his household only, not 王五's
    assert NUMBER in rows.first.inner_text()
    assert m.locator("[data-testid=export]").count() == 0
    assert m.evaluate(FITS)
    rows.first.locator("a").click()
    m.wait_for_url(f"**{detail}")
    assert m.locator("[data-testid=id-number]").all_inner_texts() == [mask_id_number(i) for i in IDS]
    assert set(m.locator("[data-testid=health]").all_inner_texts()) == {"***"}
    assert m.locator("[data-testid=phone]").inner_text() == mask_mobile(PHONE)
    html = m.content()
    assert PHONE not in html and not any(i in html for i in IDS) and "大病" not in html
    assert "身份证号码、电话和健康状况已按个人信息保护要求隐藏" in html
    assert m.locator("[data-testid=pair-form]").count() == 0 and "结束结对" not in html  # the office's to do
    assert "王建国" in m.locator("[data-testid=pairings]").inner_text()
    assert m.evaluate(FITS)
    screenshot(m, "household-paired-member-phone")
    # His own assistance record lists the pairing, the head of household's name masked.
    m.goto(m.base_url + f"/assistance/figures/members/{w.member.person_id}/")
    paired = " ".join(m.locator("[data-testid=member-pairings] tbody tr").first.inner_text().split())
    assert paired == f"{NUMBER} 红旗村 张某某 2018-03-01 —"
    assert m.evaluate(FITS)

    # The office ends the pairing; the household leaves the member's sight.
    o.click("[data-testid=pairings] button:has-text('结束结对')")
    expect(o.locator(".alert-success[role=alert]")).to_have_text("已结束与王建国的结对")
    assert pairings.inner_text().strip() == "尚无委员结对"
    pairing.refresh_from_db()
    assert pairing.ended_on is not None
    assert assistance_figures(Filters(w.county))["households_paired"] == 0

    assert m.goto(m.base_url + detail).status == 404
    m.goto(m.base_url + "/households/")
    expect(m.locator("[data-testid=household-row]")).to_have_count(0)
    assert "没有符合条件的贫困户" in m.locator("[data-testid=household-table]").inner_text()
    m.goto(m.base_url + f"/assistance/figures/members/{w.member.person_id}/")
    ended = " ".join(m.locator("[data-testid=member-pairings] tbody tr").first.inner_text().split())
    assert ended.startswith(f"{NUMBER} 红旗村 张某某 2018-03-01 ") and not ended.endswith("—")


def test_charlie_can_neither_see_nor_pair_the_household(page: Any, browser_world: World) -> None:
    w = browser_world
    household = load_register(w)
    login(page, "charlie")
    assert page.goto(page.base_url + f"/households/{household.pk}/").status == 404
    page.goto(page.base_url + "/households/")
    assert NUMBER not in page.locator("main").inner_text()
    # A forged pairing form posted from his own session answers 404 and changes nothing.
    status = page.evaluate(
        """async ([url, person]) => {
            const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
            const body = new URLSearchParams({csrfmiddlewaretoken: token, person: person, started_on: "2018-03-01"});
            return (await fetch(url, {method: "POST", body: body, redirect: "manual"})).status;
        }""",
        [f"/households/{household.pk}/pair/", str(w.member.person_id)],
    )
    assert status == 404
    assert not Pairing.objects.exists()
