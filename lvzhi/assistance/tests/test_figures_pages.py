"""The 助推统计 pages, the member's and the household's records, the weekly showcase and the
demonstration sites, against a small ledger counted by hand.

东城县 (dcx), campaign 三送三帮 from 2018-01-01, cut-off 2018-11-20:
- E1 王建国, 3 March, household 001 (4 people): 捐资1200.50元, 资助学生1名;
- E2 王建国 and 丁一, 10 June, household 001: 捐物3件（折币600元）, 送信息5条;
- E3 丁一, 20 November, household 002 (2 people): 捐资20000元, 产业2户, 岗位1个;
- E4 王建国 logged 1 November and not confirmed: 捐资99999元 (does not count).
By hand: 3 entries, money 21200.50元 (2.12万元), both members take part (100%), households
reached 2 (6 people). The money drill-down is E1 and E3."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from lvzhi.accounts.models import User
from lvzhi.assistance import actions
from lvzhi.assistance.models import DemoSite, Showcase, SiteProject
from lvzhi.assistance.sites import create_site, save_project
from lvzhi.assistance.testing import campaign, log, make_household
from lvzhi.core.errors import Invalid
from lvzhi.members.models import Membership, Person
from lvzhi.testing import World

pytestmark = pytest.mark.django_db

PAGE = reverse("assistance_figures:page")
DCX = {"organisation": "dcx", "to": "2018-11-20"}


class Ledger:
    def __init__(self, world: World) -> None:
        people = dict(Membership.objects.filter(organisation=world.county).values_list("person__name", "person_id"))
        self.wang, self.ding = Person.objects.get(pk=people["王建国"]), Person.objects.get(pk=people["丁一"])
        self.campaign = campaign(world.alice, world.county, start="2018-01-01")
        self.h1 = make_household(world.county, "001", size=4)
        self.h2 = make_household(world.county, "002", size=2)
        c, w, d = self.campaign, self.wang.pk, self.ding.pk
        log(world.alice, world.county, [w], campaign=c, date="2018-03-01", household=self.h1,
            summary="E1送学费", money="1200.50", students="1")  # fmt: skip
        log(world.alice, world.county, [w, d], campaign=c, date="2018-06-10", household=self.h1,
            summary="E2送化肥", goods_count="3", goods_value="600", info_items="5")  # fmt: skip
        log(world.alice, world.county, [d], campaign=c, date="2018-11-20", household=self.h2,
            summary="E3扶持养殖", money="20000", industry_households="2", jobs="1")  # fmt: skip
        log(world.member_user, world.county, [w], campaign=c, date="2018-11-01", household=self.h2,
            summary="E4待确认", money="99999")  # fmt: skip
        actions.pair(actor=world.alice, organisation=world.county, person=self.wang, household=self.h2,
                     started_on=dt.date(2018, 4, 1))  # fmt: skip


@pytest.fixture
def ledger(world: World) -> Ledger:
    return Ledger(world)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def figure(html: str, key: str) -> str:
    found = re.search(rf'data-testid="fig-{key}"[^>]*>([^<]*)<', html)
    assert found, key
    return found.group(1)


def drill_rows(html: str) -> int:
    return html.count('data-testid="drill-row"')


def test_the_page_shows_the_hand_counted_figures(world: World, ledger: Ledger) -> None:
    response = client_for(world.alice).get(PAGE, DCX)
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "entries") == "3"
    assert figure(html, "money_yuan") == "2.12"
    assert figure(html, "goods_count") == "3"
    assert figure(html, "participation_rate") == "100%"
    assert figure(html, "members_total") == "2"
    assert figure(html, "households_reached") == "2" and figure(html, "people_reached") == "6"
    assert figure(html, "households_paired") == "1" and figure(html, "members_paired") == "1"
    assert "截至11月20日，委员们围绕“七个助推”，通过“三送三帮”共捐资2.12万元" in html
    assert "参与率：参与委员数 ÷ 委员总数" in html  # the written definition
    awards = client_for(world.alice).get(reverse("assistance_figures:candidates"), DCX).content.decode()
    # Both took part twice: the one who gave more (丁一, 2.00万元) comes first.
    assert awards.index("丁一") < awards.index("2.00") < awards.index("王建国") < awards.index("0.12")
    assert "vendor/echarts/echarts.min.js" in html and "cdn" not in html.lower()
    assert "document.execCommand(&quot;copy&quot;)" in html or 'execCommand("copy")' in html


def test_htmx_swaps_only_the_results(world: World, ledger: Ledger) -> None:
    response = client_for(world.alice).get(PAGE, {**DCX, "to": "2018-06-30"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="figures-filter"' not in html
    assert figure(html, "entries") == "2" and figure(html, "money_yuan") == "0.12"
    assert 'id="lz-body" class="form-select form-select-sm" name="body" hx-swap-oob="true"' in html
    assert "第一工作组" in html  # the chosen committee's sectors and working groups, refreshed


def test_the_filters_narrow_the_figures(world: World, ledger: Ledger) -> None:
    client = client_for(world.alice)
    html = client.get(PAGE, {**DCX, "from": "2018-06-01"}).content.decode()
    assert figure(html, "entries") == "2" and figure(html, "money_yuan") == "2.00"
    sector = world.member.sector
    assert sector is not None
    html = client.get(PAGE, {**DCX, "body": str(sector.pk)}).content.decode()  # 教育界: 王建国 only
    assert figure(html, "members_total") == "1" and figure(html, "entries") == "2"


def test_the_money_drill_down_lists_exactly_the_entries_behind_it(world: World, ledger: Ledger) -> None:
    html = client_for(world.alice).get(reverse("assistance_figures:drill", args=["money_yuan"]), DCX).content.decode()
    assert drill_rows(html) == 2
    assert "E1送学费" in html and "E3扶持养殖" in html
    assert "E2送化肥" not in html and "E4待确认" not in html


def test_the_person_and_household_drill_downs(world: World, ledger: Ledger) -> None:
    client = client_for(world.alice)
    html = client.get(reverse("assistance_figures:drill", args=["members_paired"]), DCX).content.decode()
    assert drill_rows(html) == 1 and "王建国" in html and "丁一" not in html
    assert "13800001234" not in html and "530325" not in html  # names and committees only
    html = client.get(reverse("assistance_figures:drill", args=["households_reached"]), DCX).content.decode()
    assert drill_rows(html) == 2 and "户主001" in html  # alice may see personal data
    html = (
        client_for(world.carol)
        .get(reverse("assistance_figures:drill", args=["households_reached"]), DCX)
        .content.decode()
    )
    assert drill_rows(html) == 2 and "户主001" not in html and "户某某" in html
    assert client.get(reverse("assistance_figures:drill", args=["nonsense"]), DCX).status_code == 404


def test_the_city_sees_one_row_per_county(world: World, ledger: Ledger) -> None:
    html = client_for(world.carol).get(PAGE, {"organisation": "sys", "to": "2018-11-20"}).content.decode()
    table = html.split('data-testid="county-table"')[1].split("</table>")[0]
    assert table.count("<tr>") == 3 and "东城县政协" in table and "西山县政协" in table
    assert figure(html, "members_total") == "3" and figure(html, "money_yuan") == "2.12"


def test_the_export_holds_headline_counties_and_definitions(world: World, ledger: Ledger) -> None:
    response = client_for(world.carol).get(reverse("assistance_figures:export"), {**DCX, "organisation": "sys"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["助推统计", "分级统计", "口径说明"]
    rows = {r[0]: r[1] for r in wb["助推统计"].iter_rows(min_row=2, values_only=True) if r and r[0]}
    assert rows["捐资（元）"] == 21200.5 and rows["参与委员"] == 2
    counties = [r[0] for r in wb["分级统计"].iter_rows(min_row=2, values_only=True)]
    assert counties == ["东城县政协", "西山县政协"]
    assert any("参与率" in (r[0] or "") for r in wb["口径说明"].iter_rows(values_only=True))


def test_the_bulletin_download(world: World, ledger: Ledger) -> None:
    response = client_for(world.alice).get(reverse("assistance_figures:bulletin"), DCX)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert any(t.startswith("截至11月20日") and "2.12万元" in t for t in texts)


def test_charlie_should_have_no_access_to_dcx(world: World, ledger: Ledger) -> None:
    client = client_for(world.charlie)
    for url in (
        PAGE,
        reverse("assistance_figures:drill", args=["money_yuan"]),
        reverse("assistance_figures:export"),
        reverse("assistance_figures:bulletin"),
    ):
        assert client.get(url, DCX).status_code == 404, url
    assert client.get(reverse("assistance_figures:member", args=[ledger.ding.pk])).status_code == 404
    assert client.get(reverse("assistance_figures:household", args=[ledger.h1.pk])).status_code == 404
    # His own county still answers; an unknown campaign is as missing as a foreign one.
    assert client.get(PAGE, {"organisation": "xsx"}).status_code == 200
    assert client.get(PAGE, {"organisation": "xsx", "campaign": "nope"}).status_code == 404


def test_a_member_sees_only_their_own_record(world: World, ledger: Ledger) -> None:
    client = client_for(world.member_user)
    assert client.get(PAGE, DCX).status_code == 404
    assert client.get(reverse("assistance_figures:member", args=[ledger.ding.pk])).status_code == 404
    html = client.get(reverse("assistance_figures:member", args=[ledger.wang.pk])).content.decode()
    assert "E1送学费" in html and "E2送化肥" in html and "E3扶持养殖" not in html and "E4待确认" not in html
    assert "已确认台账2条" in html and "捐资1,200.50元" in html
    pairings = html.split('data-testid="member-pairings"')[1].split("</table>")[0]
    assert "002" in pairings and "红旗村" in pairings and "户某某" in pairings and "户主002" not in pairings


def test_the_office_sees_a_members_record_unmasked(world: World, ledger: Ledger) -> None:
    html = client_for(world.alice).get(reverse("assistance_figures:member", args=[ledger.wang.pk])).content.decode()
    assert "户主002" in html
    html = client_for(world.leader).get(reverse("assistance_figures:member", args=[ledger.wang.pk])).content.decode()
    assert "户某某" in html and "户主002" not in html  # the leader has no personal-data right


def test_the_household_help_page(world: World, ledger: Ledger) -> None:
    html = client_for(world.alice).get(reverse("assistance_figures:household", args=[ledger.h1.pk])).content.decode()
    assert "E1送学费" in html and "E2送化肥" in html and "E3扶持养殖" not in html
    helpers = html.split('data-testid="household-helpers"')[1].split("</p>")[0]
    assert "王建国" in helpers and "丁一" in helpers
    assert "捐资1,200.50元" in html and "捐物3件（次）" in html
    html = client_for(world.alice).get(reverse("assistance_figures:household", args=[ledger.h2.pk])).content.decode()
    pairings = html.split('data-testid="household-pairings"')[1].split("</table>")[0]
    assert "王建国" in pairings


def test_the_household_size_is_singular_for_one_person_in_english(world: World, ledger: Ledger) -> None:
    alone = make_household(world.county, "003", size=1)
    client = client_for(world.alice)

    def size(household_id: int, language: str) -> str:
        url = reverse("assistance_figures:household", args=[household_id])
        html = client.get(url, headers={"Accept-Language": language}).content.decode()
        found = re.search(r'data-testid="household-size">([^<]*)<', html)
        assert found, html
        return found.group(1)

    assert size(alone.pk, "en") == "1 person" and size(ledger.h1.pk, "en") == "4 people"
    assert size(alone.pk, "zh-hans") == "1人" and size(ledger.h1.pk, "zh-hans") == "4人"


def test_the_page_makes_a_bounded_number_of_queries(
    world: World, ledger: Ledger, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.carol)
    city = {"organisation": "sys", "to": "2018-11-20"}
    with django_assert_max_num_queries(42):
        assert client.get(PAGE, city).status_code == 200
    households = [make_household(world.county, f"1{i:02d}") for i in range(10)]
    for i in range(30):
        log(world.alice, world.county, [ledger.wang.pk, ledger.ding.pk], campaign=ledger.campaign,
            date=f"2018-{i % 10 + 1:02d}-15", household=households[i % 10], money=str(i + 1))  # fmt: skip
    with django_assert_max_num_queries(42):
        assert client.get(PAGE, city).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("assistance_figures:drill", args=["money_yuan"]), DCX).status_code == 200


def test_the_office_picks_the_member_of_the_week(world: World, ledger: Ledger) -> None:
    url = reverse("assistance_figures:showcase")
    client = client_for(world.alice)
    story = "王建国委员资助贫困学生完成学业"
    data = {"organisation": world.county.pk, "week": "2018-11-21", "person": ledger.wang.pk, "story": story}
    assert client.post(url, data).status_code == 302
    pick = Showcase.objects.get()
    assert pick.week == dt.date(2018, 11, 19) and pick.person == ledger.wang
    assert story in client_for(world.leader).get(url).content.decode()
    leader_page = client_for(world.leader).get(url).content.decode()
    assert 'data-testid="showcase-form"' not in leader_page
    assert story not in client_for(world.charlie).get(url).content.decode()
    bad = client.post(url, {**data, "week": "不是日期"})
    assert bad.status_code == 200 and Showcase.objects.count() == 1


# -- demonstration sites --------------------------------------------------------------------


def test_the_office_sets_up_a_site_and_its_projects(world: World, ledger: Ledger) -> None:
    client = client_for(world.alice)
    village = ledger.h1.village
    response = client.post(
        reverse("sites:create"),
        {"organisation": world.county.pk, "name": "阿依诺村示范点", "village": village.pk,
         "partners": [world.city.pk], "started_on": "2018-07-01"},
    )  # fmt: skip
    site = DemoSite.objects.get()
    assert response.status_code == 302 and list(site.partners.all()) == [world.city]
    project_url = reverse("sites:project_create", args=[site.pk])
    good = {"kind": "supermarket", "name": "爱心超市", "budget": "50000", "progress": "40", "note": "货架已到位"}
    assert client.post(project_url, good).status_code == 302
    project = SiteProject.objects.get()
    assert project.progress == 40 and project.budget == 50000
    edit = reverse("sites:project_edit", args=[site.pk, project.pk])
    assert client.post(edit, {**good, "progress": "100"}).status_code == 302
    project.refresh_from_db()
    assert project.progress == 100

    # Money behind the site: confirmed entries with it as target.
    log(world.alice, world.county, [ledger.wang.pk, ledger.ding.pk], date="2018-08-01", target="site", site=site,
        summary="捐建爱心超市", money="300000")  # fmt: skip
    html = client_for(world.carol).get(reverse("sites:detail", args=[site.pk])).content.decode()
    assert re.search(r'data-testid="site-money"[^>]*>300000\.00<', html)
    assert re.search(r'data-testid="site-members"[^>]*>2<', html)
    assert 'aria-valuenow="100"' in html
    assert "阿依诺村示范点" in client_for(world.leader).get(reverse("sites:list")).content.decode()


def test_site_forms_reject_bad_input_and_save_nothing(world: World, ledger: Ledger) -> None:
    client = client_for(world.alice)
    response = client.post(reverse("sites:create"), {"organisation": world.county.pk, "name": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "请填写示范点名称" in html and "请填写设立日期" in html
    assert not DemoSite.objects.exists()

    site = create_site(actor=world.alice, organisation=world.county, name="海坪社区", started_on=dt.date(2018, 7, 1))
    url = reverse("sites:project_create", args=[site.pk])
    response = client.post(url, {"kind": "factory", "name": "扶贫工厂", "budget": "10000", "progress": "120"})
    assert response.status_code == 200
    assert "进度应为0至100之间的整数" in response.content.decode()
    response = client.post(url, {"kind": "palace", "name": "", "budget": "很多", "progress": "50"})
    html = response.content.decode()
    assert "请选择项目类别" in html and "请填写项目名称" in html and "不是金额" in html
    assert not SiteProject.objects.exists()
    with pytest.raises(Invalid):
        save_project(actor=world.alice, site=site, data={"kind": "library", "name": "书屋", "progress": "-1"})
    with pytest.raises(Invalid) as exc:
        create_site(actor=world.alice, organisation=world.county, name="别处", started_on=dt.date(2018, 1, 1),
                    partners=[world.other_county])  # fmt: skip
    assert "partners" in exc.value.errors
    assert SiteProject.objects.count() == 0 and DemoSite.objects.count() == 1


def test_sites_are_scoped(world: World, ledger: Ledger) -> None:
    site = create_site(actor=world.alice, organisation=world.county, name="海坪社区", started_on=dt.date(2018, 7, 1))
    charlie = client_for(world.charlie)
    assert charlie.get(reverse("sites:detail", args=[site.pk])).status_code == 404
    assert "海坪社区" not in charlie.get(reverse("sites:list")).content.decode()
    assert charlie.post(reverse("sites:project_create", args=[site.pk]), {"progress": "1"}).status_code == 404
    assert client_for(world.member_user).get(reverse("sites:list")).status_code == 404
    leader = client_for(world.leader)
    assert leader.get(reverse("sites:detail", args=[site.pk])).status_code == 200
    assert leader.post(reverse("sites:project_create", args=[site.pk]), {"progress": "1"}).status_code == 403
    assert not SiteProject.objects.exists()


@pytest.mark.django_db
def test_award_candidates_load_after_the_page(world: World, ledger: Ledger) -> None:
    page = client_for(world.alice).get(PAGE, DCX).content.decode()
    assert 'data-testid="award-slot"' in page and "丁一" not in page.split('data-testid="award-slot"')[1][:300]
    url = reverse("assistance_figures:candidates")
    assert client_for(world.charlie).get(url, DCX).status_code == 404
    assert client_for(world.member_user).get(url, DCX).status_code == 404
