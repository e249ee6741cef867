"""Members over the API (real HTTP): the list page's scope and filters, masking of personal
data, create and edit through the same validator and actions, 404 outside scope, 409 on a
stale version, and the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lvzhi.accounts.models import ApiToken, User
from lvzhi.audit.models import AuditEntry
from lvzhi.members.models import Membership, Person
from lvzhi.testing import World, add_member, make_id_number, member_data

pytestmark = pytest.mark.django_db

MEMBERS = "/api/v1/members"


def api_client(user: User) -> Client:
    """A script's client: a bearer token, no cookies, CSRF enforced as in production."""
    token = ApiToken.issue(user)
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})


def post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def patch(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data, content_type="application/json")


def names(response: Any) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def snapshot_members() -> list[tuple[Any, ...]]:
    return list(
        Membership.objects.order_by("pk").values_list(
            "pk", "version", "code", "role", "sector_id", "person__name", "person__employer", "person__mobile"
        )
    )


# -- list ----------------------------------------------------------------------------------


def test_it_lists_the_members_of_the_clerks_committee(world: World) -> None:
    response = api_client(world.alice).get(MEMBERS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {item["organisation"] for item in body["items"]} == {"dcx"}
    assert set(names(response)) == {"王建国", "丁一"}


def test_it_gives_the_city_clerk_the_city_and_its_counties(world: World) -> None:
    body = api_client(world.carol).get(MEMBERS).json()
    assert body["count"] == 4
    assert {item["organisation"] for item in body["items"]} == {"sys", "dcx", "xsx"}


def test_it_masks_personal_data_for_a_clerk_without_the_right(world: World) -> None:
    person = world.member.person
    items = api_client(world.carol).get(MEMBERS, {"organisation": "dcx", "q": "王建国"}).json()["items"]
    assert len(items) == 1
    assert items[0]["id_number"] == person.id_number[:6] + "********" + person.id_number[-4:]
    assert items[0]["mobile"] == "138****1234"
    detail = api_client(world.carol).get(f"{MEMBERS}/{world.member.pk}").json()
    assert detail["id_number"] != person.id_number and "*" in detail["id_number"]
    assert detail["mobile"] == "138****1234"
    assert person.id_number not in api_client(world.carol).get(MEMBERS).content.decode()


def test_it_shows_personal_data_to_a_clerk_with_the_right(world: World) -> None:
    person = world.member.person
    items = api_client(world.alice).get(MEMBERS, {"q": "王建国"}).json()["items"]
    assert items[0]["id_number"] == person.id_number
    assert items[0]["mobile"] == "13800001234"
    detail = api_client(world.alice).get(f"{MEMBERS}/{world.member.pk}").json()
    assert (detail["id_number"], detail["mobile"]) == (person.id_number, "13800001234")


def test_it_shows_a_member_only_their_own_seats_unmasked(world: World) -> None:
    body = api_client(world.member_user).get(MEMBERS).json()
    assert body["count"] == 2
    assert {item["person_id"] for item in body["items"]} == {world.member.person_id}
    assert {item["organisation"] for item in body["items"]} == {"dcx", "sys"}
    assert body["items"][0]["id_number"] == world.member.person.id_number  # their own


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "auditor", "unit_user"])
def test_it_shows_administrators_and_unit_clerks_no_members(world: World, who: str) -> None:
    client = api_client(getattr(world, who))
    assert client.get(MEMBERS).json() == {"items": [], "count": 0}
    assert client.get(f"{MEMBERS}/{world.member.pk}").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"organisation": "dcx"}, {"王建国", "丁一"}),
        ({"organisation": "xsx"}, {"马六"}),
        ({"party": "cpc"}, {"丁一"}),
        ({"role": "vice_chairman"}, {"丁一"}),
        ({"role": "standing"}, {"王建国"}),
        ({"level": "city"}, {"王建国"}),
        ({"sector": "经济界"}, {"马六"}),
        ({"working_group": "第一工作组"}, {"王建国"}),
        ({"q": "丁一"}, {"丁一"}),
        ({"q": "wjg"}, {"王建国"}),
        ({"active": "0"}, set()),
        ({"organisation": "nowhere"}, set()),
    ],
)
def test_it_filters_like_the_list_page(world: World, params: dict[str, str], expected: set[str]) -> None:
    response = api_client(world.carol).get(MEMBERS, params)
    assert response.status_code == 200
    assert set(names(response)) == expected


