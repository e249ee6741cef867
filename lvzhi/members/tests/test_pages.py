from __future__ import annotations

from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from lvzhi.members.models import Membership, Person
from lvzhi.testing import PASSWORD, World, make_id_number

pytestmark = pytest.mark.django_db


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def form_data(m: Membership, **changes: object) -> dict[str, object]:
    p = m.person
    data: dict[str, object] = {
        "name": p.name,
        "id_number": p.id_number,
        "party": p.get_party_display(),
        "role": m.get_role_display(),
        "sector": m.sector.name if m.sector else "",
        "working_group": m.working_group.name if m.working_group else "",
        "mobile": p.mobile,
        "ethnicity": p.ethnicity,
        "version": m.version,
    }
    data.update(changes)
    return data


def test_it_creates_a_member_through_the_form(world: World) -> None:
    c = client_for("alice")
    id_number = make_id_number("53032519850505001")
    response = c.post(
        "/members/new/",
        {
            "organisation": "dcx",
            "name": "陳國華",
            "simplify": "on",
            "id_number": id_number.lower(),
            "party": "九三学社",
            "role": "委员",
            "sector": "经济界",
            "mobile": "139 0000 1111",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(id_number=id_number)
    assert person.name == "陈国华" and person.gender == "M" and person.mobile == "13900001111"
    assert str(person.birth_date) == "1985-05-05" and person.name_initials == "cgh"


def test_it_answers_bad_input_with_chinese_messages_and_saves_nothing(world: World) -> None:
    c = client_for("alice")
    before = Membership.objects.count()
    response = c.post(
        "/members/new/",
        {
            "organisation": "dcx",
            "name": "",
            "id_number": "530325198505050011",
            "party": "某党",
            "role": "委员",
            "mobile": "12345",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    for message in ("姓名不能为空", "校验位错误", "选择一个有效的选项", "手机号码应为以1开头的11位数字"):
        assert message in page
    assert Membership.objects.count() == before


def test_it_refuses_a_duplicate_seat(world: World) -> None:
    c = client_for("alice")
    response = c.post("/members/new/", form_data(world.member) | {"organisation": "dcx", "version": ""})
    assert "已在东城县委员名单中" in response.content.decode()


def test_it_refuses_a_stale_edit_instead_of_overwriting(world: World) -> None:
    """Two clerks open the same member; the second save must not silently win."""
    first, second = client_for("alice"), client_for("alice")
    stale = form_data(world.member)
    assert (
        first.post(f"/members/{world.member.pk}/edit/", form_data(world.member, employer="第一中学")).status_code == 302
    )
    response = second.post(f"/members/{world.member.pk}/edit/", {**stale, "employer": "第二中学"})
    assert "已被他人修改" in response.content.decode()
    world.member.person.refresh_from_db()
    assert world.member.person.employer == "第一中学"


def test_it_lets_leaders_read_but_not_edit(world: World) -> None:
    c = client_for("leader")
    assert c.get(f"/members/{world.member.pk}/").status_code == 200
    assert c.get(f"/members/{world.member.pk}/edit/").status_code == 403
    assert c.post(f"/members/{world.member.pk}/edit/", form_data(world.member, employer="x")).status_code == 403


def test_it_masks_personal_data_unless_allowed(world: World) -> None:
    id_number = world.member.person.id_number
    masked = id_number[:6] + "********" + id_number[-4:]
    alice_page = client_for("alice").get(f"/members/{world.member.pk}/").content.decode()
    leader_page = client_for("leader").get(f"/members/{world.member.pk}/").content.decode()
    own_page = client_for("member").get(f"/members/{world.member.pk}/").content.decode()
    assert id_number in alice_page and "13800001234" in alice_page
    assert id_number not in leader_page and masked in leader_page and "138****1234" in leader_page
    assert id_number in own_page  # a member sees their own record
    export = client_for("leader").get("/members/export/")
    cells = [str(c) for row in load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True) for c in row]
    assert id_number not in cells and masked in cells


def test_it_searches_by_name_and_pinyin_initials(world: World) -> None:
    c = client_for("carol")
    assert "王建国" in c.get("/members/?q=wjg").content.decode()
    assert "王建国" in c.get("/members/?q=WJ").content.decode()
    page = c.get("/members/?q=建国").content.decode()
    assert "王建国" in page and "丁一" not in page


def test_it_sorts_by_surname_strokes_and_exports_exactly_the_filtered_list(world: World) -> None:
    c = client_for("carol")
    page = c.get("/members/").content.decode()
    # 丁(2) before 马(3) before 王(4).
    assert page.index("丁一") < page.index("马六") < page.index("王建国")
    export = c.get("/members/export/?level=county&sector=教育界")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("序号", "姓名")
    assert [(r[1], r[7]) for r in rows[1:]] == [("王建国", "东城县")]


def test_it_filters_by_committee_level_role_and_party(world: World) -> None:
    c = client_for("carol")
    assert "王建国" in c.get("/members/?organisation=sys").content.decode()
    assert "丁一" not in c.get("/members/?organisation=sys").content.decode()
    assert "共 1 条" in c.get("/members/?level=city").content.decode()
    assert "丁一" in c.get("/members/?role=vice_chairman").content.decode()
    assert "共 3 条" in c.get("/members/?party=cdl").content.decode()
    fragment = c.get("/members/?party=cpc", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "丁一" in fragment


def test_it_shows_the_person_on_several_levels(world: World) -> None:
    page = client_for("carol").get(f"/members/{world.member.pk}/").content.decode()
    assert "东城县政协" in page and "示例市政协" in page


def test_it_shows_the_organisation_tree_and_bodies(world: World) -> None:
    c = client_for("carol")
    tree = c.get("/organisations/").content.decode()
    assert tree.index("示例市政协") < tree.index("东城县政协")
    detail = c.get("/organisations/dcx/").content.decode()
    for text in ("专门委员会", "界别", "工作组", "联络办", "委员之家", "教育界", "第十六届"):
        assert text in detail
    units = c.get("/organisations/units/?organisation=dcx").content.decode()
    assert "东城县发展和改革局" in units and "西山县教育局" not in units


def test_it_keeps_list_queries_flat(world: World, django_assert_max_num_queries: object) -> None:
    c = client_for("carol")
    with django_assert_max_num_queries(14):  # type: ignore[operator]
        c.get("/members/")
