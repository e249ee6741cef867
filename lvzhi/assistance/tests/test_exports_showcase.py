"""Pages of the assistance action that were missing: the .xlsx exports of the needs list and
of each figures drill-down (exactly the rows and filters on screen, scoped, masked unless the
user has the personal-data right), editing and deleting the weekly showcase (每周助推典型),
and the village (村) and demonstration-site (示范点) targets of the member's phone form.

The drill-downs run on the hand-counted ledger of test_figures_pages: the money behind
2.12万元 is E1 (1200.50元) and E3 (20000元); households reached are 001 and 002."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import login
from lvzhi.accounts.models import User
from lvzhi.assistance import actions, needs
from lvzhi.assistance.models import Entry, EntryStatus, NeedKind, NeedStatus, Showcase, Target, Urgency
from lvzhi.assistance.sites import create_site
from lvzhi.assistance.testing import make_household
from lvzhi.assistance.tests.test_figures_pages import DCX, Ledger
from lvzhi.audit.models import AuditEntry
from lvzhi.core.errors import Invalid
from lvzhi.households.models import Household
from lvzhi.members.models import Person

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHONE = "13912345678"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet(response: Any) -> list[tuple[Any, ...]]:
    """The rows of the downloaded workbook's only sheet, header first."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 1
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def column(rows: list[tuple[Any, ...]], title: str) -> list[Any]:
    index = rows[0].index(title)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def ledger(world: Any) -> Ledger:
    return Ledger(world)


# -- the needs list export -------------------------------------------------------------------


@pytest.fixture
def need_rows(world: Any) -> dict[str, Any]:
    """Three needs of 东城县: 001 (医疗, 紧急), 002 (助学) and 003 (医疗, 已对接王建国)."""
    made = {}
    for number, kind, urgency in (
        ("001", NeedKind.MEDICAL, Urgency.URGENT),
        ("002", NeedKind.SCHOOL, Urgency.NORMAL),
        ("003", NeedKind.MEDICAL, Urgency.LOW),
    ):
        household = make_household(world.county, number)
        Household.objects.filter(pk=household.pk).update(phone=PHONE)
        household.refresh_from_db()
        made[number] = needs.record_need(
            actor=world.alice, household=household, kind=kind, urgency=urgency, description=f"{number}的需求"
        )
    n = made["003"]
    made["003"] = needs.assign_need(actor=world.alice, need=n, person=world.member.person, version=n.version)
    return made


def test_the_needs_export_holds_exactly_the_filtered_list(world: Any, need_rows: dict[str, Any]) -> None:
    client = client_for(world.alice)
    page = client.get(reverse("needs:list"), {"kind": NeedKind.MEDICAL}).content.decode()
    assert f'href="{reverse("needs:export")}?kind=medical"' in page  # the link carries the filters
    rows = sheet(client.get(reverse("needs:export"), {"kind": NeedKind.MEDICAL}))
    assert rows[0][:4] == ("序号", "所属县区", "户编号", "户主")
    assert column(rows, "户编号") == ["001", "003"]  # the list's order: most urgent first
    assert column(rows, "需求类别") == ["医疗救助", "医疗救助"]
    assert column(rows, "状态") == ["待对接", "已对接"] and column(rows, "对接委员") == [None, "王建国"]
    assert column(rows, "联系电话") == [PHONE, PHONE]  # alice has the personal-data right
    assert isinstance(column(rows, "登记日期")[0], dt.datetime)  # a date cell, not text

    narrowed = sheet(client.get(reverse("needs:export"), {"status": NeedStatus.OPEN, "q": "00"}))
    assert column(narrowed, "户编号") == ["001", "002"]
    everything = sheet(client.get(reverse("needs:export"), {"status": "不是状态"}))  # left out, as on the page
    assert column(everything, "户编号") == ["001", "002", "003"]


def test_the_needs_export_masks_phones_and_is_scoped(world: Any, need_rows: dict[str, Any]) -> None:
    for user in (world.carol, world.leader):  # no personal-data right
        rows = sheet(client_for(user).get(reverse("needs:export")))
        assert column(rows, "联系电话") == ["139****5678"] * 3
        assert PHONE not in str(rows)
    nothing = sheet(client_for(world.charlie).get(reverse("needs:export")))
    assert len(nothing) == 1 and nothing[0][2] == "户编号"  # the header only
    assert client_for(world.member_user).get(reverse("needs:export")).status_code == 404


# -- the figures drill-down exports -------------------------------------------------------------


def drill_export(user: User, key: str, **params: str) -> Any:
    return client_for(user).get(reverse("assistance_figures:drill_export", args=[key]), {**DCX, **params})


