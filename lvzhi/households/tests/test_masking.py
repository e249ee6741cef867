"""One masking rule for the people of poor households, on every page, export and API answer:
full names (and ID numbers, phones, health) only for a user with the personal-data right
over the household's committee (alice); everyone else sees the surname and 某某 — the member
paired with the household (王建国), the county's leader without the right, the city's clerk
without it (carol). The household: 欧阳建国 (a compound surname), his wife 李梅 and their son
欧阳小明, whose missing ID number makes the file quote his name among its problems."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from lvzhi.accounts.models import User
from lvzhi.assistance import actions as assistance_actions
from lvzhi.assistance import needs
from lvzhi.assistance.testing import log, make_household
from lvzhi.core.masking import HouseholdPrivacy, mask_name
from lvzhi.households.completeness import refresh
from lvzhi.households.models import Health, Household, HouseholdMember, Relation, Schooling
from lvzhi.households.testing import id_number
from lvzhi.members.tests.test_api import api_client
from lvzhi.testing import World

pytestmark = pytest.mark.django_db

HEAD, WIFE, SON = "欧阳建国", "李梅", "欧阳小明"
FULL_NAMES = (HEAD, WIFE, SON)
MASKED = {HEAD: "欧阳某某", WIFE: "李某某", SON: "欧阳某某"}
PHONE = "13912345678"
NEEDS_API = "/api/v1/assistance/needs"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def xlsx_rows(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def column(rows: list[list[Any]], title: str) -> list[Any]:
    index = rows[0].index(title)
    return [row[index] for row in rows[1:]]


class Family:
    """The household, paired with 王建国, helped by him (a confirmed entry), with a need
    assigned to him."""

    def __init__(self, world: World) -> None:
        h = make_household(world.county, "001", size=3)
        h.head_name, h.phone, h.main_cause = HEAD, PHONE, "illness"
        h.save(update_fields=["head_name", "phone", "main_cause"])
        people = [
            (HEAD, Relation.HEAD, dt.date(1970, 5, 1), Schooling.NONE, 1),
            (WIFE, Relation.SPOUSE, dt.date(1972, 6, 2), Schooling.NONE, 2),
            (SON, Relation.CHILD, dt.date(2014, 7, 3), Schooling.PRIMARY, None),  # no ID number
        ]
        for order, (name, relation, birth, schooling, seq) in enumerate(people):
            HouseholdMember.objects.create(
                household=h,
                organisation=world.county,
                name=name,
                id_number=id_number("530321", birth, seq) if seq else "",
                relation=relation,
                sex="M",
                birth_date=birth,
                health=Health.SERIOUS if relation == Relation.CHILD else Health.HEALTHY,
                schooling=schooling,
                sort_order=order,
            )
        refresh(h)
        self.household = h
        wang = world.member.person
        assistance_actions.pair(actor=world.alice, organisation=world.county, person=wang, household=h)
        self.entry = log(world.alice, world.county, [wang.pk], date="2024-05-01", household=h, summary="送化肥")
        need = needs.record_need(actor=world.alice, household=h, kind="school", description="孩子上学需要资助")
        self.need = needs.assign_need(actor=world.alice, need=need, person=wang, version=need.version)


@pytest.fixture
def family(world: World) -> Family:
    return Family(world)


def pages(family: Family) -> dict[str, str]:
    h = family.household
    return {
        "list": reverse("households:list"),
        "detail": reverse("households:detail", args=[h.pk]),
        "help": reverse("assistance_figures:household", args=[h.pk]),
        "entry": reverse("assistance:entry", args=[family.entry.pk]),
        "need": reverse("needs:detail", args=[family.need.pk]),
    }


def test_a_name_is_masked_as_the_surname_and_mouxmou() -> None:
    assert mask_name("张三") == "张某某"
    assert mask_name("王建国") == "王某某"
    assert mask_name("欧阳建国") == "欧阳某某"  # 复姓 keeps both characters
    assert mask_name("司马") == "司某某"  # two characters: 司 is the surname, 马 the name
    assert mask_name(" 李 梅 ") == "李某某"
    assert mask_name("") == ""


def test_the_right_is_held_over_the_committees_in_scope_only(world: World, family: Family) -> None:
    h = family.household
    assert HouseholdPrivacy.of(world.alice).shows(h)
    assert not HouseholdPrivacy.of(world.charlie).shows(h)  # the right, but over 西山县 only
    for user in (world.leader, world.carol, world.member_user, world.unit_user):
        assert not HouseholdPrivacy.of(user).shows(h), user.username


def test_alice_with_the_right_sees_the_full_names_everywhere(world: World, family: Family) -> None:
    client = client_for(world.alice)
    urls = pages(family)
    detail = client.get(urls["detail"]).content.decode()
    assert f'data-testid="head">{HEAD}<' in detail
    assert all(f'data-testid="member-name">{name}<' in detail for name in FULL_NAMES)
    assert f"成员{SON}未填身份证号码" in detail and PHONE in detail and "大病" in detail
    assert f'data-testid="head">{HEAD}<' in client.get(urls["list"]).content.decode()
    assert f"户主：{HEAD}" in client.get(urls["help"]).content.decode()
    assert HEAD in client.get(urls["entry"]).content.decode()
    assert HEAD in client.get(urls["need"]).content.decode()

    drill = xlsx_rows(
        client.get(
            reverse("assistance_figures:drill_export", args=["households_reached"]), {"organisation": "dcx"}
        ).content
    )
    assert column(drill, "户主") == [HEAD]
    register = xlsx_rows(client.get(reverse("households:export")).content)
    assert column(register, "户主姓名") == [HEAD] * 3 and column(register, "姓名") == list(FULL_NAMES)
    problems = xlsx_rows(client.get(reverse("households:completeness_export")).content)
    assert column(problems, "户主") == [HEAD] and f"成员{SON}未填身份证号码" in column(problems, "问题")[0]

    api = api_client(world.alice)
    assert [n["head_name"] for n in api.get(NEEDS_API).json()["items"]] == [HEAD]
    detail_json = api.get(f"{NEEDS_API}/{family.need.pk}").json()
    assert detail_json["head_name"] == HEAD and detail_json["phone"] == PHONE


@pytest.mark.parametrize("persona", ["leader", "carol"])
def test_staff_without_the_right_see_the_surname_and_mouxmou_everywhere(
    world: World, family: Family, persona: str
) -> None:
    user = getattr(world, persona)
    client = client_for(user)
    urls = pages(family)
    for name, url in urls.items():
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, name
        assert not [full for full in FULL_NAMES if full in html], name
    detail = client.get(urls["detail"]).content.decode()
    assert f'data-testid="head">{MASKED[HEAD]}<' in detail
    assert [f'data-testid="member-name">{MASKED[n]}<' in detail for n in FULL_NAMES] == [True] * 3
    assert f"成员{MASKED[SON]}未填身份证号码" in detail  # the problems quote him masked too
    assert PHONE not in detail and "139****5678" in detail and "大病" not in detail
    assert f'data-testid="head">{MASKED[HEAD]}<' in client.get(urls["list"]).content.decode()
    assert f"户主：{MASKED[HEAD]}" in client.get(urls["help"]).content.decode()
    need_list = client.get(reverse("needs:list")).content.decode()
    assert f"<td>{MASKED[HEAD]}</td>" in need_list and HEAD not in need_list
    completeness = client.get(
        reverse("households:completeness"),
        {"township": family.household.township_id, "village": family.household.village_id},
    ).content.decode()
    assert 'data-testid="drill-row"' in completeness and MASKED[HEAD] in completeness
    assert not [full for full in FULL_NAMES if full in completeness]

    drill = xlsx_rows(
        client.get(
            reverse("assistance_figures:drill_export", args=["households_reached"]), {"organisation": "dcx"}
        ).content
    )
    assert column(drill, "户主") == [MASKED[HEAD]]
    register = xlsx_rows(client.get(reverse("households:export")).content)
    assert column(register, "户主姓名") == [MASKED[HEAD]] * 3
    assert column(register, "姓名") == [MASKED[n] for n in FULL_NAMES]
    problems = xlsx_rows(client.get(reverse("households:completeness_export")).content)
    assert column(problems, "户主") == [MASKED[HEAD]] and SON not in column(problems, "问题")[0]
    assert f"成员{MASKED[SON]}未填身份证号码" in column(problems, "问题")[0]

    api = api_client(user)
    assert [n["head_name"] for n in api.get(NEEDS_API).json()["items"]] == [MASKED[HEAD]]
    detail_json = api.get(f"{NEEDS_API}/{family.need.pk}").json()
    assert detail_json["head_name"] == MASKED[HEAD] and detail_json["phone"] == "139****5678"


def test_the_paired_member_sees_the_household_masked(world: World, family: Family) -> None:
    client = client_for(world.member_user)
    urls = pages(family)
    for name, url in urls.items():
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, name
        assert not [full for full in FULL_NAMES if full in html], name
    assert f'data-testid="head">{MASKED[HEAD]}<' in client.get(urls["list"]).content.decode()
    detail = client.get(urls["detail"]).content.decode()
    assert f'data-testid="head">{MASKED[HEAD]}<' in detail and f'data-testid="member-name">{MASKED[WIFE]}<' in detail
    assert f"户主：{MASKED[HEAD]}" in client.get(urls["help"]).content.decode()
    mine = client.get(reverse("needs:mine")).content.decode()
    assert f"户主 {MASKED[HEAD]}" in mine and HEAD not in mine
    record = client.get(reverse("assistance_figures:member", args=[world.member.person_id])).content.decode()
    assert MASKED[HEAD] in record and HEAD not in record
    options = client.get(reverse("assistance:households"), {"organisation": "dcx", "q": "001"}).content.decode()
    assert f"001 {MASKED[HEAD]}" in options and HEAD not in options
    # The figures and the exports are the office's: the member gets 404, as for anything missing.
    drill = reverse("assistance_figures:drill_export", args=["households_reached"])
    assert client.get(drill, {"organisation": "dcx"}).status_code == 404
    assert client.get(reverse("households:export")).status_code == 404

    api = api_client(world.member_user)
    assert [n["head_name"] for n in api.get(NEEDS_API).json()["items"]] == [MASKED[HEAD]]
    assert api.get(f"{NEEDS_API}/{family.need.pk}").json()["head_name"] == MASKED[HEAD]


def test_a_masked_name_cannot_be_found_by_typing_it(world: World, family: Family) -> None:
    def found(user: User, q: str) -> bool:
        html = client_for(user).get(reverse("households:list"), {"q": q}).content.decode()
        return 'data-testid="household-row"' in html

    assert found(world.alice, HEAD) and found(world.alice, "欧阳")
    assert not found(world.leader, HEAD) and not found(world.member_user, "欧阳")
    assert found(world.leader, "001") and found(world.member_user, "001")  # the number still finds it
    options = client_for(world.member_user).get(reverse("assistance:households"), {"organisation": "dcx", "q": HEAD})
    assert "<option" not in options.content.decode()
    page = client_for(world.leader).get(reverse("households:list")).content.decode()
    assert 'placeholder="户编号"' in page


def test_the_list_reads_the_names_to_mask_in_one_query(
    world: World, family: Family, django_assert_max_num_queries: Any
) -> None:
    for n in range(2, 9):
        h = make_household(world.county, f"{n:03d}")
        born = dt.date(2010, 1, n)
        HouseholdMember.objects.create(
            household=h, organisation=world.county, name=f"孙{n}{n}", id_number=id_number("530321", born, n)
        )
        Household.objects.filter(pk=h.pk).update(problem_count=1, problems=f"成员孙{n}{n}未填与户主关系")
    client = client_for(world.leader)
    with django_assert_max_num_queries(16):
        html = client.get(reverse("households:list")).content.decode()
    assert html.count('data-testid="household-row"') == 8
    assert "成员孙某某未填与户主关系" in html and "孙22" not in html and "户主002" not in html and SON not in html
