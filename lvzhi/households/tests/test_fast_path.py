"""The household import's fast path (columnar.py) against the per-row loader: the same
files imported both ways save the same households and members, in every format counties
upload (.xlsx from Excel/WPS and from openpyxl, legacy .xls, UTF-8 and GBK .csv), with the
awkward but valid cells real sheets hold; and every file the fast path cannot vouch for
goes to the loader, which explains it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import xlsxwriter
import xlwt

from lvzhi.households.loading import FIELDS, HouseholdImporter
from lvzhi.households.models import Household, HouseholdMember
from lvzhi.households.testing import id_number, synthetic_rows
from lvzhi.testing import World

pytestmark = pytest.mark.django_db

LABELS = [str(f.label) for f in FIELDS]
KEYS = [f.key for f in FIELDS]
SKIP = {"id", "organisation_id", "township_id", "village_id", "household_id", "created_at", "updated_at", "version"}


def awkward_rows() -> list[dict[str, Any]]:
    """About 300 valid person rows with what real sheets hold: numbers typed as numbers,
    stated sex and birth dates, blank ethnicity, household cells blank on the head's row
    and filled on the next, other causes naming the main one, full-width phone digits,
    extra spaces, √ for 是, 已脱贫 with "2019年"."""
    rows = []
    households: dict[str, int] = {}
    for i, r in enumerate(synthetic_rows(300, seed=3, area="530321")):
        r = dict(r)
        h = households.setdefault(r["number"], len(households))
        birth = dt.date(int(r["id_number"][6:10]), int(r["id_number"][10:12]), int(r["id_number"][12:14]))
        sex = "男" if int(r["id_number"][16]) % 2 else "女"
        # Person columns vary by row.
        match i % 4:
            case 0:
                r.update(birth_date=birth, sex=sex, ethnicity="彝族")
            case 1:
                r.update(name=f" {r['name']} ", education="初中", migrant_work="省外务工", migrant_months=6)
            case 2:
                r.update(sex=sex, ethnicity="汉族")
        # Household columns vary by household, the same on each of its rows.
        match h % 5:
            case 0:
                r.update(other_causes=f"{r['main_cause']}、缺技术", phone="１３８ ００１３ ８０００", food_ok="√")
            case 1:
                r.update(status="已脱贫", exit_year="2019年", group="三组", income_business=1500.5)
            case 2:
                r.update(income_wages=float(r["income_wages"]), village_code="530321100201", helper_name="李四")
        rows.append(r)
    # A household whose head's row leaves shared cells blank, filled on its other rows.
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r["number"]] = sizes.get(r["number"], 0) + 1
    number = next(n for n, size in sizes.items() if size > 1 and households[n] % 5 == 3)
    head = next(r for r in rows if r["number"] == number)
    head.update(main_cause="", income_transfer="", status="")
    return rows


def xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    """As Excel and WPS write: shared strings, numbers as numbers, dates as formatted dates."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("贫困户")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, LABELS)
    for i, r in enumerate(rows, start=1):
        for c, key in enumerate(KEYS):
            value = r.get(key, "")
            if isinstance(value, dt.date):
                sheet.write_datetime(i, c, dt.datetime.combine(value, dt.time()), dates)
            elif value != "":
                sheet.write(i, c, value)
    book.close()
    return buffer.getvalue()