def test_the_money_drill_export_lists_the_entries_behind_the_figure(world: Any, ledger: Ledger) -> None:
    html = client_for(world.alice).get(reverse("assistance_figures:drill", args=["money_yuan"]), DCX).content.decode()
    link = reverse("assistance_figures:drill_export", args=["money_yuan"]) + "?organisation=dcx&amp;to=2018-11-20"
    assert link in html and "捐资（元）" in html  # the entries hold 元, so does the column
    rows = sheet(drill_export(world.alice, "money_yuan"))
    assert rows[0] == ("序号", "日期", "所属政协", "助推活动", "行动类别", "事项", "委员", "户编号", "捐资（元）")
    assert column(rows, "事项") == ["E3扶持养殖", "E1送学费"]
    assert column(rows, "捐资（元）") == [20000, 1200.5]
    assert column(rows, "委员") == ["丁一", "王建国"] and column(rows, "户编号") == ["002", "001"]
    # The page's filters: from June on, only E3.
    assert column(sheet(drill_export(world.alice, "money_yuan", **{"from": "2018-06-01"})), "事项") == ["E3扶持养殖"]
    entries = sheet(drill_export(world.alice, "entries"))
    assert len(entries) == 4 and "E4待确认" not in str(entries)  # confirmed entries only


def test_the_household_drill_export_masks_heads_without_the_right(world: Any, ledger: Ledger) -> None:
    rows = sheet(drill_export(world.alice, "households_reached"))
    assert rows[0] == ("序号", "户编号", "乡镇", "村", "户主", "人口")
    assert rows[1:] == [(1, "001", "城关镇", "红旗村", "户主001", 4), (2, "002", "城关镇", "红旗村", "户主002", 2)]
    masked = sheet(drill_export(world.carol, "households_reached"))
    assert column(masked, "户主") == ["户某某", "户某某"]
    assert column(sheet(drill_export(world.alice, "households_paired")), "户编号") == ["002"]


def test_the_member_drill_export_holds_names_and_committees_only(world: Any, ledger: Ledger) -> None:
    rows = sheet(drill_export(world.alice, "members_participating"))
    assert rows == [("序号", "姓名", "所属政协"), (1, "丁一", "东城县"), (2, "王建国", "东城县")]
    assert column(sheet(drill_export(world.alice, "members_paired")), "姓名") == ["王建国"]


def test_drill_exports_are_scoped(world: Any, ledger: Ledger) -> None:
    assert drill_export(world.charlie, "money_yuan").status_code == 404
    assert drill_export(world.member_user, "money_yuan").status_code == 404
    assert drill_export(world.alice, "nonsense").status_code == 404
    assert drill_export(world.alice, "money_yuan", campaign="not-ours").status_code == 404
    own = sheet(drill_export(world.charlie, "money_yuan", organisation="xsx"))
    assert len(own) == 1  # his county has no entries: the header only


# -- the weekly showcase: edit and delete -------------------------------------------------------


@pytest.fixture
def pick(world: Any, ledger: Ledger) -> Showcase:
    return actions.pick_showcase(
        actor=world.alice,
        organisation=world.county,
        week=dt.date(2018, 11, 21),
        person=ledger.wang,
        story="王建国委员资助贫困学生完成学业",
    )


def edit_url(pick: Showcase) -> str:
    return reverse("assistance_figures:showcase_edit", args=[pick.pk])


def delete_url(pick: Showcase) -> str:
    return reverse("assistance_figures:showcase_delete", args=[pick.pk])


def test_the_office_edits_a_pick(world: Any, ledger: Ledger, pick: Showcase) -> None:
    client = client_for(world.alice)
    listing = client.get(reverse("assistance_figures:showcase")).content.decode()
    assert edit_url(pick) in listing and delete_url(pick) in listing
    form = client.get(edit_url(pick))
    assert form.status_code == 200 and "王建国委员资助贫困学生完成学业" in form.content.decode()
    seen = form.context["form"].initial["seen"]
    data = {"week": "2018-11-28", "person": ledger.ding.pk, "story": "丁一委员扶持养殖", "seen": seen}
    response = client.post(edit_url(pick), data)
    assert response.status_code == 302 and response["Location"] == reverse("assistance_figures:showcase")
    pick.refresh_from_db()
    assert (pick.week, pick.person, pick.story) == (dt.date(2018, 11, 26), ledger.ding, "丁一委员扶持养殖")
    log = AuditEntry.objects.get(action="assistance.showcase.update")
    assert log.actor == world.alice and log.changes["after"]["story"] == "丁一委员扶持养殖"
    assert log.changes["before"]["person"] == ledger.wang.pk


