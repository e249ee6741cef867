"""The household register import from real files: bad rows with row, column and reason,
nothing half-saved, re-import, duplicates across villages and in the database, an .xls and a
GB18030 .csv, the completeness check, the command line, and scoping."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt
from django.core.management import call_command
from django.core.management.base import CommandError

from lvzhi.core.errors import NotFound
from lvzhi.households.completeness import problems, township_report
from lvzhi.households.loading import HouseholdImporter, load_households
from lvzhi.households.models import Household, HouseholdMember
from lvzhi.households.testing import HEADER, id_number, person_row, synthetic_rows
from lvzhi.testing import World

pytestmark = pytest.mark.django_db

A = id_number("530321", dt.date(1970, 5, 1), 11)
B = id_number("530321", dt.date(1972, 6, 2), 22)
C = id_number("530321", dt.date(2012, 7, 3), 33)
D = id_number("530321", dt.date(1965, 8, 4), 44)


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["东城县建档立卡贫困户信息表"])  # a title row above the header, as counties do
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def good_rows() -> list[list[Any]]:
    return [
        person_row("H001", "张三", "张三", A, "户主", 工资性收入=6000, 转移性收入=1200),
        person_row("H001", "张三", "李梅", B, "配偶"),
        person_row("H001", "张三", "张小明", C, "子女", 在校生状况="小学"),
        person_row("H002", "王五", "王五", D, "户主", **{"行政村（社区）": "白水村"}),
    ]


def run(world: World, content: bytes, name: str = "户.xlsx", **kwargs: Any) -> Any:
    return HouseholdImporter(actor=world.alice, organisation=world.county).run(content, name, **kwargs)


def test_a_good_file_is_saved_with_its_figures(world: World) -> None:
    report = run(world, xlsx(good_rows()))
    assert report.saved and not report.errors, report.errors
    h1 = Household.objects.get(number="H001")
    assert h1.size == 3 and h1.head_name == "张三" and h1.township.name == "城关镇"
    assert h1.income_total == 7200 and h1.per_capita_income == 2400
    assert [m.relation for m in h1.members.all()] == ["head", "spouse", "child"]
    assert h1.members.get(name="张小明").birth_date == dt.date(2012, 7, 3)
    assert Household.objects.get(number="H002").village.name == "白水村"


def test_bad_rows_are_reported_and_nothing_is_saved(world: World) -> None:
    bad_check = A[:-1] + ("0" if A[-1] != "0" else "1")
    rows = [
        person_row("H001", "张三", "张三", bad_check, "户主"),
        person_row("H001", "张三", "李梅", B, "配偶", 健康状况="很好"),
        person_row("H002", "王五", "王五", D, "户主", 工资性收入="-10"),
        person_row("H003", "赵六", "赵六", C, "配偶"),  # no head in H003
        person_row("H004", "钱七", "钱七", B, "户主", **{"行政村（社区）": "白水村"}),  # B again, another village
        person_row("H005", "孙八", "孙八", 530321197001010011, "户主"),  # typed as a number
        person_row("H006", "周九", "周九", id_number("530321", dt.date(1980, 1, 1), 99), "户主"),
    ]
    report = run(world, xlsx(rows))
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(3, "身份证号码")] == "身份证号码校验位错误"
    assert "很好" in messages[(4, "健康状况")]
    assert "负数" in messages[(5, "工资性收入")]
    assert "没有户主" in messages[(6, "与户主关系")]
    assert messages[(7, "身份证号码")] == "与第4行（户编号H001，红旗村）的身份证号码重复"
    assert "存成了数字" in messages[(8, "身份证号码")]
    assert not report.saved and Household.objects.count() == 0 and HouseholdMember.objects.count() == 0

    # Valid rows only: whole households without a bad row; H001 (one bad row) is skipped.
    report = run(world, xlsx(rows), mode="valid_only")
    assert report.saved
    assert list(Household.objects.values_list("number", flat=True)) == ["H006"]
    assert any("整户未导入：H001、H002、H003、H004、H005" in w for w in report.warnings)


def test_full_width_digits_and_household_consistency(world: World) -> None:
    full = A.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    rows = [
        person_row("Ｈ００１", "张三", "张三", full, "户主"),
        person_row("H001", "张三", "李梅", B, "配偶", 主要致贫原因="因残"),
    ]
    report = run(world, xlsx(rows))
    assert [(e.row, e.column) for e in report.errors] == [(4, "主要致贫原因")]
    assert "与本户第3行" in report.errors[0].message
    rows[1] = person_row("H001", "张三", "李梅", B, "配偶")
    report = run(world, xlsx(rows))
    assert report.saved, report.errors
    assert HouseholdMember.objects.get(name="张三").id_number == A


def test_reimport_updates_members_and_database_duplicates(world: World) -> None:
    assert run(world, xlsx(good_rows())).saved
    # H001 again with one member less: updated, not duplicated.
    rows = [*good_rows()[:2], good_rows()[3]]
    report = run(world, xlsx(rows))
    assert report.saved and report.updated == 3 and report.created == 0
    assert Household.objects.count() == 2 and Household.objects.get(number="H001").size == 2
    # C (removed from H001) can now be registered elsewhere; A cannot.
    rows = [person_row("H009", "张三", "张三", A, "户主"), person_row("H009", "张三", "张小明", C, "子女")]
    report = run(world, xlsx(rows))
    assert report.errors[0].message == "该身份证号码已登记在户编号H001（城关镇红旗村）"
    # From another county the duplicate is flagged without the household's details.
    other = HouseholdImporter(actor=world.charlie, organisation=world.other_county).run(
        xlsx([person_row("X1", "张三", "张三", A, "户主")]), "户.xlsx"
    )
    assert other.errors[0].message == "该身份证号码已在其他县（市、区）登记为贫困户成员"


def test_legacy_xls_and_gb18030_csv(world: World, tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("贫困户")
    for c, text in enumerate(HEADER):
        sheet.write(0, c, text)
    for r, row in enumerate(good_rows(), start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    assert run(world, buffer.getvalue(), "户.xls").saved
    assert HouseholdMember.objects.count() == 4

    path = tmp_path / "户.csv"
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow(person_row("H100", "周九", "周九", id_number("530321", dt.date(1980, 1, 1), 99), "户主"))
    report = run(world, path.read_bytes(), "户.csv")
    assert report.saved and Household.objects.filter(number="H100").exists()


def test_completeness_is_checked_and_reported(world: World) -> None:
    rows = good_rows()
    rows[0] = person_row("H001", "张三", "张三", A, "户主", 工资性收入=6000, 人均纯收入=5000)
    rows[2] = person_row("H001", "张三", "张小明", C, "子女")  # 14 years old, not at school
    rows[3] = person_row("H002", "王五", "王五", D, "户主", 贫困户状态="已脱贫", **{"行政村（社区）": "白水村"})
    assert run(world, xlsx(rows)).saved
    h1 = Household.objects.get(number="H001")
    assert any("义务教育年龄" in p for p in h1.problem_list)
    assert any("人均纯收入5000.00元与家庭年纯收入÷人口（2000.00元）不符" in p for p in h1.problem_list)
    h2 = Household.objects.get(number="H002")
    assert any("已脱贫但未填脱贫年度" == p for p in h2.problem_list)
    report = township_report(Household.objects.filter(organisation=world.county))
    assert [(r["village"], r["households"], r["incomplete"]) for r in report] == [("白水村", 1, 1), ("红旗村", 1, 1)]
    # A complete file has no problems.
    found = problems(
        {"village_id": 1, "head_name": "甲", "main_cause": "illness", "size": 1, "status": "poor"},
        [{"name": "甲", "relation": "head", "id_number": A, "health": "healthy", "labour": "normal"}],
        dt.date(2026, 1, 1),
    )
    assert found == []


def test_command_line_and_scoping(world: World, tmp_path: Path) -> None:
    path = tmp_path / "户.xlsx"
    path.write_bytes(xlsx(good_rows()))
    out = io.StringIO()
    call_command("import_data", "households", str(path), "--organisation", "dcx", stdout=out, stderr=io.StringIO())
    assert "新增4条" in out.getvalue() and Household.objects.count() == 2
    with pytest.raises(NotFound):
        HouseholdImporter(actor=world.charlie, organisation=world.county).run(xlsx(good_rows()), "户.xlsx")
    with pytest.raises(CommandError):
        call_command("import_data", "households", str(path), "--organisation", "dcx", "--user", "charlie",
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip


def test_programmatic_load_of_many_rows(world: World) -> None:
    report = load_households(actor=world.alice, organisation=world.county, rows=synthetic_rows(500))
    assert report.saved, report.errors[:3]
    assert HouseholdMember.objects.count() == 500
    assert sum(Household.objects.values_list("size", flat=True)) == 500


def test_a_numeric_id_is_refused_even_when_its_check_character_fits(world: World) -> None:
    # 530321197001080123 typed as a number becomes 530321197001080000, whose check fits.
    report = run(world, xlsx([person_row("H1", "甲", "甲", 530321197001080000, "户主")]))
    assert "存成了数字" in report.errors[0].message and not report.saved


def test_missing_head_is_reported_even_with_another_bad_row(world: World) -> None:
    rows = [person_row("H1", "甲", "甲", A, "配偶"), person_row("H1", "甲", "乙", B, "子女", 健康状况="很好")]
    messages = [e.message for e in run(world, xlsx(rows)).errors]
    assert sum("没有户主" in m for m in messages) == 2 and any("很好" in m for m in messages)


def test_a_person_moving_between_households_reimported_together(world: World) -> None:
    rows = [person_row("H1", "甲", "甲", A, "户主"), person_row("H1", "甲", "丙", C, "子女"),
            person_row("H2", "乙", "乙", B, "户主")]  # fmt: skip
    assert run(world, xlsx(rows)).saved
    rows = [person_row("H1", "甲", "甲", A, "户主"), person_row("H2", "乙", "乙", B, "户主"),
            person_row("H2", "乙", "丙", C, "配偶")]  # fmt: skip
    report = run(world, xlsx(rows))
    assert report.saved, report.errors
    assert HouseholdMember.objects.get(id_number=C).household.number == "H2"