def openpyxl_bytes(rows: list[dict[str, Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(LABELS)
    for r in rows:
        sheet.append([r.get(k) if r.get(k, "") != "" else None for k in KEYS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_bytes(rows: list[dict[str, Any]]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("贫困户")
    dates = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for c, label in enumerate(LABELS):
        sheet.write(0, c, label)
    for i, r in enumerate(rows, start=1):
        for c, key in enumerate(KEYS):
            value = r.get(key, "")
            if isinstance(value, dt.date):
                sheet.write(i, c, value, dates)
            elif value != "":
                sheet.write(i, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict[str, Any]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LABELS)
    for r in rows:
        writer.writerow([r.get(k, "").isoformat() if isinstance(r.get(k), dt.date) else r.get(k, "") for k in KEYS])
    return buffer.getvalue().encode(encoding)


def saved() -> dict[str, Any]:
    """Everything the import saved, keyed by household number, without ids and stamps."""
    out = {}
    for hh in Household.objects.select_related("township", "village").order_by("number"):
        values = {f.attname: getattr(hh, f.attname) for f in Household._meta.concrete_fields if f.attname not in SKIP}
        values.update(township=hh.township.name, township_code=hh.township.code, village=hh.village.name)
        members = [
            {f.attname: getattr(m, f.attname) for f in HouseholdMember._meta.concrete_fields if f.attname not in SKIP}
            for m in hh.members.order_by("sort_order")
        ]
        out[hh.number] = (values, members)
    return out


def both_ways(
    world: World, content: bytes, name: str, **kwargs: Any
) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
    """Import with the fast path, note what was saved, start again with the per-row loader."""
    fast = HouseholdImporter(actor=world.alice, organisation=world.county)
    fast_report = fast.run(content, name, **kwargs)
    fast_saved = saved()
    Household.objects.all().delete()
    slow = HouseholdImporter(actor=world.alice, organisation=world.county)
    slow.fast_path = False
    slow_report = slow.run(content, name, **kwargs)
    assert fast.fast, fast.declined
    assert not slow.fast
    return fast_report, slow_report, fast_saved, saved()


@pytest.mark.parametrize(
    ("name", "write"),
    [
        ("户.xlsx", xlsx_bytes),
        ("户.xlsx", openpyxl_bytes),
        ("户.xls", xls_bytes),
        ("户.csv", csv_bytes),
        ("户.csv", lambda rows: csv_bytes(rows, "gb18030")),
    ],
    ids=["xlsxwriter", "openpyxl", "xls", "csv-utf8", "csv-gbk"],
)
def test_both_paths_save_the_same(world: World, name: str, write: Any) -> None:
    rows = awkward_rows()
    fast_report, slow_report, fast_saved, slow_saved = both_ways(world, write(rows), name)
    assert fast_report.saved and slow_report.saved, slow_report.errors[:3]
    assert (fast_report.total, fast_report.valid, fast_report.created) == (300, 300, 300)
    assert (slow_report.total, slow_report.valid, slow_report.created) == (300, 300, 300)
    assert fast_report.warnings == slow_report.warnings
    assert fast_saved == slow_saved
    # The awkward cells came through as the loader reads them.
    members = [m for _values, ms in fast_saved.values() for m in ms]
    assert {m["ethnicity"] for m in members} == {"汉族", "彝族"}
    assert all(m["name"] == m["name"].strip() for m in members)
    values = [v for v, _ms in fast_saved.values()]
    assert any(v["status"] == "out" and v["exit_year"] == 2019 for v in values)
    assert any(v["phone"] == "13800138000" for v in values)
    assert any(v["income_business"] == Decimal("1500.50") for v in values)
    assert all(v["main_cause"] not in v["other_causes"].split(",") for v in values if v["main_cause"])


def test_a_workbook_column_mixing_kinds_goes_to_the_loader(world: World) -> None:
    """Birth dates as text on some rows and as dates on others: the fast path reads a
    workbook's columns strictly typed, so the loader takes the file, and saves it."""
    rows = awkward_rows()
    for r in rows[::5]:
        if isinstance(r.get("birth_date"), dt.date):
            r["birth_date"] = r["birth_date"].isoformat()
    importer = HouseholdImporter(actor=world.alice, organisation=world.county)
    report = importer.run(xlsx_bytes(rows), "户.xlsx")
    assert not importer.fast and importer.declined == "the reader failed"
    assert report.saved and report.created == 300


def test_reimport_is_the_same_both_ways(world: World) -> None:
    rows = awkward_rows()
    content = xlsx_bytes(rows)
    first = HouseholdImporter(actor=world.alice, organisation=world.county)
    assert first.run(content, "户.xlsx").saved and first.fast
    # Every other household earns more; the second row's person has left.
    changed = [dict(r, income_wages=99999) if int(r["number"]) % 2 else r for i, r in enumerate(rows) if i != 1]
    fast_report, slow_report, fast_saved, slow_saved = both_ways(world, xlsx_bytes(changed), "户.xlsx")
    # The fast import updated the households the first import made (the slow one, after
    # the delete, created them again): both end with the same register.
    assert fast_report.updated == len(changed) and fast_report.created == 0
    assert slow_report.saved and slow_report.created == len(changed)
    assert fast_saved == slow_saved
    assert Household.objects.filter(income_wages=99999).exists()


def test_a_file_the_fast_path_cannot_vouch_for_goes_to_the_loader(world: World) -> None:
    rows = awkward_rows()
    importer = HouseholdImporter(actor=world.alice, organisation=world.county)
    # A bad check character on one row: the loader names row and column, nothing is saved.
    bad = [dict(r) for r in rows]
    bad[10]["id_number"] = bad[10]["id_number"][:-1] + ("0" if bad[10]["id_number"][-1] != "0" else "1")
    report = importer.run(csv_bytes(bad), "户.csv")
    assert not importer.fast and not report.saved
    assert [(e.row, e.column, e.message) for e in report.errors] == [(12, "身份证号码", "身份证号码校验位错误")]
    assert Household.objects.count() == 0
    # ID numbers typed as numbers (the check character may even fit): refused by the loader.
    numeric = [dict(r) for r in rows]
    numeric[0]["id_number"] = 530321197001080000
    report = importer.run(xlsx_bytes(numeric), "户.xlsx")
    assert not importer.fast and "存成了数字" in report.errors[0].message
    # Two households with one head each, but the same person in both.
    twice = [dict(r) for r in rows]
    twice[-1]["id_number"] = twice[0]["id_number"]
    report = importer.run(csv_bytes(twice), "户.csv")
    assert not importer.fast and "身份证号码重复" in report.errors[0].message
    # A sex that contradicts the ID number.
    sex = [dict(r) for r in rows]
    sex[0]["sex"] = "女" if int(sex[0]["id_number"][16]) % 2 else "男"
    report = importer.run(csv_bytes(sex), "户.csv")
    assert not importer.fast and report.errors[0].message == "性别与身份证号码不符"
    assert Household.objects.count() == 0


def test_an_id_registered_in_the_database_goes_to_the_loader(world: World) -> None:
    rows = awkward_rows()
    importer = HouseholdImporter(actor=world.alice, organisation=world.county)
    assert importer.run(csv_bytes(rows[:5]), "户.csv").saved and importer.fast
    # The same people under new household numbers: the database check finds them.
    moved = [dict(r, number=f"N{r['number']}") for r in rows[:5]]
    report = importer.run(csv_bytes(moved), "户.csv")
    assert not importer.fast and not report.saved
    assert report.errors[0].message.startswith("该身份证号码已登记在户编号")
    assert Household.objects.count() == len({r["number"] for r in rows[:5]})


def test_the_fast_path_reports_progress_and_dry_runs(world: World) -> None:
    seen: list[tuple[int, int]] = []
    importer = HouseholdImporter(
        actor=world.alice, organisation=world.county, progress=lambda d, t: seen.append((d, t))
    )
    rows = awkward_rows()
    report = importer.run(csv_bytes(rows), "户.csv", dry_run=True)
    assert importer.fast and report.valid == 300 and not report.saved and Household.objects.count() == 0
    seen.clear()
    report = importer.run(csv_bytes(rows), "户.csv")
    assert importer.fast and report.saved
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == (300, 300)


def test_household_cells_that_disagree_go_to_the_loader(world: World) -> None:
    rows = awkward_rows()
    number = rows[1]["number"]
    assert rows[0]["number"] == number
    rows[1] = dict(rows[1], township="第99镇")
    importer = HouseholdImporter(actor=world.alice, organisation=world.county)
    report = importer.run(csv_bytes(rows), "户.csv")
    assert not importer.fast and not report.saved
    assert report.errors[0].row == 3 and "与本户第2行" in report.errors[0].message


def test_a_bad_id_number_does_not_pass_as_a_new_person(world: World) -> None:
    """An ID number with a birth date in the future or an impossible day, its check
    character right: the fast path's ID rule declines, the loader refuses it."""
    future = id_number("530321", dt.date.today() + dt.timedelta(days=400), 1)
    first17 = "53032119800230001"  # 30 February
    from lvzhi.core.identity import id_check_character

    for bad in (future, first17 + id_check_character(first17)):
        rows = awkward_rows()
        rows[0]["id_number"] = bad
        importer = HouseholdImporter(actor=world.alice, organisation=world.county)
        report = importer.run(csv_bytes(rows), "户.csv")
        assert not importer.fast and not report.saved and report.errors[0].column == "身份证号码"


def test_the_strings_marked_plain_are_returned_unchanged(world: World) -> None:
    """The fast path skips the parser for a cell matching the parser's plain pattern: that
    must be exactly a cell the parser returns as it is. Random strings over an alphabet of
    the characters that matter (every kind of space, full-width forms, combining marks,
    ideographs inside and outside the pattern) are tried on both sides of the rule."""
    import random
    import re

    import polars as pl

    from lvzhi.households.loading import HouseholdLoader

    parsers = dict(HouseholdLoader(actor=world.alice, organisation=world.county)._parsers())
    marked = {k: p for k, p in parsers.items() if getattr(p, "plain", None)}
    assert {"number", "name", "head_name", "phone", "township", "village"} <= set(marked)
    alphabet = [
        *"张三丰阿卜杜·热合曼•aZ09-_./ ",
        "\u3000", "\u00a0", "\t", "\u2003", "\x1c", "Ａ", "０", "e\u0301", "\u00e9", "𠀀", "㐀", "\u200b", "\n",
    ]  # fmt: skip
    rng = random.Random(7)
    samples = ["张三", "张 三", "张  三", " 张三", "张三 ", "阿卜杜·热合曼", "H-001", "13800138000", "", "x" * 31]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    samples += ["".join(rng.choice("0123456789") for _ in range(rng.randint(5, 14))) for _ in range(300)]
    claimed = 0
    for key, parse in marked.items():
        pattern, limit = parse.plain  # type: ignore[attr-defined]
        polars_says = (
            pl.Series(samples).str.contains(pattern) & (pl.Series(samples).str.len_chars() <= limit)
        ).to_list()
        for cell, plain in zip(samples, polars_says, strict=True):
            assert plain == bool(re.fullmatch(pattern, cell) and len(cell) <= limit), (key, cell)
            if plain:
                claimed += 1
                assert parse(cell) == cell, (key, cell)
    assert claimed > 1000  # the rule does apply to ordinary cells


def test_every_completeness_problem_is_found_both_ways(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path checks only the files its column-wise screen (`completeness.screen`)
    flags: each kind of problem must be flagged and stored as the loader stores it, with
    amounts on both sides of the 1 元 tolerance, and complete files left out of the check."""
    from lvzhi.households import completeness

    today = dt.date.today()
    seq = iter(range(1, 1000))

    def person(number: str, head: str, name: str, age: int, relation: str = "户主", **extra: Any) -> dict[str, Any]:
        birth = dt.date(today.year - age, 1, 1)  # ``age`` today
        return {
            "number": number, "township": "城关镇", "village": "红旗村", "head_name": head, "name": name,
            "id_number": id_number("530321", birth, next(seq)), "relation": relation, "health": "健康",
            "labour": "普通劳动力", "schooling": "非在校生", "main_cause": "因病", "status": "未脱贫", **extra,
        }  # fmt: skip

    out = {"status": "已脱贫", "exit_year": "2019", **dict.fromkeys(("food_ok", "clothing_ok", "education_ok",
           "medical_ok", "housing_ok", "water_ok"), "是")}  # fmt: skip
    cases = {  # household number: (its rows, what its file must say; "" for complete)
        "C1": ([person("C1", "甲", "甲", 40), person("C1", "甲", "乙", 12, "子女", schooling="初中")], ""),
        "C2": ([person("C2", "甲", "甲", 40, main_cause="")], "未填主要致贫原因"),
        "C3": ([person("C3", "甲", "乙", 40)], "户主姓名“甲”与户主成员“乙”不一致"),
        "C4": ([person("C4", "甲", "甲", 40, health="")], "成员甲未填健康状况"),
        "C5": ([person("C5", "甲", "甲", 40, labour="")], "成员甲未填劳动技能"),
        "C6": ([person("C6", "甲", "甲", 40, schooling="初中")], "成员甲40岁，在校生状况为“初中”，年龄与学段不符"),
        "C7": ([person("C7", "甲", "甲", 40), person("C7", "甲", "乙", 9, "子女")], "处于义务教育年龄却为“非在校生”"),
        "C8": ([person("C8", "甲", "甲", 40, income_wages=6000, income_total=7001.01)], "家庭年纯收入7001.01元与各项收入之和6000.00元不符"),
        "C9": ([person("C9", "甲", "甲", 40, income_wages=6000, income_total=6001)], ""),
        "C10": ([person("C10", "甲", "甲", 40, income_wages=6000, per_capita_income=3000),
                 person("C10", "甲", "乙", 40, "配偶")], ""),
        "C11": ([person("C11", "甲", "甲", 40, income_wages=6000, per_capita_income=2001.99),
                 person("C11", "甲", "乙", 40, "配偶")], "人均纯收入2001.99元与家庭年纯收入÷人口（3000.00元）不符"),
        "C12": ([person("C12", "甲", "甲", 40, **out)], ""),
        "C13": ([person("C13", "甲", "甲", 40, **dict(out, water_ok="否"))], "已脱贫但“饮水安全有保障”未达标"),
        "C14": ([person("C14", "甲", "甲", 40, **dict(out, housing_ok=""))], "已脱贫但未填“住房安全有保障”"),
        "C15": ([person("C15", "甲", "甲", 40, **dict(out, exit_year=""))], "已脱贫但未填脱贫年度"),
        "C16": ([person("C16", "", "甲", 40)], ""),  # a blank 户主姓名 is the 户主's name
    }  # fmt: skip
    rows = [r for household, _said in cases.values() for r in household]
    checked: list[str] = []  # the households problems_of ran on, by number
    problems_of, number_of = completeness.problems_of, {r["id_number"]: r["number"] for r in rows}

    def spy(household: Any, members: Any, day: dt.date) -> list[str]:
        checked.append(number_of[members[0][1]])
        return problems_of(household, members, day)

    monkeypatch.setattr(completeness, "problems_of", spy)
    fast_report, slow_report, fast_saved, slow_saved = both_ways(world, xlsx_bytes(rows), "户.xlsx")
    assert fast_report.saved and slow_report.saved
    assert fast_saved == slow_saved
    for number, (_rows, said) in cases.items():
        problems = fast_saved[number][0]["problems"]
        assert said in problems if said else problems == "", (number, problems)
    # The fast path (first) checked the incomplete files, and C9, whose total is off by
    # exactly the tolerance (screened within a margin); then the loader checked them all.
    incomplete = [number for number, (_rows, said) in cases.items() if said]
    assert checked == [*sorted([*incomplete, "C9"], key=lambda n: int(n[1:])), *cases]


def test_a_hidden_first_sheet_goes_to_the_loader(world: World) -> None:
    """The loader reads the first visible sheet; the fast path reads the first sheet, so
    it declines when that one is hidden (an .xlsx is read eagerly, its states from the
    workbook's own XML)."""
    rows = awkward_rows()[:20]
    book = openpyxl.load_workbook(io.BytesIO(openpyxl_bytes(rows)))
    old = book.create_sheet("旧表", 0)
    old.append(["户编号", "姓名"])
    old.append(["X1", "不应导入"])
    old.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    importer = HouseholdImporter(actor=world.alice, organisation=world.county)
    report = importer.run(buffer.getvalue(), "户.xlsx")
    assert not importer.fast and importer.declined == "the first sheet is hidden"
    assert report.saved and report.created == 20
    assert not Household.objects.filter(number="X1").exists()
    # Shown again, the fast path takes it (and the file is refused: no 身份证号码 column).
    book["旧表"].sheet_state = "visible"
    buffer = io.BytesIO()
    book.save(buffer)
    importer = HouseholdImporter(actor=world.alice, organisation=world.county)
    assert not importer.run(buffer.getvalue(), "户.xlsx").saved
    assert importer.declined == "header problems or no data"