def test_it_paginates_with_a_total_count(world: World) -> None:
    client = api_client(world.carol)
    first = client.get(MEMBERS, {"page_size": 3}).json()
    second = client.get(MEMBERS, {"page_size": 3, "page": 2}).json()
    assert (first["count"], len(first["items"])) == (4, 3)
    assert (second["count"], len(second["items"])) == (4, 1)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert client.get(MEMBERS, {"page": 9}).json() == {"items": [], "count": 4}


def test_it_lists_in_a_fixed_number_of_queries(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(12):
        add_member(
            world.alice,
            world.county,
            member_data(f"测试{i}", f"530325198501{i + 10:02d}001", sector="教育界", working_group="第二工作组"),
        )
    client = api_client(world.alice)
    # token lookup, last_used_at, count, page (with persons, committees and bodies joined)
    with django_assert_max_num_queries(5):
        response = client.get(MEMBERS)
    assert response.json()["count"] == 14


# -- detail --------------------------------------------------------------------------------


def test_it_shows_a_member_with_their_visible_seats(world: World) -> None:
    detail = api_client(world.carol).get(f"{MEMBERS}/{world.member.pk}").json()
    assert detail["name"] == "王建国"
    assert detail["organisation"] == "dcx"
    assert detail["term"] == "第十六届"
    assert (detail["sector"], detail["working_group"], detail["special_committee"]) == ("教育界", "第一工作组", None)
    assert {s["organisation"] for s in detail["seats"]} == {"dcx", "sys"}
    alice_view = api_client(world.alice).get(f"{MEMBERS}/{world.member.pk}").json()
    assert {s["organisation"] for s in alice_view["seats"]} == {"dcx"}


def test_it_answers_404_to_another_county(world: World) -> None:
    client = api_client(world.charlie)
    response = client.get(f"{MEMBERS}/{world.member.pk}")
    assert response.status_code == 404
    assert "王建国" not in response.content.decode()
    assert response.json()["detail"] == "委员不存在"
    assert client.get(f"{MEMBERS}/999999").json() == response.json()  # hidden and missing alike
    assert client.get(MEMBERS, {"organisation": "dcx"}).json() == {"items": [], "count": 0}


def test_it_refuses_another_countys_writes_with_404_and_changes_nothing(world: World) -> None:
    client = api_client(world.charlie)
    before, people = snapshot_members(), Person.objects.count()
    edit = patch(client, f"{MEMBERS}/{world.member.pk}", {"version": 1, "employer": "西山"})
    assert edit.status_code == 404
    assert "王建国" not in edit.content.decode()
    create = post(
        client,
        MEMBERS,
        {"organisation": "dcx", "name": "钱七", "id_number": make_id_number("53032519900505005"), "sector": "无此界"},
    )
    assert create.status_code == 404
    assert "教育界" not in create.content.decode()  # no body names of 东城县 leak
    assert snapshot_members() == before
    assert Person.objects.count() == people


# -- create --------------------------------------------------------------------------------


def test_it_creates_a_member_and_audits_it_as_api(world: World) -> None:
    id_number = make_id_number("53032519900505005")
    response = post(
        api_client(world.alice),
        MEMBERS,
        {
            "organisation": "dcx",
            "name": "钱 七",
            "id_number": id_number,
            "mobile": "139 0000 1111",
            "party": "民进",
            "role": "常委",
            "sector": "经济界",
            "employer": "东城县第一中学",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["party"], body["role"], body["sector"]) == ("钱七", "capd", "standing", "经济界")
    assert (body["id_number"], body["mobile"], body["gender"]) == (id_number, "13900001111", "男")
    membership = Membership.objects.get(pk=body["id"])
    assert membership.organisation == world.county and membership.term is not None
    entry = AuditEntry.objects.get(action="member.create", object_id=str(membership.pk))
    assert (entry.source, entry.actor, entry.organisation_id) == ("api", world.alice, world.county.pk)
    assert id_number not in str(entry.changes)


def test_it_refuses_a_bad_id_number_with_a_chinese_field_error(world: World) -> None:
    before, people = snapshot_members(), Person.objects.count()
    response = post(
        api_client(world.alice),
        MEMBERS,
        {"organisation": "dcx", "name": "钱七", "id_number": "53032519900505005X", "mobile": "12345"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "提交的内容有误，请按提示修改"
    assert body["errors"]["id_number"] == "身份证号码校验位错误"
    assert body["errors"]["mobile"] == "手机号码应为以1开头的11位数字"
    assert snapshot_members() == before and Person.objects.count() == people
    assert not AuditEntry.objects.filter(action="member.create", source="api").exists()


def test_it_refuses_missing_required_fields_and_unknown_bodies(world: World) -> None:
    response = post(api_client(world.alice), MEMBERS, {"organisation": "dcx", "sector": "外星界"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["name"] == "姓名不能为空"
    assert errors["id_number"] == "身份证号码不能为空"
    assert errors["sector"].startswith("东城县没有名为“外星界”的界别")


def test_it_refuses_a_duplicate_seat(world: World) -> None:
    response = post(
        api_client(world.alice),
        MEMBERS,
        {"organisation": "dcx", "name": "王建国", "id_number": world.member.person.id_number},
    )
    assert response.status_code == 400
    assert "已在东城县委员名单中" in response.json()["errors"]["id_number"]


def test_it_refuses_unknown_fields(world: World) -> None:
    response = post(api_client(world.alice), MEMBERS, {"organisation": "dcx", "name": "钱七", "nickname": "七"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["msg"] == "不支持的字段"


def test_it_refuses_writes_by_those_who_only_read(world: World) -> None:
    payload = {"organisation": "dcx", "name": "钱七", "id_number": make_id_number("53032519900505005")}
    for user in (world.leader, world.member_user):
        response = post(api_client(user), MEMBERS, payload)
        assert response.status_code == 403
        assert response.json()["detail"] == "只有本级政协机关工作人员可以维护委员信息"
    assert post(api_client(world.sysadmin), MEMBERS, payload).status_code == 403
    assert not Person.objects.filter(name="钱七").exists()


# -- edit ----------------------------------------------------------------------------------


def test_it_edits_only_the_fields_sent(world: World) -> None:
    url = f"{MEMBERS}/{world.member.pk}"
    response = patch(api_client(world.alice), url, {"version": 1, "employer": "东城县人民医院", "role": "常委"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["employer"], body["role"]) == (2, "东城县人民医院", "standing")
    assert (body["sector"], body["working_group"], body["party"]) == ("教育界", "第一工作组", "cdl")
    entry = AuditEntry.objects.filter(action="member.update", object_id=str(world.member.pk)).latest("id")
    assert entry.source == "api"


def test_it_refuses_a_stale_version_and_keeps_the_first_edit(world: World) -> None:
    url = f"{MEMBERS}/{world.member.pk}"
    alice, carol = api_client(world.alice), api_client(world.carol)
    version = alice.get(url).json()["version"]
    assert carol.get(url).json()["version"] == version
    first = patch(carol, url, {"version": version, "employer": "示例市政协机关"})
    assert first.status_code == 200
    second = patch(alice, url, {"version": version, "employer": "东城县人民医院", "code": "0099"})
    assert second.status_code == 409
    assert second.json()["detail"] == "该记录已被他人修改，请刷新页面后重试"
    current = alice.get(url).json()
    assert (current["employer"], current["code"], current["version"]) == ("示例市政协机关", "", version + 1)


def test_it_requires_the_version(world: World) -> None:
    response = patch(api_client(world.alice), f"{MEMBERS}/{world.member.pk}", {"employer": "东城县人民医院"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][-1] == "version"
    assert response.json()["errors"][0]["msg"] == "此项为必填项"


def test_it_validates_edits_with_the_shared_validator(world: World) -> None:
    url = f"{MEMBERS}/{world.member.pk}"
    client = api_client(world.alice)
    before = snapshot_members()
    bad = patch(client, url, {"version": 1, "name": "", "party": "火星党", "gender": "女"})
    assert bad.status_code == 400
    errors = bad.json()["errors"]
    assert errors["name"] == "姓名不能为空"
    assert errors["party"] == "无法识别的政治面貌“火星党”"
    assert errors["gender"] == "性别与身份证号码不符"
    assert snapshot_members() == before


def test_it_refuses_personal_data_edits_without_the_right(world: World) -> None:
    url = f"{MEMBERS}/{world.member.pk}"
    response = patch(api_client(world.carol), url, {"version": 1, "mobile": "13900002222"})
    assert response.status_code == 403
    assert "身份证号码、手机号码" in response.json()["detail"]
    world.member.person.refresh_from_db()
    assert world.member.person.mobile == "13800001234"


def test_it_saves_personal_data_edits_with_the_right(world: World) -> None:
    url = f"{MEMBERS}/{world.member.pk}"
    ok = patch(api_client(world.alice), url, {"version": 1, "mobile": "13900002222"})
    assert ok.status_code == 200 and ok.json()["mobile"] == "13900002222"


def test_it_refuses_a_member_editing_their_own_record(world: World) -> None:
    response = patch(api_client(world.member_user), f"{MEMBERS}/{world.member.pk}", {"version": 1, "code": "1"})
    assert response.status_code == 403
    world.member.refresh_from_db()
    assert (world.member.code, world.member.version) == ("", 1)
