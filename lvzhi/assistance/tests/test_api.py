"""The assistance API: a member logs an entry, the office confirms it, the figures count it;
bad input answers Chinese field errors; another county's clerk gets 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lvzhi.assistance.models import Entry, EntryStatus
from lvzhi.assistance.testing import campaign, log, make_household
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
