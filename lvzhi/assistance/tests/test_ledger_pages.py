"""The ledger pages through the test client: a member logs on the phone page (待确认, not
counted), the office confirms (counted), returns with a reason, confirms in a batch, exports
exactly the filtered rows and enters a symposium in one sitting; bad input and stale pages
save nothing; charlie of 西山县 and other members see nothing."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lvzhi.assistance import actions
from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import Campaign, Entry, EntryStatus, Pledge, Source
from lvzhi.assistance.testing import campaign, log, make_household
from lvzhi.households.models import Household
from lvzhi.members.models import Membership
from lvzhi.testing import World, add_member, member_data

pytestmark = pytest.mark.django_db

DAY = "2024-05-01"


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def person_id(world: World, name: str) -> int:
    return Membership.objects.filter(organisation=world.county, person__name=name).values_list("person_id", flat=True)[
        0
    ]


def money_counted(world: World) -> float:
    return float(assistance_figures(Filters(world.county))["money_yuan"])


@pytest.fixture
def ledger(world: World) -> dict[str, Any]:
    c = campaign(world.alice, world.county)
    paired = make_household(world.county, "001")
    make_household(world.county, "002")  # in the county, not paired: typed by number
    make_household(world.other_county, "901")
    actions.pair(actor=world.alice, organisation=world.county, person=world.member.person, household=paired)
    return {"campaign": c, "kind": c.action_kinds.get(code="help-student"), "household": paired}


def entry_post(ledger: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    data = {
        "organisation": "dcx",
        "date": DAY,
        "campaign": str(ledger["campaign"].pk),
        "action_kind": str(ledger["kind"].pk),
        "target": "household",
        "household": "001",
        "summary": "资助王小明上学",
        "money": "1200.50",
        "students": "1",
    }
    data.update(overrides)
    return data


def test_it_logs_a_member_entry_as_pending_and_counts_it_once_confirmed(world: World, ledger: dict[str, Any]) -> None:
    member = client_for(world.member_user)
    response = member.post(reverse("assistance:entry_new"), entry_post(ledger))
    assert response.status_code == 302 and response["Location"] == reverse("assistance:mine")
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.PENDING and entry.source == Source.MEMBER
    assert entry.household == ledger["household"] and entry.money == Decimal("1200.50")
    assert list(entry.persons.values_list("name", flat=True)) == ["王建国"]
    assert money_counted(world) == 0.0
    mine = member.get(reverse("assistance:mine")).content.decode()
    assert "待确认" in mine and "资助王小明上学" in mine

    alice = client_for(world.alice)
    assert "资助王小明上学" in alice.get(reverse("assistance:review")).content.decode()
    response = alice.post(reverse("assistance:entry_confirm", args=[entry.pk]), {"version": entry.version})
    assert response.status_code == 302
    assert money_counted(world) == 1200.5
    assert "已确认" in member.get(reverse("assistance:mine")).content.decode()
    timeline = member.get(reverse("assistance:entry", args=[entry.pk])).content.decode()
    assert "填报" in timeline and "确认" in timeline


def test_it_resolves_a_typed_household_number_of_the_county(world: World, ledger: dict[str, Any]) -> None:
    response = client_for(world.member_user).post(reverse("assistance:entry_new"), entry_post(ledger, household="002"))
    assert response.status_code == 302
    assert Entry.objects.get().household == Household.objects.get(number="002")


def test_it_adds_co_members_and_the_member_himself(world: World, ledger: dict[str, Any]) -> None:
    ding = person_id(world, "丁一")
    data = entry_post(ledger)
    data["persons"] = [str(ding)]
    client_for(world.member_user).post(reverse("assistance:entry_new"), data)
    assert set(Entry.objects.get().persons.values_list("name", flat=True)) == {"王建国", "丁一"}


def test_the_phone_form_has_numeric_keyboards_and_todays_date(world: World, ledger: dict[str, Any]) -> None:
    page = client_for(world.member_user).get(reverse("assistance:entry_new")).content.decode()
    assert 'inputmode="decimal"' in page and 'inputmode="numeric"' in page
    assert f'value="{dt.date.today().isoformat()}"' in page
    assert 'accept="image/*"' in page and "multiple" in page


def test_the_kinds_select_follows_the_campaign(world: World, ledger: dict[str, Any]) -> None:
    response = client_for(world.member_user).get(reverse("assistance:kinds"), {"campaign": ledger["campaign"].pk})
    assert "帮助一名学生完成学业" in response.content.decode()
    charlie = client_for(world.charlie).get(reverse("assistance:kinds"), {"campaign": ledger["campaign"].pk})
    assert "帮助一名学生完成学业" not in charlie.content.decode()


def test_the_office_returns_an_entry_with_a_reason(world: World, ledger: dict[str, Any]) -> None:
    entry = log(world.member_user, world.county, [world.member.person_id], date=DAY, household=ledger["household"])
    alice = client_for(world.alice)
    url = reverse("assistance:entry_reject", args=[entry.pk])
    response = alice.post(url, {"version": entry.version, "reason": ""})
    assert response.status_code == 400 and "请填写退回原因" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PENDING

    response = alice.post(url, {"version": entry.version, "reason": "请补充走访照片"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "已退回" in response.content.decode()  # the inbox row, swapped
    entry.refresh_from_db()
    assert entry.status == EntryStatus.REJECTED and entry.reject_reason == "请补充走访照片"
    mine = client_for(world.member_user).get(reverse("assistance:mine")).content.decode()
    assert "已退回" in mine and "请补充走访照片" in mine


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"money": "-5"}, "money", "金额不能为负数"),
        ({"date": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "date", "日期不能晚于今天"),
        ({"summary": ""}, "summary", "请填写帮扶事项"),
        ({"household": "999"}, "household", "没有户编号为“999”的贫困户"),
        ({"household": "901"}, "household", "没有户编号为“901”的贫困户"),  # 西山县's household
        ({"students": "两名"}, "students", "不是非负整数"),
    ],
)
def test_it_rerenders_bad_input_with_chinese_messages_and_saves_nothing(
    world: World, ledger: dict[str, Any], overrides: dict[str, str], field: str, message: str
) -> None:
    response = client_for(world.member_user).post(reverse("assistance:entry_new"), entry_post(ledger, **overrides))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-testid="error-{field}"' in page and message in page
    assert 'value="资助王小明上学"' in page or field == "summary"  # what was typed comes back
    assert Entry.objects.count() == 0


def test_a_stale_version_gets_the_conflict_message_and_changes_nothing(world: World, ledger: dict[str, Any]) -> None:
    entry = log(world.member_user, world.county, [world.member.person_id], date=DAY, household=ledger["household"])
    stale = entry.version
    actions.reject_entry(actor=world.alice, entry=entry, version=stale, reason="金额有误")
    data = entry_post(ledger, summary="改过的事项", version=str(stale))
    response = client_for(world.member_user).post(reverse("assistance:entry_edit", args=[entry.pk]), data)
    assert response.status_code == 409
    assert "这条台账已被他人修改，请刷新后再操作" in response.content.decode()
    entry.refresh_from_db()
    assert entry.summary == "走访慰问" and entry.status == EntryStatus.REJECTED


def test_a_member_edits_a_returned_entry_and_it_goes_back_for_confirmation(
    world: World, ledger: dict[str, Any]
) -> None:
    entry = log(world.member_user, world.county, [world.member.person_id], date=DAY, household=ledger["household"])
    entry = actions.reject_entry(actor=world.alice, entry=entry, version=entry.version, reason="金额有误")
    data = entry_post(ledger, money="800", version=str(entry.version))
    response = client_for(world.member_user).post(reverse("assistance:entry_edit", args=[entry.pk]), data)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PENDING and entry.money == Decimal("800")


def test_a_member_deletes_a_pending_entry_but_cannot_edit_a_confirmed_one(world: World, ledger: dict[str, Any]) -> None:
    member = client_for(world.member_user)
    pending = log(world.member_user, world.county, [world.member.person_id], date=DAY, household=ledger["household"])
    wang, household = world.member.person_id, ledger["household"]
    confirmed = log(world.member_user, world.county, [wang], date=DAY, household=household, confirm_by=world.alice)
    member.post(reverse("assistance:entry_delete", args=[pending.pk]), {"version": pending.version})
    assert not Entry.objects.filter(pk=pending.pk).exists()
    assert member.post(reverse("assistance:entry_delete", args=[confirmed.pk]), {"version": 2}).status_code == 404
    response = member.post(reverse("assistance:entry_edit", args=[confirmed.pk]), entry_post(ledger, money="1"))
    assert response.status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.money == 0 and Entry.objects.filter(pk=confirmed.pk).exists()


def test_the_office_confirms_a_batch(world: World, ledger: dict[str, Any]) -> None:
    wang = world.member.person_id
    first = log(world.member_user, world.county, [wang], date=DAY, household=ledger["household"], money="100")
    second = log(world.member_user, world.county, [wang], date=DAY, household=ledger["household"], money="250")
    left = log(world.member_user, world.county, [wang], date=DAY, household=ledger["household"], money="7")
    response = client_for(world.alice).post(
        reverse("assistance:review"), {"entry": [f"{first.pk}:{first.version}", f"{second.pk}:{second.version}"]}
    )
    assert response.status_code == 302
    statuses = dict(Entry.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "confirmed", second.pk: "confirmed", left.pk: "pending"}
    assert money_counted(world) == 350.0


def test_a_batch_with_a_stale_row_confirms_nothing(world: World, ledger: dict[str, Any]) -> None:
    wang = world.member.person_id
    first = log(world.member_user, world.county, [wang], date=DAY, household=ledger["household"], money="100")
    second = log(world.member_user, world.county, [wang], date=DAY, household=ledger["household"], money="250")
    actions.reject_entry(actor=world.alice, entry=second, version=second.version, reason="重复")
    alice = client_for(world.alice)
    picked = {"entry": [f"{first.pk}:{first.version}", f"{second.pk}:{second.version}"]}
    response = alice.post(reverse("assistance:review"), picked, follow=True)
    assert "这条台账已被他人修改" in response.content.decode()
    assert Entry.objects.get(pk=first.pk).status == EntryStatus.PENDING
    assert money_counted(world) == 0.0


def test_the_office_records_an_entry_for_several_members_confirmed_at_once(
    world: World, ledger: dict[str, Any]
) -> None:
    data = entry_post(ledger, money="3000")
    data["persons"] = [str(world.member.person_id), str(person_id(world, "丁一"))]
    response = client_for(world.alice).post(reverse("assistance:entry_new"), data)
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.CONFIRMED and entry.source == Source.OFFICE
    assert entry.persons.count() == 2 and money_counted(world) == 3000.0


def test_the_office_entry_needs_a_member(world: World, ledger: dict[str, Any]) -> None:
    response = client_for(world.alice).post(reverse("assistance:entry_new"), entry_post(ledger))
    assert response.status_code == 400 and "请至少选择一名委员" in response.content.decode()
    assert Entry.objects.count() == 0


def test_the_export_holds_exactly_the_filtered_rows(world: World, ledger: dict[str, Any]) -> None:
    wang, ding = world.member.person_id, person_id(world, "丁一")
    h = ledger["household"]
    c = ledger["campaign"]
    log(world.alice, world.county, [wang], date="2024-03-01", household=h, campaign=c, summary="甲", money="10")
    log(world.alice, world.county, [ding], date="2024-04-01", household=h, campaign=c, summary="乙", money="20")
    log(world.alice, world.county, [wang], date="2024-04-02", household=h, summary="丙", money="40")
    log(world.member_user, world.county, [wang], date="2024-04-03", household=h, campaign=c, summary="丁")
    query = {"campaign": c.pk, "status": "confirmed", "date_from": "2024-03-15"}
    alice = client_for(world.alice)
    listed = alice.get(reverse("assistance:ledger"), query).content.decode()
    assert "乙" in listed and "甲</a>" not in listed and "丙</a>" not in listed
    fragment = alice.get(reverse("assistance:ledger"), query, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "乙" in fragment  # HTMX swaps the table only
    response = alice.get(reverse("assistance:ledger_export"), query)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["事项"] == "乙" and row["委员"] == "丁一" and row["捐资（元）"] == 20 and row["户编号"] == "001"
    member_rows = alice.get(reverse("assistance:ledger_export"), {"member": "王建国"}).content
    names = [r[9] for r in list(load_workbook(io.BytesIO(member_rows)).active.iter_rows(values_only=True))[1:]]
    assert sorted(names) == ["丁", "丙", "甲"]


def test_amounts_read_the_same_on_every_database(world: World, ledger: dict[str, Any]) -> None:
    """A sum is Decimal('20800') on SQLite and Decimal('20800.00') on PostgreSQL: every page
    shows 20,800.00, as the symposium's message does."""
    wang, h = world.member.person_id, ledger["household"]
    big = log(world.alice, world.county, [wang], date=DAY, household=h, summary="甲", money="20000", students="1")
    log(world.alice, world.county, [wang], date=DAY, household=h, summary="乙", money="800", goods_count="2",
        goods_value="1500")  # fmt: skip
    alice = client_for(world.alice)
    html = alice.get(reverse("assistance:ledger")).content.decode()
    totals = re.search(r'data-testid="ledger-totals">([^<]*)<', html)
    assert totals and totals.group(1) == "合计捐资 20,800.00 元，资助学生 1 名，就业岗位 0 个"
    assert "捐资 20,000.00元" in html and "捐资 800.00元" in html and "（1,500.00元）" in html
    fragment = alice.get(reverse("assistance:ledger"), {"status": "rejected"}, headers={"HX-Request": "true"})
    assert "合计捐资 0.00 元，资助学生 0 名" in fragment.content.decode()  # nothing: 0.00, not “None”
    detail = alice.get(reverse("assistance:entry", args=[big.pk])).content.decode()
    assert re.search(r'data-testid="q-money">20,000.00 元<', detail)
    record = alice.get(reverse("assistance_figures:member", args=[wang])).content.decode()
    member_totals = record.split('data-testid="member-totals">')[1].split("</div>")[0]
    assert "捐资20,800.00元" in member_totals and "捐物折币1,500.00元" in member_totals
    mine = client_for(world.member_user).get(reverse("assistance:mine")).content.decode()
    assert "20,000.00元" in mine and "800.00元" in mine


