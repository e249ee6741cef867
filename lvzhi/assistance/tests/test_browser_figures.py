"""助推统计 in a real Chromium: an office clerk of 东城县 reads the figures of a ledger small
enough to count by hand, narrows them by campaign and cut-off date (HTMX), follows a figure
to the entries behind it; the charts draw and the award candidates arrive after the page.
charlie of 西山县 gets 404 for all of it.

The ledger (all confirmed unless said):
- E1 王建国, 2018-03-01, 三送三帮, household 001 (4 people): 捐资1200.50元, 资助学生1名;
- E2 王建国 and 丁一, 2018-06-10, 三送三帮, household 001: 捐物3件（折币600元）, 信息5条;
- E3 丁一, 2018-11-20, 百日会战, household 002 (2 people): 捐资20000元, 产业2户, 岗位1个;
- E4 王建国 logged on 2018-11-01 and not confirmed: 捐资99999元 (counts nowhere).
By hand, to 20 November: 3 entries, 21200.50元 = 2.12万元, both members take part (100%),
2 households and 6 people reached. 三送三帮 to 31 May: E1 alone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from conftest import login, screenshot
from lvzhi.assistance.testing import campaign, log, make_household
from lvzhi.members.models import Membership
from lvzhi.testing import World

pytestmark = pytest.mark.browser

FIGURES = "/assistance/figures/"
DCX = "?organisation=dcx&to=2018-11-20"
MONTHS_CHART = "echarts.getInstanceByDom(document.getElementById('lz-chart-months')).getOption()"


def build_ledger(w: World) -> dict[str, Any]:
    people = dict(Membership.objects.filter(organisation=w.county).values_list("person__name", "person_id"))
    wang, ding = people["王建国"], people["丁一"]
    sansong = campaign(w.alice, w.county, start="2018-01-01")
    bairi = campaign(w.alice, w.county, template="bairi-huizhan", start="2018-08-15")
    h1, h2 = make_household(w.county, "001", size=4), make_household(w.county, "002", size=2)
    log(w.alice, w.county, [wang], campaign=sansong, date="2018-03-01", household=h1,
        summary="E1送学费", money="1200.50", students="1")  # fmt: skip
    log(w.alice, w.county, [wang, ding], campaign=sansong, date="2018-06-10", household=h1,
        summary="E2送化肥", goods_count="3", goods_value="600", info_items="5")  # fmt: skip
    log(w.alice, w.county, [ding], campaign=bairi, date="2018-11-20", household=h2,
        summary="E3扶持养殖", money="20000", industry_households="2", jobs="1")  # fmt: skip
    log(w.member_user, w.county, [wang], campaign=sansong, date="2018-11-01", household=h2,
        summary="E4待确认", money="99999")  # fmt: skip
    return {"sansong": sansong, "bairi": bairi}


def watch_errors(page: Any) -> list[str]:
    """JavaScript errors and failed requests (bar the browser's own favicon request)."""
    errors: list[str] = []

    def console(msg: Any) -> None:
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{msg.text} {msg.location.get('url', '')}")

    page.on("console", console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def fig(page: Any, key: str) -> Any:
    return page.locator(f"#lz-results [data-testid=fig-{key}]")


def award_rows(page: Any) -> list[str]:
    rows = page.locator("[data-testid=award-slot] [data-testid=award-table] tbody tr")
    rows.first.wait_for()
    return [" ".join(r.split()) for r in rows.all_inner_texts()]


def test_the_office_reads_narrows_and_drills_the_figures(page: Any, browser_world: World) -> None:
    w = browser_world
    ledger = build_ledger(w)
    errors = watch_errors(page)

    login(page, "alice")
    page.goto(page.base_url + FIGURES + DCX)
    assert fig(page, "entries").inner_text() == "3"
    assert fig(page, "money_yuan").inner_text() == "2.12"  # 21200.50元 in 万元; E4 is not confirmed
    assert fig(page, "goods_count").inner_text() == "3"
    assert fig(page, "goods_value_yuan").inner_text() == "0.06"
    assert fig(page, "students_funded").inner_text() == "1" and fig(page, "jobs_provided").inner_text() == "1"
    assert fig(page, "industry_households").inner_text() == "2" and fig(page, "info_items").inner_text() == "5"
    assert fig(page, "members_total").inner_text() == "2"
    assert fig(page, "participation_rate").inner_text() == "100%"
    assert fig(page, "households_reached").inner_text() == "2" and fig(page, "people_reached").inner_text() == "6"
    paragraph = page.locator("[data-testid=paragraph]").inner_text()
    assert paragraph.startswith("截至11月20日，委员们围绕“七个助推”，通过“三送三帮”、“百日会战”等活动共捐资2.12万元")
    assert "捐物3件（次）、折币约600元" in paragraph and "资助贫困学生1名" in paragraph
    assert paragraph.endswith("委员参与率达100%。")

    # The monthly chart is drawn (a canvas) from the rollup: 万元 per month, E4 left out.
    page.locator("#lz-chart-months canvas").first.wait_for()
    option = page.evaluate(MONTHS_CHART)
    assert option["xAxis"][0]["data"] == ["2018-03", "2018-06", "2018-11"]
    assert option["series"][0]["data"] == [0.12, 0, 2.0] and option["series"][1]["data"] == [0, 0.06, 0]
    # The award candidates come after the page: 丁一 (2 entries, 2.00万元) before 王建国 (2, 0.12).
    assert award_rows(page) == ["1 丁一 2 2.00 2", "2 王建国 2 0.12 1"]
    screenshot(page, "figures-office-all")

    # 三送三帮 only: E3 (百日会战) drops out; the paragraph names the one campaign.
    page.select_option("#lz-campaign", label="三送三帮（2018年1月）")
    expect(fig(page, "entries")).to_have_text("2")
    assert fig(page, "money_yuan").inner_text() == "0.12"
    assert fig(page, "households_reached").inner_text() == "1" and fig(page, "people_reached").inner_text() == "4"
    assert fig(page, "jobs_provided").inner_text() == "0"
    assert "通过“三送三帮”共捐资1200.50元" in page.locator("[data-testid=paragraph]").inner_text()
    assert f"campaign={ledger['sansong'].code}" in page.url  # the address follows the filters

    # Cut-off 31 May: E2 (June) drops out as well; 丁一 no longer took part.
    page.fill("#lz-to", "2018-05-31")
    expect(fig(page, "entries")).to_have_text("1")
    assert fig(page, "money_yuan").inner_text() == "0.12" and fig(page, "goods_count").inner_text() == "0"
    assert fig(page, "participation_rate").inner_text() == "50%"
    assert page.locator("[data-testid=paragraph]").inner_text().startswith("截至5月31日")
    assert "to=2018-05-31" in page.url
    # The chart and the lazily loaded candidates are redrawn for the new selection.
    page.locator("#lz-chart-months canvas").first.wait_for()
    option = page.evaluate(MONTHS_CHART)
    assert option["xAxis"][0]["data"] == ["2018-03"] and option["series"][0]["data"] == [0.12]
    expect(page.locator("[data-testid=award-table] tbody tr")).to_have_count(1)
    assert award_rows(page) == ["1 王建国 1 0.12 1"]
    screenshot(page, "figures-office-narrowed")

    # The money figure opens the entries behind it, with the same filters.
    fig(page, "money_yuan").click()
    page.wait_for_url("**/assistance/figures/drill/money_yuan/**")
    assert "三送三帮" in page.locator("h1").inner_text() and "2018年5月31日" in page.locator("h1").inner_text()
    rows = page.locator("[data-testid=drill-row]")
    expect(rows).to_have_count(1)
    row = " ".join(rows.first.inner_text().split())
    assert "E1送学费" in row and "王建国" in row and "001" in row and "1,200.50" in row
    screenshot(page, "figures-drill-money")
    # …and back to the page with the filters kept.
    page.click(".breadcrumb a")
    expect(fig(page, "entries")).to_have_text("1")
    assert page.locator("#lz-campaign").input_value() == ledger["sansong"].code
    assert page.locator("#lz-to").input_value() == "2018-05-31"

    page.goto(page.base_url + FIGURES + DCX)
    fig(page, "members_participating").click()
    expect(page.locator("[data-testid=drill-row]")).to_have_count(2)
    assert not errors, errors  # no JavaScript errors anywhere on the way


def test_charlie_of_another_county_gets_404_for_the_county(page: Any, browser_world: World) -> None:
    w = browser_world
    build_ledger(w)
    login(page, "charlie")
    for path in (
        FIGURES,
        FIGURES + "drill/money_yuan/",
        FIGURES + "drill/households_reached/",
        FIGURES + "candidates/",
    ):
        response = page.goto(page.base_url + path + DCX)
        assert response.status == 404, path
        assert "丁一" not in page.content() and "E1送学费" not in page.content()
    # His own county answers, with nothing of 东城县 in it.
    response = page.goto(page.base_url + FIGURES + "?organisation=xsx&to=2018-11-20")
    assert response.status == 200
    assert fig(page, "entries").inner_text() == "0" and fig(page, "money_yuan").inner_text() == "0.00"
    assert [o for o in page.locator("#lz-org option").all_inner_texts() if "东城" in o] == []
    assert award_rows(page) == ["统计期间内暂无已确认的助推台账"]
    # A member of 东城县 reads their own record, never the office's figures.
    login(page, "member")
    assert page.goto(page.base_url + FIGURES + DCX).status == 404
