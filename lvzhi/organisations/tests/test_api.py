"""Committees and handling units over the API (real HTTP), scoped like the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lvzhi.accounts.models import ApiToken, User
from lvzhi.organisations import actions as org_actions
from lvzhi.testing import World

pytestmark = pytest.mark.django_db

UNITS = "/api/v1/handling-units"


def api_client(user: User) -> Client:
    token = ApiToken.issue(user)
    return Client(headers={"Authorization": f"Bearer {token}"})


def codes(response: Any) -> set[str]:
    return {item["code"] for item in response.json()}


def test_it_lists_the_committees_in_scope(world: World) -> None:
    assert codes(api_client(world.alice).get("/api/v1/organisations")) == {"dcx"}
    assert codes(api_client(world.charlie).get("/api/v1/organisations")) == {"xsx"}
    assert codes(api_client(world.carol).get("/api/v1/organisations")) == {"sys", "dcx", "xsx"}
    assert codes(api_client(world.member_user).get("/api/v1/organisations")) == {"sys", "dcx"}
    assert codes(api_client(world.unit_user).get("/api/v1/organisations")) == {"dcx"}
    assert codes(api_client(world.sysadmin).get("/api/v1/organisations")) == {"sys", "dcx", "xsx"}
    assert api_client(world.auditor).get("/api/v1/organisations").json() == []


def test_it_describes_a_committee(world: World) -> None:
    items = api_client(world.carol).get("/api/v1/organisations").json()
    dcx = next(item for item in items if item["code"] == "dcx")
    assert dcx == {
        "code": "dcx",
        "name": "东城县政协",
        "short_name": "东城县",
        "level": "county",
        "level_display": "县级",
        "parent": "sys",
        "division_code": "",
    }


def test_it_shows_a_committee_with_bodies_by_kind_and_current_term(world: World) -> None:
    response = api_client(world.alice).get("/api/v1/organisations/dcx")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "东城县政协"
    assert body["current_term"]["name"] == "第十六届"
    groups = {g["kind"]: g for g in body["body_groups"]}
    assert [b["name"] for b in groups["sector"]["bodies"]] == ["中共界", "教育界", "经济界"]
    assert groups["sector"]["label"] == "界别"
    assert [b["name"] for b in groups["working_group"]["bodies"]] == ["第一工作组", "第二工作组"]
    assert [b["name"] for b in groups["special_committee"]["bodies"]] == ["提案委员会"]
    assert groups["member_home"]["bodies"] == []
    assert body["children"] == []


def test_it_lists_only_visible_children_of_a_city(world: World) -> None:
    body = api_client(world.carol).get("/api/v1/organisations/sys").json()
    assert body["parent"] is None
    assert set(body["children"]) == {"dcx", "xsx"}
    assert api_client(world.member_user).get("/api/v1/organisations/sys").json()["children"] == ["dcx"]


def test_it_answers_404_for_a_committee_out_of_scope(world: World) -> None:
    client = api_client(world.charlie)
    hidden = client.get("/api/v1/organisations/dcx")
    assert hidden.status_code == 404
    assert "东城县" not in hidden.content.decode()
    assert client.get("/api/v1/organisations/nowhere").json() == hidden.json()


def test_it_lists_handling_units_in_scope(world: World) -> None:
    body = api_client(world.carol).get(UNITS).json()
    assert body["count"] == 2
    assert {u["name"] for u in body["items"]} == {"东城县发展和改革局", "西山县教育局"}
    assert [u["name"] for u in api_client(world.alice).get(UNITS).json()["items"]] == ["东城县发展和改革局"]
    unit_view = api_client(world.unit_user).get(UNITS).json()
    assert [u["id"] for u in unit_view["items"]] == [world.unit.pk]
    for admin in (world.sysadmin, world.secadmin, world.auditor):
        assert api_client(admin).get(UNITS).json() == {"items": [], "count": 0}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"organisation": "dcx"}, {"东城县发展和改革局"}),
        ({"organisation": "xsx"}, {"西山县教育局"}),
        ({"q": "教育"}, {"西山县教育局"}),
        ({"kind": "government"}, {"东城县发展和改革局", "西山县教育局"}),
        ({"kind": "township"}, set()),
    ],
)
def test_it_filters_handling_units(world: World, params: dict[str, str], expected: set[str]) -> None:
    response = api_client(world.carol).get(UNITS, params)
    assert response.status_code == 200
    assert {u["name"] for u in response.json()["items"]} == expected


def test_it_paginates_handling_units(world: World) -> None:
    for i in range(3):
        org_actions.create_handling_unit(
            actor=world.alice, organisation=world.county, name=f"东城县{i}局", kind="township"
        )
    client = api_client(world.carol)
    first = client.get(UNITS, {"page_size": 2}).json()
    third = client.get(UNITS, {"page_size": 2, "page": 3}).json()
    assert (first["count"], len(first["items"])) == (5, 2)
    assert (third["count"], len(third["items"])) == (5, 1)


def test_it_shows_a_handling_unit_with_its_clerks(world: World) -> None:
    body = api_client(world.alice).get(f"{UNITS}/{world.unit.pk}").json()
    assert body["name"] == "东城县发展和改革局"
    assert body["kind_display"] == "政府部门"
    assert body["organisation"] == "dcx"
    assert body["clerks"] == [{"username": "unit", "full_name": "李办"}]


def test_it_answers_404_for_a_handling_unit_out_of_scope(world: World) -> None:
    response = api_client(world.charlie).get(f"{UNITS}/{world.unit.pk}")
    assert response.status_code == 404
    assert "发展和改革局" not in response.content.decode()
    assert response.json()["detail"] == "承办单位不存在"
    assert api_client(world.charlie).get(UNITS, {"organisation": "dcx"}).json() == {"items": [], "count": 0}


def test_it_masks_a_units_contact_phone_without_the_personal_data_right(world: World) -> None:
    unit = org_actions.create_handling_unit(
        actor=world.alice,
        organisation=world.county,
        name="东城县教育局",
        kind="government",
        contact_name="郑老师",
        contact_phone="13912345678",
    )
    assert api_client(world.alice).get(f"{UNITS}/{unit.pk}").json()["contact_phone"] == "13912345678"
    carol_view = api_client(world.carol).get(UNITS, {"q": "东城县教育局"}).json()["items"][0]
    assert (carol_view["contact_name"], carol_view["contact_phone"]) == ("郑老师", "139****5678")