def symposium_post(ledger: dict[str, Any], rows: list[dict[str, str]]) -> dict[str, Any]:
    keys = ("members", "households", "money", "jobs", "industry_households", "note")
    data: dict[str, Any] = {"campaign": str(ledger["campaign"].pk), "date": DAY, "title": "民营企业家委员座谈会"}
    for key in keys:
        data[key] = [row.get(key, "") for row in rows]
    return data


def test_a_symposium_with_one_bad_row_saves_nothing(world: World, ledger: dict[str, Any]) -> None:
    rows = [
        {"members": "王建国", "households": "001", "money": "5000"},
        {"members": "张三", "money": "3000"},  # nobody of that name
        {"members": "丁一", "households": "", "money": "-1"},
    ]
    response = client_for(world.alice).post(reverse("assistance:symposium"), symposium_post(ledger, rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "第2行：本政协及上级政协委员名单中没有“张三”" in page
    assert "第3行：金额不能为负数" in page
    assert 'value="王建国"' in page  # the grid comes back as typed
    assert Entry.objects.count() == 0


def test_a_symposium_saves_every_row_confirmed(world: World, ledger: dict[str, Any]) -> None:
    rows = [
        {"members": "王建国", "households": "001", "money": "5000", "jobs": "2"},
        {},  # an empty line of the grid is skipped
        {"members": "王建国、丁一", "households": "面上", "money": "1.2万", "industry_households": "3"},
    ]
    alice = client_for(world.alice)
    form = alice.get(reverse("assistance:symposium")).content.decode()
    assert form.count('data-testid="grid-row"') == 6 and "增加一行" in form  # five lines and the template
    assert client_for(world.member_user).get(reverse("assistance:symposium")).status_code == 404
    response = alice.post(reverse("assistance:symposium"), symposium_post(ledger, rows))
    assert response.status_code == 302
    entries = list(Entry.objects.order_by("pk"))
    assert [e.status for e in entries] == ["confirmed", "confirmed"]
    assert {e.source for e in entries} == {Source.SYMPOSIUM} and entries[0].batch == "座谈会：民营企业家委员座谈会"
    assert entries[1].target == "general" and entries[1].persons.count() == 2
    figures = assistance_figures(Filters(world.county))
    assert figures["money_yuan"] == 17000.0 and figures["jobs_provided"] == 2


def test_001s_27_members_and_110_wan_for_50_families_in_one_sitting(world: World, ledger: dict[str, Any]) -> None:
    names = []
    for i in range(27):
        name = f"委员{chr(0x4E00 + i * 7)}"
        add_member(world.alice, world.county, member_data(name, f"53032519800101{i + 100:03d}"))
        names.append(name)
    numbers = [f"H{i:03d}" for i in range(50)]
    for number in numbers:
        make_household(world.county, number)
    row = {"members": "、".join(names), "households": "、".join(numbers), "money": "110万"}
    response = client_for(world.alice).post(reverse("assistance:symposium"), symposium_post(ledger, [row]))
    assert response.status_code == 302, response.content.decode()[:2000]
    figures = assistance_figures(Filters(world.county))
    assert figures["money_yuan"] == 1_100_000.0
    assert figures["households_reached"] == 50 and figures["members_participating"] == 27
    assert Entry.objects.filter(status=EntryStatus.CONFIRMED).count() == 50


def test_charlie_of_another_county_gets_404_everywhere(world: World, ledger: dict[str, Any]) -> None:
    entry = log(world.member_user, world.county, [world.member.person_id], date=DAY, household=ledger["household"])
    charlie = client_for(world.charlie)
    assert charlie.get(reverse("assistance:entry", args=[entry.pk])).status_code == 404
    assert charlie.get(reverse("assistance:entry_edit", args=[entry.pk])).status_code == 404
    assert charlie.post(reverse("assistance:entry_confirm", args=[entry.pk]), {"version": 1}).status_code == 404
    assert charlie.post(reverse("assistance:entry_reject", args=[entry.pk]), {"version": 1}).status_code == 404
    assert charlie.post(reverse("assistance:entry_delete", args=[entry.pk]), {"version": 1}).status_code == 404
    assert charlie.get(reverse("assistance:campaign", args=[ledger["campaign"].pk])).status_code == 404
    export = charlie.get(reverse("assistance:ledger_export"), {"campaign": ledger["campaign"].pk})
    assert export.status_code == 404
    everything = charlie.get(reverse("assistance:ledger_export"))
    assert len(list(load_workbook(io.BytesIO(everything.content)).active.iter_rows())) == 1  # the header only
    assert "走访慰问" not in charlie.get(reverse("assistance:review")).content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PENDING


def test_a_member_cannot_see_another_members_entry(world: World, ledger: dict[str, Any]) -> None:
    other = log(world.alice, world.county, [person_id(world, "丁一")], date=DAY, household=ledger["household"])
    member = client_for(world.member_user)
    assert member.get(reverse("assistance:entry", args=[other.pk])).status_code == 404
    assert member.get(reverse("assistance:entry_edit", args=[other.pk])).status_code == 404
    assert member.get(reverse("assistance:review")).status_code == 404
    assert member.get(reverse("assistance:ledger")).status_code == 404
    assert member.post(reverse("assistance:entry_confirm", args=[other.pk]), {"version": 1}).status_code == 404


def test_a_member_cannot_confirm_his_own_entry(world: World, ledger: dict[str, Any]) -> None:
    entry = log(world.member_user, world.county, [world.member.person_id], date=DAY, household=ledger["household"])
    response = client_for(world.member_user).post(reverse("assistance:entry_confirm", args=[entry.pk]), {"version": 1})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PENDING


def test_the_office_starts_a_campaign_from_a_template(world: World) -> None:
    carol = client_for(world.carol)
    bad = carol.post(reverse("assistance:campaign_new"), {"template": "", "start_date": "2024-01-01"})
    assert bad.status_code == 400 and "请选择活动模板" in bad.content.decode()
    data = {"template": "bairi-huizhan", "start_date": "2024-01-01", "targets": ["dcx"]}
    response = carol.post(reverse("assistance:campaign_new"), data)
    assert response.status_code == 302
    c = Campaign.objects.get()
    assert c.name == "百日会战" and c.end_date == dt.date(2024, 4, 9) and c.action_kinds.count() == 6
    assert list(c.targets.values_list("code", flat=True)) == ["dcx"]
    assert client_for(world.member_user).get(reverse("assistance:campaign_new")).status_code == 404
    assert "百日会战" in client_for(world.alice).get(reverse("assistance:campaigns")).content.decode()
    assert "百日会战" not in client_for(world.charlie).get(reverse("assistance:campaigns")).content.decode()


def test_a_member_pledges_and_withdraws_and_the_office_records_a_pledge(world: World, ledger: dict[str, Any]) -> None:
    c, kind = ledger["campaign"], ledger["kind"]
    member = client_for(world.member_user)
    url = reverse("assistance:pledge", args=[c.pk])
    assert member.post(url, {"action_kind": kind.pk, "capacity": "0"}).status_code == 400
    assert member.post(url, {"action_kind": kind.pk, "capacity": "2"}).status_code == 302
    item = Pledge.objects.get()
    assert item.person_id == world.member.person_id and item.capacity == 2 and item.organisation == world.county
    assert "帮助一名学生完成学业" in member.get(reverse("assistance:mine")).content.decode()
    assert client_for(world.charlie).post(reverse("assistance:pledge_withdraw", args=[item.pk])).status_code == 404
    member.post(reverse("assistance:pledge_withdraw", args=[item.pk]))
    assert not Pledge.objects.exists()

    alice = client_for(world.alice)
    unknown = alice.post(url, {"person": "张三", "capacity": "1"})
    assert unknown.status_code == 400 and "没有“张三”" in unknown.content.decode()
    assert alice.post(url, {"person": "丁一", "capacity": "1", "money": "5000"}).status_code == 302
    recorded = Pledge.objects.get()
    assert recorded.source == Source.OFFICE and recorded.money == Decimal("5000")