def test_a_stale_edit_or_delete_is_refused_and_changes_nothing(world: Any, ledger: Ledger, pick: Showcase) -> None:
    client = client_for(world.alice)
    seen = client.get(edit_url(pick)).context["form"].initial["seen"]
    actions.edit_showcase(  # carol, of the city, changes the story meanwhile
        actor=world.carol, item=pick, week=pick.week, person=ledger.wang, story="市政协改写的事迹"
    )
    data = {"week": "2018-11-19", "person": ledger.ding.pk, "story": "丁一", "seen": seen}
    response = client.post(edit_url(pick), data)
    assert response.status_code == 409
    assert "该助推典型已被他人修改，请刷新页面后重试" in response.content.decode()
    deleted = client.post(delete_url(pick), {"seen": seen}, follow=True)
    assert "该助推典型已被他人修改，请刷新页面后重试" in deleted.content.decode()
    pick.refresh_from_db()
    assert pick.person == ledger.wang and pick.story == "市政协改写的事迹"


def test_bad_edits_answer_in_chinese(world: Any, ledger: Ledger, pick: Showcase) -> None:
    actions.pick_showcase(
        actor=world.alice, organisation=world.county, week=dt.date(2018, 11, 28), person=ledger.ding, story="下一周"
    )
    client = client_for(world.alice)
    seen = actions.showcase_stamp(pick)
    taken = client.post(edit_url(pick), {"week": "2018-11-30", "person": ledger.wang.pk, "story": "x", "seen": seen})
    assert taken.status_code == 400
    assert "2018年11月26日这一周已选定助推典型" in taken.content.decode()
    bad = client.post(edit_url(pick), {"week": "不是日期", "person": ledger.wang.pk, "story": "", "seen": seen})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'data-testid="error-week"' in html and 'data-testid="error-story"' in html
    ma = Person.objects.get(name="马六")  # of 西山县: not a choice
    other = client.post(edit_url(pick), {"week": "2018-11-19", "person": ma.pk, "story": "x", "seen": seen})
    assert other.status_code == 400 and 'data-testid="error-person"' in other.content.decode()
    pick.refresh_from_db()
    assert pick.week == dt.date(2018, 11, 19) and pick.person == ledger.wang
    with pytest.raises(Invalid, match="不是本政协委员"):
        actions.edit_showcase(actor=world.alice, item=pick, week=pick.week, person=ma, story="x")


def test_the_office_deletes_a_pick(world: Any, ledger: Ledger, pick: Showcase) -> None:
    client = client_for(world.alice)
    response = client.post(delete_url(pick), {"seen": actions.showcase_stamp(pick)}, follow=True)
    assert "已删除助推典型" in response.content.decode()
    assert not Showcase.objects.exists()
    log = AuditEntry.objects.get(action="assistance.showcase.delete")
    assert log.changes["before"]["story"] == "王建国委员资助贫困学生完成学业"
    assert client.get(edit_url(pick)).status_code == 404


def test_only_the_office_of_the_committee_edits_or_deletes(world: Any, ledger: Ledger, pick: Showcase) -> None:
    seen = {"seen": actions.showcase_stamp(pick)}
    leader = client_for(world.leader)
    assert 'data-testid="showcase-edit"' not in leader.get(reverse("assistance_figures:showcase")).content.decode()
    assert leader.get(edit_url(pick)).status_code == 403
    assert leader.post(delete_url(pick), seen).status_code == 403
    charlie = client_for(world.charlie)
    assert charlie.get(edit_url(pick)).status_code == 404
    assert charlie.post(delete_url(pick), seen).status_code == 404
    assert client_for(world.member_user).post(delete_url(pick), seen).status_code == 404
    assert client_for(world.alice).get(delete_url(pick)).status_code == 405
    pick.refresh_from_db()
    assert Showcase.objects.count() == 1 and pick.story == "王建国委员资助贫困学生完成学业"
    # The city's clerk manages the county's picks.
    assert client_for(world.carol).post(delete_url(pick), seen).status_code == 302
    assert not Showcase.objects.exists()


# -- the member's phone form: a village or a demonstration site as the target --------------------


@pytest.fixture
def places(world: Any) -> dict[str, Any]:
    """东城县: 城关镇红旗村 and the 海坪社区 site; 西山县: 城关镇新华村 and its own site."""
    village = make_household(world.county, "001").village
    far = make_household(world.other_county, "901", village="新华村").village
    return {
        "village": village,
        "far_village": far,
        "site": create_site(
            actor=world.alice, organisation=world.county, name="海坪社区", started_on=dt.date(2018, 7, 1)
        ),
        "far_site": create_site(
            actor=world.charlie, organisation=world.other_county, name="西山示范点", started_on=dt.date(2018, 7, 1)
        ),
    }


def entry_post(**fields: Any) -> dict[str, Any]:
    return {"organisation": "dcx", "date": "2024-05-01", "summary": "捐建村卫生室", "money": "5000", **fields}


