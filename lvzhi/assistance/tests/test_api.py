"""The assistance API: a member logs an entry, the office confirms it, the figures count it;
an entry names a household, a village or a demonstration site as the import does; bad input
answers Chinese field errors and saves nothing; another county's clerk gets 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lvzhi.assistance.models import Entry, EntryStatus
from lvzhi.assistance.sites import create_site
from lvzhi.assistance.testing import campaign, log, make_household
from lvzhi.households.models import Township, Village
from lvzhi.members.tests.test_api import api_client, post
from lvzhi.testing import World

ENTRIES = "/api/v1/assistance/entries"
FIGURES = "/api/v1/assistance/figures"


@pytest.mark.django_db
def test_member_logs_office_confirms_figures_count(world: World) -> None:
    c = campaign(world.alice, world.county, start="2018-01-01")
    make_household(world.county, "H001", size=5)
    member = api_client(world.member_user)
    response = post(
        member,
        ENTRIES,
        {"organisation": "dcx", "date": "2018年11月1日", "summary": "送化肥", "campaign": c.code,
         "household": "H001", "money": "1,500", "students": "1"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == EntryStatus.PENDING and body["members"] == ["王建国"] and body["money"] == "1500.00"

    office = api_client(world.alice)
    before = office.get(FIGURES, {"organisation": "dcx", "as_of": "2018-11-20"}).json()
    assert before["money_yuan"] == 0 and before["participation_rate"] == 0

    stale = post(office, f"{ENTRIES}/{body['id']}/confirm", {"version": body["version"] + 1})
    assert stale.status_code == 409 and "刷新" in stale.json()["detail"]
    confirmed = post(office, f"{ENTRIES}/{body['id']}/confirm", {"version": body["version"]})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == EntryStatus.CONFIRMED
    after = office.get(FIGURES, {"organisation": "dcx", "as_of": "2018-11-20", "campaign": c.code}).json()
    assert after["money_yuan"] == 1500.0 and after["students_funded"] == 1
    assert after["households_reached"] == 1 and after["people_reached"] == 5
    assert 0 < after["participation_rate"] <= 1


@pytest.mark.django_db
def test_bad_input_and_scoping(world: World) -> None:
    make_household(world.county, "H001")
    office = api_client(world.alice)
    response = post(
        office,
        ENTRIES,
        {
            "organisation": "dcx",
            "date": "明天",
            "summary": "",
            "money": "-3",
            "household": "H999",
            "persons": [world.member.person_id],
        },
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "household" in errors and "户编号" in errors["household"]
    response = post(
        office,
        ENTRIES,
        {
            "organisation": "dcx",
            "date": "2018-02-30",
            "summary": "",
            "money": "-3",
            "persons": [world.member.person_id],
            "target": "面上帮扶",
        },
    )
    errors = response.json()["errors"]
    assert "不存在" in errors["date"] and "summary" in errors and "负数" in errors["money"]
    assert Entry.objects.count() == 0

    entry = post(
        office,
        ENTRIES,
        {
            "organisation": "dcx",
            "date": "2018-03-01",
            "summary": "走访",
            "household": "H001",
            "persons": [world.member.person_id],
        },
    ).json()
    charlie = api_client(world.charlie)
    assert charlie.get(FIGURES, {"organisation": "dcx"}).status_code == 404
    assert post(charlie, f"{ENTRIES}/{entry['id']}/confirm", {"version": 1}).status_code == 404
    assert charlie.get(ENTRIES).json()["items"] == []
    assert (
        post(
            charlie,
            ENTRIES,
            {"organisation": "dcx", "date": "2018-03-01", "summary": "x", "target": "面上帮扶", "persons": []},
        ).status_code
        == 404
    )
    # A member reads their own entries but not the figures.
    member = api_client(world.member_user)
    assert [e["id"] for e in member.get(ENTRIES).json()["items"]] == [entry["id"]]
    assert member.get(FIGURES, {"organisation": "dcx"}).status_code == 404


@pytest.mark.django_db
def test_the_entries_list_is_paged_in_the_database(world: World) -> None:
    household = make_household(world.county, "H001")
    for day in ("2018-03-01", "2018-03-02", "2018-03-03"):
        log(world.alice, world.county, [world.member.person_id], date=day, household=household)
    office = api_client(world.alice)
    with CaptureQueriesContext(connection) as captured:
        response = office.get(ENTRIES, {"page_size": 2})
    body = response.json()
    assert body["count"] == 3 and [e["date"] for e in body["items"]] == ["2018-03-03", "2018-03-02"]
    assert body["items"][0]["members"] == ["王建国"]
    rows = [q["sql"] for q in captured if 'FROM "assistance_entry"' in q["sql"] and "COUNT(" not in q["sql"]]
    assert rows and all("LIMIT 2" in sql for sql in rows)  # one page read, never the whole ledger
    assert office.get(ENTRIES, {"page_size": 2, "page": 2}).json()["items"][0]["date"] == "2018-03-01"


# -- a village (村) or a demonstration site (示范点) as the target ---------------------------------


def places(world: World) -> dict[str, Any]:
    """红旗村 in two townships of 东城县, 白水村 in 西山县, a site of each county."""
    red = make_household(world.county, "H001").village
    town = Township.objects.create(organisation=world.county, name="河口镇")
    other_red = Village.objects.create(organisation=world.county, township=town, name="红旗村")
    white = make_household(world.other_county, "X001", village="白水村").village
    site = create_site(actor=world.alice, organisation=world.county, name="爱心超市", started_on=dt.date(2018, 7, 1))
    far = create_site(
        actor=world.charlie, organisation=world.other_county, name="扶贫工厂", started_on=dt.date(2018, 7, 1)
    )
    return {"red": red, "other_red": other_red, "white": white, "site": site, "far": far}


def entry(**fields: Any) -> dict[str, Any]:
    return {"organisation": "dcx", "date": "2018-11-01", "summary": "修村道", "money": "5000", **fields}


@pytest.mark.django_db
def test_an_entry_names_a_village_by_id_or_name_and_township(world: World) -> None:
    p = places(world)
    office = api_client(world.alice)
    person = [world.member.person_id]
    by_id = post(office, ENTRIES, entry(village=p["red"].pk, persons=person))
    assert by_id.status_code == 201, by_id.content
    assert by_id.json()["target"] == "village" and by_id.json()["village"] == "城关镇红旗村"
    assert by_id.json()["household"] is None
    by_name = post(office, ENTRIES, entry(target="村（社区）", village="河口镇红旗村", persons=person))
    assert by_name.status_code == 201 and by_name.json()["village"] == "河口镇红旗村"
    apart = post(office, ENTRIES, entry(village="红旗村", township="城关镇", persons=person))
    assert apart.status_code == 201 and apart.json()["village"] == "城关镇红旗村"
    saved = Entry.objects.order_by("pk")
    assert [e.village_id for e in saved] == [p["red"].pk, p["other_red"].pk, p["red"].pk]
    assert {e.target for e in saved} == {"village"} and {e.household_id for e in saved} == {None}


@pytest.mark.django_db
def test_an_entry_names_a_site_by_id_or_name(world: World) -> None:
    p = places(world)
    member = api_client(world.member_user)
    by_name = post(member, ENTRIES, entry(site="爱心超市"))
    assert by_name.status_code == 201, by_name.content
    assert by_name.json()["target"] == "site" and by_name.json()["site"] == "爱心超市"
    by_id = post(member, ENTRIES, entry(target="site", site=p["site"].pk))
    assert by_id.status_code == 201 and by_id.json()["site"] == "爱心超市"
    assert list(Entry.objects.values_list("site_id", "status")) == [(p["site"].pk, "pending")] * 2


@pytest.mark.django_db
def test_a_place_of_another_county_or_an_unclear_one_saves_nothing(world: World) -> None:
    p = places(world)
    office = api_client(world.alice)
    person = [world.member.person_id]
    cases = [
        (entry(village=p["white"].pk, persons=person), "village", f"东城县所辖范围内没有ID为{p['white'].pk}的村（社区）"),
        (entry(village="白水村", persons=person), "village", "东城县所辖范围内没有名为“白水村”的村（社区）"),
        (entry(village="红旗村", persons=person), "village", "有2个“红旗村”，请写成“乡镇名村名”或同时填写乡镇"),
        (entry(village="红旗村", township="西山镇", persons=person), "village", "没有名为“西山镇红旗村”"),
        (entry(site=p["far"].pk, persons=person), "site", f"东城县没有ID为{p['far'].pk}的助推示范点"),
        (entry(site="扶贫工厂", persons=person), "site", "东城县没有名为“扶贫工厂”的助推示范点"),
        (entry(target="household", household="H001", village=p["red"].pk, persons=person), "village",
         "只有帮扶对象为“村（社区）”时才填写村（社区）"),
        (entry(target="village", persons=person), "village", "帮扶对象为村（社区）时，请选择村"),
    ]  # fmt: skip
    for payload, field, message in cases:
        response = post(office, ENTRIES, payload)
        assert response.status_code == 400, payload
        assert message in response.json()["errors"][field], response.json()
    assert Entry.objects.count() == 0
    # charlie may not log for 东城县 at all: 404, as if it did not exist.
    charlie = api_client(world.charlie)
    assert post(charlie, ENTRIES, entry(village=p["red"].pk, persons=[])).status_code == 404
    assert Entry.objects.count() == 0
