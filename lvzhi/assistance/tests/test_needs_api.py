"""The needs API (/api/v1/assistance/needs): the list with the page's filters and pages, the
detail with the phone masked as on the page, recording through the page's action, every
status change with its version (409 when stale) and its start state (400 in Chinese), the
suggested members with readable reasons, 对接, and scope: charlie of 西山县 gets 404 for
every need of 东城县 and sees nothing in lists; a member reaches only their own needs."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lvzhi.assistance import needs
from lvzhi.assistance.models import Need, NeedKind, NeedStatus, Urgency
from lvzhi.audit.models import AuditEntry
from lvzhi.households.models import Household, Township, Village
from lvzhi.members.models import Person
from lvzhi.members.tests.test_api import api_client, patch, post
from lvzhi.testing import World, add_member, member_data

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/assistance/needs"
PHONE = "13912345678"


def household(organisation: Any, number: str, township: str = "城关镇", village: str = "红旗村") -> Household:
    town, _ = Township.objects.get_or_create(organisation=organisation, name=township)
    place, _ = Village.objects.get_or_create(organisation=organisation, township=town, name=village)
    return Household.objects.create(
        organisation=organisation,
        number=number,
        township=town,
        village=place,
        head_name=f"户主{number}",
        phone=PHONE,
        size=3,
    )


def need(world: World, h: Household, kind: str = NeedKind.MEDICAL, urgency: int = Urgency.NORMAL) -> Need:
    return needs.record_need(
        actor=world.alice, household=h, kind=kind, urgency=urgency, description=f"{h.number}的需求"
    )


def person(name: str) -> Person:
    return Person.objects.get(name=name)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def doctor(world: World) -> World:
    """The world plus 李医生, a chief physician of 东城县 (the best fit for a medical need)."""
    add_member(
        world.alice,
        world.county,
        member_data("李医生", "53032519850505011", employer="东城县人民医院", job_title="主任医师"),
    )
    return world


# -- the list -----------------------------------------------------------------------------------


def test_it_lists_needs_with_the_pages_filters(doctor: World) -> None:
    w = doctor
    medical = need(w, household(w.county, "001"), urgency=Urgency.URGENT)
    school = need(w, household(w.county, "002", township="河口镇", village="新民村"), kind=NeedKind.SCHOOL)
    job = need(w, household(w.county, "101"), kind=NeedKind.JOB, urgency=Urgency.LOW)
    needs.assign_need(actor=w.alice, need=job, person=person("李医生"), version=job.version)
    client = api_client(w.alice)
    assert ids(client.get(NEEDS)) == [medical.pk, school.pk, job.pk]  # most urgent first
    assert ids(client.get(NEEDS, {"status": "待对接"})) == [medical.pk, school.pk]
    assert ids(client.get(NEEDS, {"status": "matched"})) == [job.pk]
    assert ids(client.get(NEEDS, {"kind": "助学"})) == ids(client.get(NEEDS, {"kind": "school"})) == [school.pk]
    assert ids(client.get(NEEDS, {"urgency": "紧急"})) == ids(client.get(NEEDS, {"urgency": "3"})) == [medical.pk]
    assert ids(client.get(NEEDS, {"township": "河口镇"})) == [school.pk]
    assert ids(client.get(NEEDS, {"township": "城关镇", "village": "红旗村"})) == [medical.pk, job.pk]
    assert ids(client.get(NEEDS, {"household": "00"})) == [medical.pk, school.pk]  # 户编号 as typed: its start
    assert ids(client.get(NEEDS, {"organisation": "dcx", "kind": "job"})) == [job.pk]
    row = client.get(NEEDS, {"status": "matched"}).json()["items"][0]
    assert row["person"] == "李医生" and row["status_display"] == "已对接" and row["kind_display"] == "就业"
    assert row["household"] == "101" and row["township"] == "城关镇" and "phone" not in row  # the list has no phone

    first = client.get(NEEDS, {"page_size": 2})
    assert first.json()["count"] == 3 and ids(first) == [medical.pk, school.pk]
    assert ids(client.get(NEEDS, {"page_size": 2, "page": 2})) == [job.pk]


def test_a_wrong_filter_is_refused_in_chinese(world: World) -> None:
    client = api_client(world.alice)
    response = client.get(NEEDS, {"status": "done", "kind": "钱", "urgency": "9"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["status"].startswith("状态应为：待对接")
    assert errors["kind"].startswith("需求类别应为：助学")
    assert "1（一般）" in errors["urgency"]
    bad_page = client.get(NEEDS, {"page": "0"})
    assert bad_page.status_code == 422 and bad_page.json()["detail"] == "请求参数有误"
    assert client.get(NEEDS, {"organisation": "nowhere"}).status_code == 404


def test_the_list_makes_the_same_queries_for_3_or_30_needs(world: World) -> None:
    client = api_client(world.alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(NEEDS).status_code == 200
        return len(captured)

    for i in range(3):
        need(world, household(world.county, f"00{i}"))
    few = queries()
    for i in range(27):
        need(world, household(world.county, f"1{i:02d}", township=f"乡镇{i % 4}"))
    assert queries() == few


# -- detail and recording -------------------------------------------------------------------


def test_the_detail_masks_the_phone_unless_the_user_has_the_right(world: World) -> None:
    n = need(world, household(world.county, "001"))
    url = f"{NEEDS}/{n.pk}"
    alice = api_client(world.alice).get(url).json()
    assert alice["phone"] == PHONE and alice["head_name"] == "户主001"
    assert alice["allowed"] == ["edit", "assign", "close"]
    for user in (world.carol, world.leader):  # no personal-data right
        body = api_client(user).get(url).json()
        assert body["phone"] == "139****5678" and PHONE not in str(body)
    assert api_client(world.leader).get(url).json()["allowed"] == []
    assert api_client(world.carol).get(url).json()["allowed"] == ["edit", "assign", "close"]  # the city manages


def test_it_records_a_need_through_the_pages_action(world: World) -> None:
    household(world.county, "532501001")
    client = api_client(world.alice)
    payload = {"household": "532501001", "kind": "医疗救助", "urgency": "紧急", "description": " 老人需要定期复诊 "}
    response = post(client, NEEDS, payload)
    assert response.status_code == 201, response.content
    body = response.json()
    created = Need.objects.get()
    assert body["id"] == created.pk and body["status"] == NeedStatus.OPEN and body["version"] == 1
    assert created.kind == NeedKind.MEDICAL and created.urgency == Urgency.URGENT
    assert created.description == "老人需要定期复诊" and created.recorded_by == world.alice
    assert created.organisation == world.county
    assert AuditEntry.objects.filter(action="assistance.need.create", object_id=str(created.pk)).exists()


def test_bad_input_to_record_answers_chinese_field_errors_and_saves_nothing(world: World) -> None:
    household(world.county, "001")
    client = api_client(world.alice)
    good = {"household": "001", "kind": "medical", "description": "复诊"}

    unknown = post(client, NEEDS, {**good, "household": "999"})
    assert unknown.status_code == 400 and unknown.json()["errors"]["household"] == "未找到户编号为“999”的贫困户"
    wrong = post(client, NEEDS, {**good, "kind": "钱", "urgency": 9, "recorded_on": "2099-01-01"})
    errors = wrong.json()["errors"]
    assert wrong.status_code == 400 and set(errors) == {"kind", "urgency"}  # the choices first
    future = post(client, NEEDS, {**good, "recorded_on": "2099年1月1日"})
    assert future.status_code == 400 and future.json()["errors"]["recorded_on"] == "登记日期不能晚于今天"
    not_a_date = post(client, NEEDS, {**good, "recorded_on": "昨天"})
    assert not_a_date.status_code == 400 and "recorded_on" in not_a_date.json()["errors"]
    too_long = post(client, NEEDS, {**good, "description": "长" * 501})
    assert too_long.status_code == 400 and too_long.json()["errors"]["description"] == "需求描述不能超过500字"
    blank = post(client, NEEDS, {**good, "description": "   "})
    assert blank.json()["errors"]["description"] == "请填写需求描述"

    missing = post(client, NEEDS, {"household": "001", "kind": "medical"})
    assert missing.status_code == 422
    assert {"loc": ["body", "payload", "description"], "type": "missing", "msg": "此项为必填项"} in missing.json()[
        "errors"
    ]
    extra = post(client, NEEDS, {**good, "status": "met"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["msg"] == "不支持的字段"
    assert not Need.objects.exists()


def test_a_number_two_counties_share_needs_the_county(world: World) -> None:
    household(world.county, "001")
    household(world.other_county, "001")
    carol = api_client(world.carol)  # the city sees both counties
    payload = {"household": "001", "kind": "job", "description": "找工作"}
    both = post(carol, NEEDS, payload)
    assert both.status_code == 400 and "请填写所属县区政协代码" in both.json()["errors"]["organisation"]
    chosen = post(carol, NEEDS, {**payload, "organisation": "xsx"})
    assert chosen.status_code == 201 and chosen.json()["organisation"] == "xsx"
    assert Need.objects.get().household.organisation == world.other_county


# -- status, 对接 and suggestions -------------------------------------------------------------


def test_status_changes_go_through_the_actions_with_their_versions(doctor: World) -> None:
    w = doctor
    n = need(w, household(w.county, "001"))
    url = f"{NEEDS}/{n.pk}/status"
    client = api_client(w.alice)
    doc = person("李医生")

    no_person = post(client, url, {"status": "matched", "version": 1})
    assert no_person.status_code == 400 and no_person.json()["errors"]["person"] == "请选择对接委员"
    matched = post(client, url, {"status": "已对接", "person": doc.pk, "version": 1})
    assert matched.status_code == 200, matched.content
    body = matched.json()
    assert body["status"] == NeedStatus.MATCHED and body["person"] == "李医生" and body["version"] == 2
    assert body["match_score"] and any("主任医师" in r for r in body["match_reasons"])

    stale = post(client, url, {"status": "closed", "reason": "已搬迁", "version": 1})
    assert stale.status_code == 409 and stale.json()["detail"] == "该需求已被他人修改，请刷新页面后重试"
    no_reason = post(client, url, {"status": "closed", "reason": " ", "version": 2})
    assert no_reason.status_code == 400 and no_reason.json()["errors"]["result"] == "请填写关闭原因"
    met = post(client, url, {"status": "met", "result": "联系医院定期复诊", "version": 2})
    assert met.status_code == 200 and met.json()["status"] == NeedStatus.MET and met.json()["closed_on"]

    wrong_state = post(client, url, {"status": "closed", "reason": "已搬迁", "version": 3})
    assert wrong_state.status_code == 400 and wrong_state.json()["detail"] == "该需求当前为“已解决”，不能关闭"
    reopened = post(client, url, {"status": "重新打开", "version": 3})
    assert reopened.json()["status"] == NeedStatus.MATCHED and reopened.json()["result"] == ""  # back to 李医生
    closed = post(client, url, {"status": "closed", "reason": "已搬迁", "version": 4})
    assert closed.json()["status"] == NeedStatus.CLOSED and closed.json()["result"] == "关闭：已搬迁"

    unknown = post(client, url, {"status": "done", "version": 5})
    assert unknown.status_code == 400 and "reopen（重新打开）" in unknown.json()["errors"]["status"]
    n.refresh_from_db()
    assert n.status == NeedStatus.CLOSED and n.version == 5
    logged = AuditEntry.objects.filter(object_type="assistance.need", object_id=str(n.pk)).order_by("id")
    actions = list(logged.values_list("action", flat=True))
    assert actions == [f"assistance.need.{a}" for a in ("create", "assign", "met", "reopen", "close")]


def test_it_suggests_members_with_readable_reasons_and_assigns_one(doctor: World) -> None:
    w = doctor
    n = need(w, household(w.county, "001"))
    client = api_client(w.alice)
    response = client.get(f"{NEEDS}/{n.pk}/suggestions")
    assert response.status_code == 200
    ranked = response.json()
    assert ranked[0]["name"] == "李医生" and ranked[0]["fits"] is True
    assert {"reason": "职务职称“主任医师”含“医”，与医疗救助需求对口", "points": 30} in ranked[0]["reasons"]
    assert ranked[0]["score"] == sum(r["points"] for r in ranked[0]["reasons"])
    assert ranked[0]["score"] > ranked[-1]["score"] and ranked[-1]["fits"] is False
    assert "马六" not in {c["name"] for c in ranked}  # 西山县
    assert len(client.get(f"{NEEDS}/{n.pk}/suggestions", {"limit": 1}).json()) == 1
    assert client.get(f"{NEEDS}/{n.pk}/suggestions", {"limit": 0}).json()["errors"]["limit"]

    url = f"{NEEDS}/{n.pk}/assign"
    other_county = post(client, url, {"person": person("马六").pk, "version": 1})
    assert other_county.status_code == 400
    assert other_county.json()["errors"]["person"] == "马六不是东城县或其上级政协的在任委员"
    nobody = post(client, url, {"person": 999999, "version": 1})
    assert nobody.status_code == 400 and nobody.json()["errors"]["person"] == "没有该委员"
    assigned = post(client, url, {"person": ranked[0]["person_id"], "version": 1})
    assert assigned.status_code == 200 and assigned.json()["person"] == "李医生"
    again = post(client, url, {"person": ranked[0]["person_id"], "version": 2})
    assert again.status_code == 400 and again.json()["errors"]["person"] == "该需求已由李医生对接"
    stale = post(client, url, {"person": person("王建国").pk, "version": 1})
    assert stale.status_code == 409
    current = client.get(f"{NEEDS}/{n.pk}/suggestions").json()
    assert next(c for c in current if c["name"] == "李医生")["current"] is True
    # Leaders read needs but neither see the suggestions nor assign.
    leader = api_client(w.leader)
    assert leader.get(f"{NEEDS}/{n.pk}/suggestions").status_code == 403
    assert post(leader, url, {"person": person("王建国").pk, "version": 2}).status_code == 403
    n.refresh_from_db()
    assert n.person == person("李医生") and n.version == 2


def test_it_edits_a_need_with_its_version(world: World) -> None:
    n = need(world, household(world.county, "001"))
    client = api_client(world.alice)
    url = f"{NEEDS}/{n.pk}"
    edited = patch(client, url, {"version": 1, "urgency": "紧急", "description": "复诊并购药"})
    assert edited.status_code == 200 and edited.json()["urgency"] == 3 and edited.json()["version"] == 2
    stale = patch(client, url, {"version": 1, "kind": "school"})
    assert stale.status_code == 409
    empty = patch(client, url, {"version": 2})
    assert empty.status_code == 400 and "请至少提交" in empty.json()["errors"]["description"]
    wrong = patch(client, url, {"version": 2, "kind": "钱"})
    assert wrong.status_code == 400 and "kind" in wrong.json()["errors"]
    n.refresh_from_db()
    assert (n.kind, n.urgency, n.description, n.version) == (NeedKind.MEDICAL, 3, "复诊并购药", 2)


# -- scope ----------------------------------------------------------------------------------------


def test_charlie_gets_404_for_every_need_of_another_county_and_sees_nothing(doctor: World) -> None:
    w = doctor
    household(w.county, "001")
    n = need(w, Household.objects.get(number="001"))
    charlie = api_client(w.charlie)
    assert ids(charlie.get(NEEDS)) == []
    assert ids(charlie.get(NEEDS, {"household": "001"})) == []
    assert charlie.get(NEEDS, {"organisation": "dcx"}).status_code == 404
    url = f"{NEEDS}/{n.pk}"
    doc = person("李医生").pk
    answers = [
        charlie.get(url),
        charlie.get(f"{url}/suggestions"),
        patch(charlie, url, {"version": 1, "description": "改"}),
        post(charlie, f"{url}/status", {"status": "closed", "reason": "x", "version": 1}),
        post(charlie, f"{url}/status", {"status": "matched", "person": doc, "version": 1}),
        post(charlie, f"{url}/assign", {"person": doc, "version": 1}),
        post(charlie, NEEDS, {"household": "001", "organisation": "dcx", "kind": "job", "description": "x"}),
        charlie.get(f"{NEEDS}/999999"),
    ]
    assert [r.status_code for r in answers] == [404] * len(answers)
    assert {r.json()["detail"] for r in answers} == {"帮扶需求不存在", "政协组织不存在"}
    # Without a committee, another county's 户编号 reads exactly like a mistyped one.
    typed = post(charlie, NEEDS, {"household": "001", "kind": "job", "description": "x"})
    assert typed.status_code == 400 and typed.json()["errors"]["household"] == "未找到户编号为“001”的贫困户"
    n.refresh_from_db()
    assert Need.objects.count() == 1 and n.status == NeedStatus.OPEN and n.version == 1


def test_a_member_reaches_only_the_needs_assigned_to_them(world: World) -> None:
    mine = need(world, household(world.county, "001"), kind=NeedKind.SCHOOL)
    mine = needs.assign_need(actor=world.alice, need=mine, person=world.member.person, version=mine.version)
    other = need(world, household(world.county, "002"))
    member = api_client(world.member_user)
    assert ids(member.get(NEEDS)) == [mine.pk]
    detail = member.get(f"{NEEDS}/{mine.pk}").json()
    assert detail["allowed"] == ["met"] and detail["phone"] == "139****5678"
    assert member.get(f"{NEEDS}/{other.pk}").status_code == 404
    close = post(member, f"{NEEDS}/{mine.pk}/status", {"status": "closed", "reason": "x", "version": 2})
    assert close.status_code == 403 and close.json()["detail"] == "只有本县或上级政协机关工作人员可以管理帮扶需求"
    assert member.get(f"{NEEDS}/{mine.pk}/suggestions").status_code == 403
    done = post(member, f"{NEEDS}/{mine.pk}/status", {"status": "met", "result": "送去学习用品", "version": 2})
    assert done.status_code == 200 and done.json()["status"] == NeedStatus.MET


def test_it_needs_a_login(world: World) -> None:
    response = Client().get(NEEDS)
    assert response.status_code == 401 and response.json()["detail"] == "未登录或令牌无效"


def test_it_documents_the_needs_endpoints_in_openapi(world: World) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    documented = {(method, path) for path, item in paths.items() for method in item}
    assert {
        ("get", NEEDS),
        ("post", NEEDS),
        ("get", f"{NEEDS}/{{need_id}}"),
        ("patch", f"{NEEDS}/{{need_id}}"),
        ("post", f"{NEEDS}/{{need_id}}/status"),
        ("post", f"{NEEDS}/{{need_id}}/assign"),
        ("get", f"{NEEDS}/{{need_id}}/suggestions"),
    } <= documented
    assert paths[NEEDS]["get"]["summary"] == "帮扶需求列表（本人可见范围）"
    listed = {p["name"] for p in paths[NEEDS]["get"]["parameters"]}
    assert {"status", "kind", "urgency", "township", "village", "household", "page", "page_size"} <= listed
