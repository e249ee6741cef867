"""The figures as the speeches write them: seed 001's paragraph reproduced from a ledger built
through the actions, the number formatting rules, and the quarterly bulletin (Word).

Seed 001 (富源县政协): "截至11月20日，委员们围绕“七个助推”，通过“三送三帮”共捐资248.55万元，
捐物163件（次）、折币约214万元，帮扶带动563户贫困户发展致富产业，资助贫困学生56名，协调就业
岗位132个，送信息1426条，送科技读物10000余份，委员参与率达98%。" Our 东城县 has two members,
both taking part, so the rate reads 100%."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from docx import Document

from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import Campaign
from lvzhi.assistance.report import bulletin_docx, count_text, paragraph, quarter_of, rate_text, wan
from lvzhi.assistance.testing import campaign, log, make_household
from lvzhi.members.models import Membership
from lvzhi.testing import World

AS_OF = dt.date(2018, 11, 20)
SEED_SHAPE = (
    "截至11月20日，委员们围绕“七个助推”，通过“三送三帮”共捐资248.55万元，捐物163件（次）、折币约214万元，"
    "帮扶带动563户贫困户发展致富产业，资助贫困学生56名，协调就业岗位132个，送信息1426条，"
    "送科技读物10000余份，委员参与率达100%。"
)


def seed_ledger(world: World) -> Campaign:
    """东城县's 三送三帮 to 20 November 2018, in four entries whose sums are the seed's figures;
    an entry after the cut-off and one still pending must not count."""
    people = dict(Membership.objects.filter(organisation=world.county).values_list("person__name", "person_id"))
    wang, ding = people["王建国"], people["丁一"]
    c = campaign(world.alice, world.county, template="sansong-sanbang", start="2018-01-01")
    home = make_household(world.county, "530325001", size=4)
    rows: list[tuple[list[int], str, dict[str, Any]]] = [
        ([wang], "2018-03-05", {"money": "1100000", "goods_count": "100", "goods_value": "1500000", "students": "56"}),
        ([ding], "2018-06-18", {"money": "1385500", "goods_count": "63", "goods_value": "640000", "jobs": "132"}),
        ([wang, ding], "2018-09-09", {"industry_households": "563", "info_items": "1426"}),
        ([ding], "2018-11-20", {"materials": "10346"}),
    ]
    for persons, day, quantities in rows:
        log(world.alice, world.county, persons, campaign=c, date=day, target="general", **quantities)
    log(world.alice, world.county, [wang], campaign=c, date="2018-11-21", household=home, money="500000")
    log(world.member_user, world.county, [wang], campaign=c, date="2018-11-01", household=home, money="7")
    return c


@pytest.mark.django_db
def test_it_writes_the_seed_paragraph(world: World) -> None:
    c = seed_ledger(world)
    f = Filters(world.county, c, None, AS_OF)
    figures = assistance_figures(f)
    assert figures["money_yuan"] == 2485500.0 and figures["participation_rate"] == 1.0
    assert paragraph(figures, f) == SEED_SHAPE


@pytest.mark.django_db
def test_it_says_there_is_nothing_before_the_first_entry(world: World) -> None:
    c = seed_ledger(world)
    f = Filters(world.county, c, None, dt.date(2018, 2, 1))
    text = paragraph(assistance_figures(f), f)
    assert text.startswith("截至2月1日，委员们围绕“七个助推”，通过“三送三帮”")
    assert "捐资" not in text and "委员参与率达0%" in text


def test_it_formats_numbers_as_the_speeches_do() -> None:
    assert wan(2485500) == "248.55"
    assert wan(2140000, 0) == "214"
    assert wan(15) == "0.00"
    assert count_text(1426) == "1426"
    assert count_text(9999) == "9999"
    assert count_text(10346) == "10000余"
    assert count_text(23000) == "23000"
    assert rate_text(0.976) == "97.6%"
    assert rate_text(0.98) == "98%"
    assert rate_text(1.0) == "100%"
    assert rate_text(0.0) == "0%"
    assert rate_text(None) == "—"


def test_it_finds_the_quarter_of_a_day() -> None:
    assert quarter_of(AS_OF) == (4, dt.date(2018, 10, 1), dt.date(2018, 12, 31))
    assert quarter_of(dt.date(2018, 3, 31)) == (1, dt.date(2018, 1, 1), dt.date(2018, 3, 31))


@pytest.mark.django_db
def test_the_bulletin_opens_with_the_paragraph_and_a_row_per_county(world: World) -> None:
    c = seed_ledger(world)
    since = Filters(world.city, c, None, AS_OF)
    city_paragraph = paragraph(assistance_figures(since), since)
    assert "委员参与率达66.7%" in city_paragraph  # 3 city members (王建国 twice seated counts once)

    doc = Document(io.BytesIO(bulletin_docx(world.city, AS_OF, c)))
    texts = [p.text for p in doc.paragraphs]
    assert "2018年第4季度通报" in texts[0]
    assert city_paragraph in texts
    county_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "政协"]
    assert len(county_tables) == 3  # the quarter, the year, since the start
    for table in county_tables:
        assert [row.cells[0].text for row in table.rows] == ["政协", "东城县政协", "西山县政协", "合计"]
    year = county_tables[1]
    dcx = [cell.text for cell in year.rows[1].cells]
    assert dcx[1:5] == ["2", "2", "100%", "248.55"]
    assert [cell.text for cell in year.rows[2].cells][4] == "0.00"  # 西山县 gave nothing
