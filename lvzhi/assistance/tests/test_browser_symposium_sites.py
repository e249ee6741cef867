"""The office's two desk pages of the assistance action in a real Chromium: the symposium grid
(座谈会现场认捐, 001's "27 members pledged 1.1 million for 50 families" in one sitting), where
one bad row saves nothing and a good grid saves every row confirmed; and the demonstration
sites (助推示范点) with their projects and the members and money behind them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import login, screenshot
from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import DemoSite, Entry, EntryStatus, SiteProject, Source
from lvzhi.assistance.testing import campaign, log, make_household
from lvzhi.members.models import Membership
from lvzhi.testing import World

pytestmark = pytest.mark.browser

COLUMNS = ("members", "households", "money", "jobs", "industry_households", "note")


def fill_row(page: Any, n: int, **cells: str) -> None:
    """Types into line ``n`` (1-based) of the grid; cells not named are left as they are."""
    row = page.locator("[data-testid=grid-row]").nth(n - 1)
    for key, value in cells.items():
        assert key in COLUMNS, key
        row.locator(f"input[name={key}]").fill(value)


def test_the_office_enters_a_symposium_in_one_sitting(page: Any, browser_world: World) -> None:
    w = browser_world
    c = campaign(w.alice, w.county, start="2018-01-01")
    for number in ("001", "002", "003"):
        make_household(w.county, number)

    login(page, "alice")
    page.goto(page.base_url + "/assistance/symposium/")
    expect(page.locator("#grid-rows [data-testid=grid-row]")).to_have_count(5)
    page.select_option("#s-campaign", str(c.pk))
    page.fill("#s-date", "2018-11-20")
    page.fill("#s-title", "民营企业家委员座谈会")
    fill_row(page, 1, members="王建国", households="001", money="5000", jobs="2")
    fill_row(page, 2, members="张三", money="3000")  # nobody of that name
    fill_row(page, 3, members="丁一", households="002、003", money="-1")
    page.click("[data-testid=save]")

    alert = page.locator("[data-testid=form-error]")
    expect(alert).to_contain_text("有错误，未保存任何一行")
    errors = page.locator("[data-testid=row-error]").all_inner_texts()
    assert "第2行：本政协及上级政协委员名单中没有“张三”" in errors
    assert "第3行：金额不能为负数" in errors
    assert not any(e.startswith("第1行") for e in errors)
    assert page.locator("[data-testid=grid-row].table-danger").count() == 2
    # The grid comes back as typed, the heading too: nothing to type twice.
    assert page.locator("[data-testid=grid-row] input[name=members]").first.input_value() == "王建国"
    assert page.locator("#s-title").input_value() == "民营企业家委员座谈会"
    assert page.locator("#s-campaign").input_value() == str(c.pk)
    screenshot(page, "symposium-errors")
    assert Entry.objects.count() == 0

    # Corrected in place, and one more line added with the button.
    fill_row(page, 2, members="王建国、丁一", households="面上", money="1.2万", industry_households="3")
    fill_row(page, 3, money="3000")
    page.click("[data-testid=add-row]")
    expect(page.locator("#grid-rows [data-testid=grid-row]")).to_have_count(6)
    assert page.locator("#grid-rows [data-testid=grid-row]").nth(5).locator("th").inner_text() == "6"
    fill_row(page, 6, members="丁一", money="800", note="现场追加")
    page.click("[data-testid=save]")

    page.wait_for_url("**/assistance/ledger/?source=symposium")
    expect(page.locator(".alert-success")).to_have_text("已保存 5 条台账：2 名委员，合计 20,800.00 元")
    ledger = page.locator("[data-testid=ledger]")
    expect(ledger.locator("[data-testid=status]")).to_have_count(5)
    assert set(ledger.locator("[data-testid=status]").all_inner_texts()) == {"已确认"}
    # Money as the ledger writes it on both databases: two decimals, thousands separated.
    totals = page.locator("[data-testid=ledger-totals]").inner_text()
    assert re.fullmatch(r"合计捐资 20,800\.00 元，资助学生 0 名，就业岗位 2 个", totals), totals
    assert "民营企业家委员座谈会现场认捐" in ledger.inner_text()
    screenshot(page, "symposium-saved-ledger")

    entries = list(Entry.objects.order_by("pk"))
    assert {e.status for e in entries} == {EntryStatus.CONFIRMED} and {e.source for e in entries} == {Source.SYMPOSIUM}
    # 3000 for two households is 1500 each; the general row has no household.
    assert sorted(e.money for e in entries) == [Decimal(800), Decimal(1500), Decimal(1500), Decimal(5000), 12000]
    figures = assistance_figures(Filters(w.county, c))
    assert figures["money_yuan"] == 20800.0 and figures["jobs_provided"] == 2
    assert figures["households_reached"] == 3 and figures["members_participating"] == 2
    assert figures["industry_households"] == 3


def test_the_office_sets_up_a_site_and_sees_what_stands_behind_it(page: Any, browser_world: World) -> None:
    w = browser_world
    make_household(w.county, "001")  # its village, 城关镇红旗村, is in the county
    people = dict(Membership.objects.filter(organisation=w.county).values_list("person__name", "person_id"))

    login(page, "alice")
    page.goto(page.base_url + "/assistance/sites/")
    page.click("text=设立示范点")
    page.fill("input[name=name]", "阿依诺村示范点")
    page.select_option("select[name=village]", label="城关镇红旗村")
    page.get_by_label("示例市政协").check()  # 市县两级联动
    page.fill("input[name=started_on]", "2018-07-01")
    page.fill("textarea[name=description]", "爱心超市以积分换物品")
    page.click("[data-testid=site-form] button:has-text('保存')")
    expect(page.locator(".alert-success")).to_have_text("示范点已设立")
    site = DemoSite.objects.get()
    assert page.url.endswith(f"/assistance/sites/{site.pk}/")
    assert page.locator("h1").inner_text() == "阿依诺村示范点"
    head = page.locator("main p.small").first.inner_text()
    assert "东城县政协" in head and "市政协" in head and "城关镇红旗村" in head and "2018年7月1日" in head
    assert list(site.partners.all()) == [w.city]

    # A project: a progress beyond 100 is refused in Chinese and nothing is saved.
    page.click("text=新增项目")
    page.select_option("select[name=kind]", label="爱心超市")
    page.fill("input[name=name]", "阿依诺爱心超市")
    page.fill("input[name=budget]", "50000")
    page.fill("input[name=progress]", "120")
    page.click("[data-testid=site-form] button:has-text('保存')")
    expect(page.locator("[data-testid=error-progress]")).to_have_text("进度应为0至100之间的整数")
    assert not SiteProject.objects.exists()
    page.fill("input[name=progress]", "40")
    page.fill("textarea[name=note]", "货架已到位")
    page.click("[data-testid=site-form] button:has-text('保存')")
    expect(page.locator(".alert-success")).to_have_text("项目已保存")
    bar = page.locator("[data-testid=project-table] [role=progressbar]")
    expect(bar).to_have_attribute("aria-valuenow", "40")
    row = page.locator("[data-testid=project-table] tbody tr").first.inner_text()
    assert "爱心超市" in row and "阿依诺爱心超市" in row and "50000" in row and "货架已到位" in row
    assert page.locator("[data-testid=site-money]").inner_text() == "0.00"

    # Members give to the site: two confirmed entries count, a pending one does not.
    wang, ding = people["王建国"], people["丁一"]
    log(w.alice, w.county, [wang, ding], date="2018-08-01", target="site", site=site, summary="捐建爱心超市",
        money="300000")  # fmt: skip
    log(w.alice, w.county, [ding], date="2018-09-01", target="site", site=site, summary="补充货品", money="20000.50")
    log(w.member_user, w.county, [wang], date="2018-10-01", target="site", site=site, summary="待确认", money="999")
    page.reload()
    assert page.locator("[data-testid=site-money]").inner_text() == "320000.50"
    assert page.locator("[data-testid=site-members]").inner_text() == "2"
    assert (
        "参与委员：王建国、丁一" in page.locator("main").inner_text()
        or "参与委员：丁一、王建国" in page.locator("main").inner_text()
    )

    # The project is finished.
    page.click("[data-testid=project-table] a:has-text('修改')")
    assert page.locator("input[name=progress]").input_value() == "40"
    page.fill("input[name=progress]", "100")
    page.click("[data-testid=site-form] button:has-text('保存')")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    assert SiteProject.objects.get().progress == 100
    screenshot(page, "site-detail")

    page.goto(page.base_url + "/assistance/sites/")
    listed = " ".join(page.locator("[data-testid=site-table] tbody tr").first.inner_text().split())
    assert "阿依诺村示范点" in listed and "爱心超市（100%）" in listed and "320000.50" in listed
    screenshot(page, "site-list")

    # charlie of 西山县 neither finds nor opens it.
    login(page, "charlie")
    assert page.goto(page.base_url + f"/assistance/sites/{site.pk}/").status == 404
    page.goto(page.base_url + "/assistance/sites/")
    assert "阿依诺村示范点" not in page.locator("main").inner_text()