def test_the_phone_form_offers_the_villages_and_sites_of_the_members_committee(
    world: Any, places: dict[str, Any]
) -> None:
    html = client_for(world.member_user).get(reverse("assistance:entry_new")).content.decode()
    for value, label in Target.choices:
        assert f'value="{value}"' in html and str(label) in html
    assert '<optgroup label="城关镇">' in html and f'<option value="{places["village"].pk}">红旗村</option>' in html
    assert f'<option value="{places["site"].pk}">海坪社区</option>' in html
    assert "新华村" not in html and "西山示范点" not in html


def test_a_member_logs_an_entry_for_a_village(world: Any, places: dict[str, Any]) -> None:
    client = client_for(world.member_user)
    response = client.post(reverse("assistance:entry_new"), entry_post(target="village", village=places["village"].pk))
    assert response.status_code == 302, response.content.decode()
    entry = Entry.objects.get()
    assert entry.target == Target.VILLAGE and entry.village == places["village"]
    assert entry.household is None and entry.site is None and entry.status == EntryStatus.PENDING
    detail = client.get(reverse("assistance:entry", args=[entry.pk])).content.decode()
    assert "村（社区）：城关镇红旗村" in detail


def test_a_member_logs_an_entry_for_a_site(world: Any, places: dict[str, Any]) -> None:
    client = client_for(world.member_user)
    data = entry_post(target="site", site=places["site"].pk, village=places["village"].pk)
    assert client.post(reverse("assistance:entry_new"), data).status_code == 302
    entry = Entry.objects.get()
    assert entry.target == Target.SITE and entry.site == places["site"] and entry.village is None  # its field only
    assert "助推示范点：海坪社区" in client.get(reverse("assistance:entry", args=[entry.pk])).content.decode()


def test_the_household_and_general_targets_still_work(world: Any, places: dict[str, Any]) -> None:
    client = client_for(world.member_user)
    assert (
        client.post(reverse("assistance:entry_new"), entry_post(target="household", household="001")).status_code == 302
    )
    assert client.post(reverse("assistance:entry_new"), entry_post(target="general")).status_code == 302
    household_entry, general = Entry.objects.order_by("pk")
    assert household_entry.household is not None and household_entry.household.number == "001"
    assert general.target == Target.GENERAL and general.household is None and general.village is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"target": "village", "village": "@far_village"}, "village", "该村（社区）不在东城县所辖范围内"),
        ({"target": "village"}, "village", "帮扶对象为村（社区）时，请选择村"),
        ({"target": "village", "village": "不是编号"}, "village", "该村（社区）不在东城县所辖范围内"),
        ({"target": "site", "site": "@far_site"}, "site", "该示范点不属于东城县"),
        ({"target": "site"}, "site", "帮扶对象为示范点时，请选择示范点"),
        ({"target": "城堡"}, "target", "帮扶对象应为"),
    ],
)
def test_a_wrong_village_or_site_is_refused_in_chinese_and_nothing_is_saved(
    world: Any, places: dict[str, Any], fields: dict[str, str], field: str, message: str
) -> None:
    data = {key: (places[value[1:]].pk if value.startswith("@") else value) for key, value in fields.items()}
    response = client_for(world.member_user).post(reverse("assistance:entry_new"), entry_post(**data))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in text for text in errors.get(field, [])), errors
    assert not Entry.objects.exists()


def test_a_village_entry_goes_to_the_ledger_export(world: Any, places: dict[str, Any]) -> None:
    client = client_for(world.member_user)
    client.post(reverse("assistance:entry_new"), entry_post(target="village", village=places["village"].pk))
    rows = sheet(client_for(world.alice).get(reverse("assistance:ledger_export")))
    assert column(rows, "帮扶对象") == ["村（社区）"] and column(rows, "村") == ["城关镇红旗村"]


@pytest.mark.browser
def test_a_member_picks_a_village_on_a_phone(phone_page: Any, browser_world: Any) -> None:
    w = browser_world
    village = make_household(w.county, "001").village
    m = phone_page
    login(m, "member")
    m.goto(m.base_url + reverse("assistance:entry_new"))
    assert m.is_visible("input[name=household]") and not m.is_visible("select[name=village]")
    m.check("input[name=target][value=village]")
    assert m.is_visible("select[name=village]") and not m.is_visible("input[name=household]")
    m.select_option("select[name=village]", str(village.pk))
    m.fill("input[name=summary]", "为红旗村卫生室捐赠药品")
    m.fill("input[name=goods_count]", "20")
    assert m.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    m.click("[data-testid=save]")
    m.wait_for_selector("text=台账已提交")
    entry = Entry.objects.get()
    assert entry.target == Target.VILLAGE and entry.village == village and entry.goods_count == 20
